"""Pencil and pen strokes of a rectified photo of graph paper, without the printed grid.

Lighting: each colour channel is divided by the paper's own brightness (a grey-level closing
wider than any line or stroke), so gradients, shadows and colour casts cancel; what remains is
reflectance, and its optical density D = -log(reflectance) adds up where inks overlap.

Grid removal works in a canvas where grid line k lies at pixel k * px - 0.5. Only pixels near
a grid line (within BAND squares) can lose ink, and they lose at most what the printed line
explains there: the density along the grid's colour g (measured on the line centres), capped
at the line's own strength (a low percentile along its whole length, so a stroke that runs on
the line for a while does not count as grid). A pencil stroke on a grid line is darker than
the line and, on coloured grids, differently coloured, so it survives; a crossing stroke
keeps all but the line's faint share.
"""
from __future__ import annotations

import cv2
import numpy as np

BAND = 0.13          # squares either side of a grid line where grid ink may be removed
LINE_PERCENTILE = 40  # of the density along a line: its strength, ignoring strokes on it
STRENGTH_CAP = 2.5   # times the typical line: stronger "lines" are strokes (major lines pass)
SLACK = 1.3          # grid density allowed above a line's strength (noise, uneven printing)


def reflectance(rgb: np.ndarray, kernel_px: float) -> np.ndarray:
    """rgb float32 (H, W, 3) in [0, 1] divided by the paper's brightness per channel: the
    closing (at reduced size, for speed) with a square of `kernel_px` erases thin dark lines
    and strokes, and keeps shadows and gradients. Returns float32 (H, W, 3) in [0, 1]."""
    h, w = rgb.shape[:2]
    f = min(1.0, 9.0 / max(kernel_px, 1.0))  # the kernel is 9 px at the reduced size
    small = cv2.resize(rgb, (max(1, round(w * f)), max(1, round(h * f))),
                       interpolation=cv2.INTER_AREA) if f < 1 else rgb
    k = max(3, int(round(kernel_px * f)) | 1)
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    if f < 1:
        bg = cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(rgb / np.maximum(np.maximum(bg, rgb), 1e-3), 0.0, 1.0)


def density(refl: np.ndarray) -> np.ndarray:
    """Optical density -log(reflectance), float32, 0 on paper."""
    return -np.log(np.maximum(refl, 0.02))


def _line_distance(n: int, px: int) -> np.ndarray:
    """Distance (squares) of pixel centres 0..n-1 to the nearest grid line (at k * px - 0.5)."""
    pos = (np.arange(n) + 0.5) / px
    return np.abs(pos - np.round(pos))


def _strength(t: np.ndarray, valid: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Per listed column, the LINE_PERCENTILE of t over its valid rows (0 where none)."""
    sub = np.where(valid[:, cols], t[:, cols], np.inf)
    sub.sort(axis=0)
    count = valid[:, cols].sum(0)
    idx = np.clip((count * LINE_PERCENTILE) // 100, 0, t.shape[0] - 1)
    out = sub[idx, np.arange(len(cols))]
    return np.where(count > 0, out, 0.0)


def grid_colour(dens: np.ndarray, valid: np.ndarray, px: int) -> np.ndarray:
    """Unit vector (3,) of the printed lines' density colour: line-centre pixels minus paper."""
    h, w = dens.shape[:2]
    dx, dy = _line_distance(w, px), _line_distance(h, px)
    centre = ((dx[None, :] < 0.5 / px + 1e-6) | (dy[:, None] < 0.5 / px + 1e-6)) & valid
    paper = (dx[None, :] > 0.3) & (dy[:, None] > 0.3) & valid
    if not centre.any() or not paper.any():
        return np.full(3, 1 / np.sqrt(3), np.float32)
    g = np.median(dens[centre], axis=0) - np.median(dens[paper], axis=0)
    g = np.maximum(g, 0.0)
    norm = float(np.linalg.norm(g))
    return (g / norm if norm > 1e-4 else np.full(3, 1 / np.sqrt(3))).astype(np.float32)


def strokes(dens: np.ndarray, valid: np.ndarray, px: int) -> np.ndarray:
    """Ink of the strokes, float32 (H, W) in [0, 1] (0 outside `valid`), from the density
    (H, W, 3) of a canvas whose grid lines lie at k * px - 0.5 (see the module doc)."""
    h, w = dens.shape[:2]
    g = grid_colour(dens, valid, px)
    t = dens @ g  # (H, W) density along the grid's colour
    dx, dy = _line_distance(w, px), _line_distance(h, px)
    cols, rows = np.flatnonzero(dx <= BAND), np.flatnonzero(dy <= BAND)
    across_v = np.zeros(w, np.float32)
    across_h = np.zeros(h, np.float32)
    across_v[cols] = _strength(t, valid, cols)
    across_h[rows] = _strength(t.T, valid.T, rows)
    centres = np.r_[across_v[dx < 0.5 / px + 1e-6], across_h[dy < 0.5 / px + 1e-6]]
    typical = float(np.median(centres)) if centres.size else 0.0
    cap = STRENGTH_CAP * max(typical, 1e-3)
    paper = t[(dx[None, :] > 0.3) & (dy[:, None] > 0.3) & valid]
    slack = 3.0 * 1.4826 * float(np.median(np.abs(paper - np.median(paper)))) if paper.size else 0.0
    expected = np.maximum(np.minimum(across_v, cap)[None, :], np.minimum(across_h, cap)[:, None])
    t_max = np.where(expected > 0, SLACK * expected + slack, 0.0)
    grid = np.clip(t, 0.0, t_max)[..., None] * g  # (H, W, 3) what the printed lines explain
    residual = np.maximum(dens - grid, 0.0).mean(axis=2)
    ink = 1.0 - np.exp(-residual)
    return np.where(valid, ink, 0.0).astype(np.float32)
