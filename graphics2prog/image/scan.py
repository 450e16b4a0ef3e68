"""Placing a scan (or any image without a printed grid) on the model's 256x256 canvas.

The drawing is centred on its ink (its bounding box, specks ignored) and scaled by
min((256 - 2*16) / extent, 1.8 px / stroke width): it fits inside a one-unit margin, and is
never enlarged beyond the point where its strokes are as wide as in the training data (so an
image that is a scaled copy of a grid drawing returns to the grid's scale); a known grid unit
overrides the estimate. Inference refines the placement (infer/register.py).
"""
from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

from .frames import resize_matrix, shift_matrix
from .ink import drawing_box

SIZE = 256
MARGIN_PX = 16          # one grid unit around the drawing
REF_STROKE_PX = 1.8     # stroke width (area / skeleton length of ink > 0.5), 256 px drawings


def _window(shape: tuple[int, int], found, unit_px: Optional[float]) -> tuple[int, int, int]:
    """(left, top, side) of the square of source pixels the canvas shows (module doc), given
    the drawing's box and stroke width; a blank image is shown whole."""
    if found is None:
        h, w = shape
        side = max(h, w)
        return (w - side) // 2, (h - side) // 2, side
    (x0, y0, x1, y1), width = found
    scale = MARGIN_PX / unit_px if unit_px else \
        min((SIZE - 2 * MARGIN_PX) / max(x1 - x0, y1 - y0), REF_STROKE_PX / width)
    side = max(1, round(SIZE / scale))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return round(cx - side / 2), round(cy - side / 2), side


def onto_grid(ink: np.ndarray, unit_px: Optional[float] = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """The drawing centred on a SIZE x SIZE canvas at the scale described in the module doc,
    or at MARGIN_PX / unit_px when the grid unit is known (a blank canvas for a blank image);
    and the map (3, 3) of the canvas's pixels to the source's (cv2 centres)."""
    found = drawing_box(ink)
    left, top, side = _window(ink.shape, found, unit_px)
    source_from_canvas = shift_matrix(left, top) @ resize_matrix(side / SIZE)
    if found is None:
        return np.zeros((SIZE, SIZE), np.float32), source_from_canvas
    h, w = ink.shape
    pad = ((max(0, -top), max(0, top + side - h)), (max(0, -left), max(0, left + side - w)))
    window = np.pad(ink, pad)[top + pad[0][0]:top + pad[0][0] + side,
                              left + pad[1][0]:left + pad[1][0] + side]
    interp = cv2.INTER_AREA if side > SIZE else cv2.INTER_LINEAR
    return cv2.resize(window, (SIZE, SIZE), interpolation=interp), source_from_canvas
