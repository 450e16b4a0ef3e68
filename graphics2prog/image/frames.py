"""The matrices that say where the model's grid lies in an input image.

Each reader records how the 256x256 ink map was sampled from the image it read: a homogeneous
3x3 map from model pixels to that image's pixels, both in cv2's convention (pixel centres at
integers), which is the convention of cv2's warps and resizes. `image_from_grid` turns such a
map into the one callers get: grid units (origin bottom-left, y up; model pixel column 16x,
row 256 - 16y) to the original image's pixels with (0, 0) at its top-left corner, so pixel
(c, r) covers [c, c+1) x [r, r+1), the convention the renders draw in (a 256x256 drawing's map
is MODEL_FROM_GRID itself).
"""
from __future__ import annotations

import numpy as np

MODEL_FROM_GRID = np.array([[16.0, 0.0, 0.0], [0.0, -16.0, 256.0], [0.0, 0.0, 1.0]])
_EDGES_FROM_CENTRES = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])


def resize_matrix(f: float) -> np.ndarray:
    """Pixel coordinates (cv2 centres) of an image -> those of it resized by f."""
    return np.array([[f, 0, 0.5 * f - 0.5], [0, f, 0.5 * f - 0.5], [0, 0, 1.0]])


def shift_matrix(dx: float, dy: float) -> np.ndarray:
    """(x, y) -> (x + dx, y + dy)."""
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]])


def _on_edges(centres_map: np.ndarray) -> np.ndarray:
    """A map between pixel-centre coordinates restated between pixel-edge coordinates."""
    return _EDGES_FROM_CENTRES @ centres_map @ np.linalg.inv(_EDGES_FROM_CENTRES)


def _normalised(h: np.ndarray) -> np.ndarray:
    return h / h[2, 2] if abs(h[2, 2]) > 1e-12 else h


def image_from_grid(decoded_from_model: np.ndarray, decoded_per_original: float = 1.0
                    ) -> np.ndarray:
    """Grid units -> the original image's pixels (module doc), from the map of model pixels to
    the decoded image's pixels and the factor the image was decoded at (a JPEG may be decoded
    at a reduced size)."""
    original = _on_edges(resize_matrix(1.0 / decoded_per_original))
    return _normalised(original @ _on_edges(decoded_from_model) @ MODEL_FROM_GRID)


def moved_on_model(image_from_grid_: np.ndarray, before_from_after: np.ndarray) -> np.ndarray:
    """`image_from_grid_` after the ink map itself was warped, `before_from_after` taking the
    new map's pixels (cv2 centres) to the old one's."""
    model = _on_edges(before_from_after)
    return _normalised(image_from_grid_ @ np.linalg.inv(MODEL_FROM_GRID) @ model
                       @ MODEL_FROM_GRID)
