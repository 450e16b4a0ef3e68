"""Homographies between a photo and its paper's grid: applying one, its local scale and
rotation, and fitting one to points known to lie on grid lines."""
from __future__ import annotations

import math
from typing import Optional

import numpy as np


def apply(h: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Points (n, 2) through the homography h (3, 3)."""
    q = np.c_[pts, np.ones(len(pts))] @ h.T
    return q[:, :2] / q[:, 2:3]


def fit_homography(points: np.ndarray, labels: np.ndarray, family: np.ndarray,
                   weights: Optional[np.ndarray] = None, affine: bool = False) -> np.ndarray:
    """Least-squares map photo -> grid from points (n, 2) lying on grid lines: a point of
    family 0 has u = label, one of family 1 has w = label; `weights` scale each point's
    equation. A homography (DLT in normalised coordinates), or an affine map while the points
    cover too small an area to pin down perspective."""
    weights = np.ones(len(points)) if weights is None else weights
    centre = points.mean(0)
    scale = math.sqrt(2) / max(1e-9, float(np.sqrt(((points - centre) ** 2).sum(1).mean())))
    norm = np.array([[scale, 0, -scale * centre[0]], [0, scale, -scale * centre[1]], [0, 0, 1]])
    xy1 = np.c_[(points - centre) * scale, np.ones(len(points))]
    if affine:
        h = np.eye(3)
        for f in (0, 1):
            m = family == f
            h[f], *_ = np.linalg.lstsq(xy1[m] * weights[m, None], labels[m] * weights[m],
                                       rcond=None)
        return h @ norm
    lab_c = labels.mean()
    lab_s = 1.0 / max(1e-9, float(labels.std()))
    lab = ((labels - lab_c) * lab_s)[:, None]
    zeros = np.zeros((len(points), 3))
    rows = np.where(family[:, None] == 0, np.c_[xy1, zeros, -lab * xy1],
                    np.c_[zeros, xy1, -lab * xy1])
    _, _, vt = np.linalg.svd(rows * weights[:, None], full_matrices=False)
    denorm = np.array([[1 / lab_s, 0, lab_c], [0, 1 / lab_s, lab_c], [0, 0, 1]])
    h = denorm @ vt[-1].reshape(3, 3) @ norm
    return h / h[2, 2] if abs(h[2, 2]) > 1e-12 else h


def jacobian(h: np.ndarray, pt: np.ndarray) -> np.ndarray:
    """d(grid)/d(photo) at a photo point: (2, 2)."""
    x, y = pt
    q = h @ np.array([x, y, 1.0])
    return (h[:2, :2] * q[2] - np.outer(q[:2], h[2, :2])) / (q[2] ** 2)
