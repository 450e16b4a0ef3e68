"""Pencil and pen strokes of a rectified photo of graph paper, without the printed grid.

Lighting: each colour channel is divided by the paper's own brightness (a grey-level closing
wider than any line or stroke), so gradients, shadows and colour casts cancel; what remains is
reflectance, and its optical density D = -log(reflectance) adds up where inks overlap.

Grid removal works in a canvas where grid line k lies at pixel k * px - 0.5. Only pixels near a
grid line (within BAND squares) can lose ink, and they lose at most what the printed line
explains there: the density along the grid's colour g (measured on the line centres), capped at
the line's own strength (a low percentile along its whole length, so a stroke that runs on the
line for a while does not count as grid, plus a few sigmas of its variation). A pencil stroke on
a grid line is darker than the line and, on coloured grids, differently coloured, so it
survives; a crossing stroke keeps all but the line's faint share.
"""
from __future__ import annotations

import cv2
import numpy as np

BAND = 0.13          # squares either side of a grid line where grid ink may be removed
LINE_PERCENTILE = 40  # of the density along a line: its strength, ignoring strokes on it
STRENGTH_CAP = 2.5   # times the typical line: stronger "lines" are strokes (major lines pass)
SLACK = 3.0          # robust sigmas of grid density allowed above a line's level


def reflectance(rgb: np.ndarray, kernel_px: float) -> np.ndarray:
    """rgb float32 (H, W, 3) in [0, 1] divided by the paper's brightness per channel: a
    grey-level closing with a square of `kernel_px` (of the image lightly smoothed against
    noise) erases thin dark lines and strokes and keeps shadows, gradients and the sheet's
    edge exactly where they are. Returns float32 (H, W, 3) in [0, 1]."""
    k = max(3, int(round(kernel_px)) | 1)
    smooth = cv2.GaussianBlur(rgb, (0, 0), 1.0)
    bg = cv2.morphologyEx(smooth, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    return np.clip(rgb / np.maximum(np.maximum(bg, rgb), 1e-3), 0.0, 1.0)


def density(refl: np.ndarray) -> np.ndarray:
    """Optical density -log(reflectance), float32, 0 on paper."""
    return -np.log(np.maximum(refl, 0.02))


def _line_distance(n: int, px: int) -> np.ndarray:
    """Distance (squares) of pixel centres 0..n-1 to the nearest grid line (at k * px - 0.5)."""
    pos = (np.arange(n) + 0.5) / px
    return np.abs(pos - np.round(pos))


def _strength(t: np.ndarray, valid: np.ndarray, cols: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """Per listed column, over its valid rows: the level of t (its LINE_PERCENTILE) and its
    spread (a robust sigma from the 20th to 50th percentile), both 0 where no row is valid.
    Percentiles this low ignore strokes covering up to half the column."""
    level, spread = np.zeros(len(cols), np.float32), np.zeros(len(cols), np.float32)
    count = valid[:, cols].sum(0)
    seen = count > 0
    cols, count = cols[seen], count[seen]
    sub = np.where(valid[:, cols], t[:, cols], np.inf)
    sub.sort(axis=0)
    at = np.arange(len(cols))

    def pct(q: int) -> np.ndarray:
        return sub[(count * q) // 100, at]

    level[seen] = pct(LINE_PERCENTILE)
    spread[seen] = (pct(50) - pct(20)) / 0.842
    return level, spread


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
    level_v, spread_v = np.zeros((2, w), np.float32)
    level_h, spread_h = np.zeros((2, h), np.float32)
    level_v[cols], spread_v[cols] = _strength(t, valid, cols)
    level_h[rows], spread_h[rows] = _strength(t.T, valid.T, rows)
    centres = np.r_[level_v[dx < 0.5 / px + 1e-6], level_h[dy < 0.5 / px + 1e-6]]
    cap = STRENGTH_CAP * max(float(np.median(centres)) if centres.size else 0.0, 1e-3)
    t_v = np.where(level_v > 0, np.minimum(level_v, cap) + SLACK * spread_v, 0.0)
    t_h = np.where(level_h > 0, np.minimum(level_h, cap) + SLACK * spread_h, 0.0)
    t_max = np.maximum(t_v[None, :], t_h[:, None])  # (H, W): the most grid ink there
    grid = np.clip(t, 0.0, t_max)[..., None] * g  # (H, W, 3) what the printed lines explain
    residual = np.maximum(dens - grid, 0.0).mean(axis=2)
    ink = 1.0 - np.exp(-residual)
    return np.where(valid, ink, 0.0).astype(np.float32)
