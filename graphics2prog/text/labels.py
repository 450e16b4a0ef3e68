"""Text lines of a picture, in pixels and in grid units: find_words gives single words (each
with its own box, cut out of the detector's lines), and a label is read as lines of words, so
neighbouring words on one line are joined here, whichever backend found them.

Lines are grouped left to right (horizontal writing); words written down the page, e.g. a
lane's name, stay separate words."""
from __future__ import annotations

import sys
from typing import Optional, Sequence

import numpy as np

from ..shapes import Text
from .base import TextBackendMissing, Word
from .config import LabelConfig, TextConfig
from .words import find_words


def _overlap(a: Word, b: Word) -> float:
    """How much the two boxes share vertically, as a share of the smaller one's height."""
    shared = min(a.box[3], b.box[3]) - max(a.box[1], b.box[1])
    return shared / max(min(a.box[3] - a.box[1], b.box[3] - b.box[1]), 1e-6)


def _follows(line: list[Word], w: Word, config: LabelConfig) -> bool:
    """Whether word w continues the line: level with its last word and close after it."""
    last = line[-1]
    gap = w.box[0] - last.box[2]
    height = max(last.height, w.height)
    return (_overlap(last, w) >= config.line_overlap
            and -0.5 * height <= gap <= config.line_gap * height)


def _joined(line: list[Word]) -> Word:
    boxes = np.array([w.box for w in line])
    box = (*boxes[:, :2].min(axis=0), *boxes[:, 2:].max(axis=0))
    return Word(tuple(float(v) for v in box), " ".join(w.text for w in line),
                float(np.mean([w.confidence for w in line])))


def group_lines(words: Sequence[Word], config: Optional[LabelConfig] = None) -> list[Word]:
    """The words joined into lines (a line's box is the union of its words', its text the
    words with single spaces, its confidence their mean), top to bottom, then left to
    right."""
    config = config or LabelConfig()
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: w.box[0]):
        fits = [line for line in lines if _follows(line, w, config)]
        if fits:
            max(fits, key=lambda line: _overlap(line[-1], w)).append(w)
        else:
            lines.append([w])
    return sorted((_joined(line) for line in lines), key=lambda w: (w.box[1], w.box[0]))


def read_texts(rgb: np.ndarray, config: Optional[TextConfig] = None,
               labels: Optional[LabelConfig] = None) -> list[Word]:
    """The text lines of a picture (find_words, then group_lines): boxes in the picture's
    pixels (origin top-left, y down). Raises TextBackendMissing when the OCR backend is not
    installed."""
    return group_lines(find_words(rgb, config), labels)


_WARNED: set = set()    # what try_read_texts has warned about in this process


def try_read_texts(rgb: np.ndarray, config: Optional[TextConfig] = None,
                   labels: Optional[LabelConfig] = None) -> list[Word]:
    """read_texts for a pipeline that can do without text: when the OCR backend is not
    installed the picture has no text, and one line on stderr (once per process) says what to
    install."""
    try:
        return read_texts(rgb, config, labels)
    except TextBackendMissing as e:
        if str(e) not in _WARNED:
            _WARNED.add(str(e))
            sys.stderr.write(f"g2p: warning: text not read: {e}\n")
        return []


def _span(a: float, b: float) -> tuple[int, int]:
    """Grid ends of a span: rounded, and one unit long at least (a text box has area)."""
    lo, hi = int(round(a)), int(round(b))
    if hi <= lo:
        lo = int(np.floor((a + b) / 2))
        hi = lo + 1
    return lo, hi


def texts_in_grid(lines: Sequence[Word], unit_px: float,
                  origin_px: tuple[float, float]) -> list[Text]:
    """Text primitives of the lines, in grid units: `unit_px` pixels to a unit, grid point
    (0, 0) at pixel origin_px (x right, y down), grid y up. Box ends are rounded to the grid,
    and a box is a unit wide and high at least."""
    out = []
    for w in lines:
        x1, y1, x2, y2 = w.box
        gx = _span((x1 - origin_px[0]) / unit_px, (x2 - origin_px[0]) / unit_px)
        gy = _span((origin_px[1] - y2) / unit_px, (origin_px[1] - y1) / unit_px)
        out.append(Text(gx[0], gy[0], gx[1], gy[1], w.text))
    return out
