"""Text lines found by a detector, as quadrilaterals in image pixels, and their crops: what the
recognizers read. A line taller than wide is turned a quarter (as PP-OCR does), and a word's
span along the cropped line maps back onto the page through its quadrilateral."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

VERTICAL = 1.5      # a crop this many times taller than wide is read turned a quarter


@dataclass
class Line:
    """A detected line: its corners (4, 2) clockwise from the top left of the text, the crop
    the recognizer reads, whether that crop was turned a quarter (vertical text) and whether
    it was then turned upside down (the classifier said it was upside down)."""
    quad: np.ndarray
    crop: np.ndarray
    vertical: bool = False
    flipped: bool = False

    def span_box(self, start: float, end: float) -> tuple[float, float, float, float]:
        """Axis-aligned box (x1, y1, x2, y2) on the page of the part of the line between the
        fractions start..end of the crop's width (as the recognizer read it)."""
        if self.flipped:
            start, end = 1.0 - end, 1.0 - start
        p0, p1, p2, p3 = self.quad.astype(np.float64)
        if self.vertical:   # the crop's columns run down the page's left and right edges
            a, b, c, d = p0, p3, p1, p2
        else:               # along the top and bottom edges
            a, b, c, d = p0, p1, p3, p2
        pts = np.array([a + start * (b - a), a + end * (b - a),
                        c + start * (d - c), c + end * (d - c)])
        return (float(pts[:, 0].min()), float(pts[:, 1].min()),
                float(pts[:, 0].max()), float(pts[:, 1].max()))


def crop_line(image: np.ndarray, quad: np.ndarray) -> Line:
    """The line's pixels warped to an upright rectangle (turned a quarter when much taller
    than wide), as PP-OCR's recogniser expects them."""
    q = quad.astype(np.float32)
    w = int(max(np.linalg.norm(q[0] - q[1]), np.linalg.norm(q[2] - q[3])))
    h = int(max(np.linalg.norm(q[0] - q[3]), np.linalg.norm(q[1] - q[2])))
    w, h = max(w, 1), max(h, 1)
    target = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(q, target)
    crop = cv2.warpPerspective(image, m, (w, h), borderMode=cv2.BORDER_REPLICATE,
                               flags=cv2.INTER_CUBIC)
    vertical = h / w >= VERTICAL
    if vertical:
        crop = np.ascontiguousarray(np.rot90(crop))
    return Line(quad=q, crop=crop, vertical=vertical)
