"""Words out of an ink map, so that the shape parser does not take letters for strokes.

A word's box is not simply blanked: labels sit close to (or touch) the borders of the boxes
they name and the arrows they annotate. Ink components that lie mostly inside a (slightly
grown) word box are letters and go whole, stray bits outside the box included; inside a box,
the ink of a component that runs far out of it goes too, except its long horizontal and
vertical runs (a task's border, an arrow's shaft)."""
from __future__ import annotations

from typing import Iterable, Optional

import cv2
import numpy as np

from .base import Word
from .config import TextConfig

HALO_PX = 2     # faint edges around a removed letter or a kept stroke


def word_mask(shape: tuple[int, int], words: Iterable[Word], pad: float = 0.0) -> np.ndarray:
    """bool (H, W): the words' boxes, each grown by `pad` times its letters' height. Boxes
    are in the pixels of an image of this shape (Word.scaled maps them between sizes)."""
    mask = np.zeros(shape[:2], dtype=bool)
    h, w = mask.shape
    for word in words:
        g = pad * word.height
        x1, y1, x2, y2 = word.box
        c1, r1 = max(0, int(np.floor(x1 - g))), max(0, int(np.floor(y1 - g)))
        c2, r2 = min(w, int(np.ceil(x2 + g))), min(h, int(np.ceil(y2 + g)))
        if c2 > c1 and r2 > r1:
            mask[r1:r2, c1:c2] = True
    return mask


def straight_runs(binary: np.ndarray, length: int) -> np.ndarray:
    """bool: ink on a horizontal or vertical run at least `length` pixels long (an opening
    with a line of that length each way), grown by HALO_PX."""
    b = binary.astype(np.uint8)
    runs = cv2.morphologyEx(b, cv2.MORPH_OPEN, np.ones((1, length), np.uint8))
    runs |= cv2.morphologyEx(b, cv2.MORPH_OPEN, np.ones((length, 1), np.uint8))
    return cv2.dilate(runs, np.ones((2 * HALO_PX + 1,) * 2, np.uint8)).astype(bool)


def letters(binary: np.ndarray, boxes: np.ndarray, inside: float) -> np.ndarray:
    """bool: the ink components with at least the share `inside` of their pixels in the
    boxes, grown by HALO_PX."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary.astype(np.uint8),
                                                           connectivity=8)
    within = np.bincount(labels[boxes], minlength=n)
    share = within / np.maximum(stats[:, cv2.CC_STAT_AREA], 1)
    is_letter = share >= inside
    is_letter[0] = False
    found = is_letter[labels].astype(np.uint8)
    return cv2.dilate(found, np.ones((2 * HALO_PX + 1,) * 2, np.uint8)).astype(bool)


def without_words(ink: np.ndarray, words: Iterable[Word],
                  config: Optional[TextConfig] = None) -> np.ndarray:
    """A copy of `ink` (H, W, float in [0, 1], ink bright) with the words' letters set to 0
    and the strokes that cross their boxes kept. Word boxes are in ink's pixels."""
    config = config or TextConfig()
    words = list(words)
    out = np.array(ink, dtype=np.float32, copy=True)
    if not words:
        return out
    boxes = word_mask(out.shape, words, config.mask_pad)
    binary = out > config.mask_ink
    height = float(np.median([w.height for w in words]))
    runs = straight_runs(binary, max(9, int(round(config.line_length * height))))
    erase = letters(binary, boxes, config.mask_inside) | (boxes & ~runs)
    out[erase & ~(runs & ~boxes)] = 0.0
    return out
