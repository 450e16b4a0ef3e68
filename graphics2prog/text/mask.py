"""Words out of an ink map, so that the shape parser does not take letters for strokes.

A word's box is not simply blanked: labels sit close to (or touch) the borders of the boxes
they name and the arrows they annotate, and a line of text often fills its task's box. Ink
components that lie mostly inside a (slightly grown) word box and are no taller than letters
are letters and go whole, stray bits outside the box included; inside a box, the rest of the
ink goes too, except long horizontal and vertical runs (a task's border, an arrow's shaft),
which are kept wherever they are."""
from __future__ import annotations

from typing import Iterable, Optional

import cv2
import numpy as np

from .base import Word
from .config import TextConfig

HALO_PX = 2     # faint edges around a removed letter or a kept stroke
WOBBLE_PX = 2   # how far a hand-drawn straight stroke strays across its direction


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


def straight_runs(binary: np.ndarray, length: int, wobble: int = WOBBLE_PX) -> np.ndarray:
    """bool: ink on a roughly horizontal or vertical stroke at least `length` pixels long,
    grown by HALO_PX. A hand-drawn line wanders: the ink is first thickened across the
    direction by `wobble` pixels each way, then opened with a line of that length along it."""
    b = binary.astype(np.uint8)
    across = 2 * wobble + 1
    runs = cv2.morphologyEx(cv2.dilate(b, np.ones((across, 1), np.uint8)), cv2.MORPH_OPEN,
                            np.ones((1, length), np.uint8))
    runs |= cv2.morphologyEx(cv2.dilate(b, np.ones((1, across), np.uint8)), cv2.MORPH_OPEN,
                             np.ones((length, 1), np.uint8))
    return (cv2.dilate(runs, np.ones((2 * HALO_PX + 1,) * 2, np.uint8)) > 0) & (
        cv2.dilate(b, np.ones((2 * HALO_PX + 1,) * 2, np.uint8)) > 0)


def letters(binary: np.ndarray, boxes: np.ndarray, inside: float, size: float) -> np.ndarray:
    """bool: the ink components with at least the share `inside` of their pixels in the
    boxes and a bounding box whose smaller side is at most `size` pixels (a letter or a
    word, not the outline of the box the word fills), grown by HALO_PX."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(binary.astype(np.uint8),
                                                           connectivity=8)
    within = np.bincount(labels[boxes], minlength=n)
    share = within / np.maximum(stats[:, cv2.CC_STAT_AREA], 1)
    small = np.minimum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]) <= size
    is_letter = (share >= inside) & small
    is_letter[0] = False
    found = is_letter[labels].astype(np.uint8)
    return cv2.dilate(found, np.ones((2 * HALO_PX + 1,) * 2, np.uint8)).astype(bool)


def without_words(ink: np.ndarray, words: Iterable[Word],
                  config: Optional[TextConfig] = None) -> np.ndarray:
    """A copy of `ink` (H, W, float in [0, 1], ink bright) with the words' letters set to 0
    and the straight strokes that cross or touch their boxes kept. Word boxes are in ink's
    pixels."""
    config = config or TextConfig()
    words = list(words)
    out = np.array(ink, dtype=np.float32, copy=True)
    if not words:
        return out
    boxes = word_mask(out.shape, words, config.mask_pad)
    binary = out > config.mask_ink
    height = float(np.median([w.height for w in words]))
    runs = straight_runs(binary, max(9, int(round(config.line_length * height))))
    erase = letters(binary, boxes, config.mask_inside, config.letter_size * height) | boxes
    out[erase & ~runs] = 0.0
    return out
