"""Pencil and pen strokes of a rectified photo of graph paper, without the printed grid.

Lighting: each colour channel is divided by the paper's own brightness (a grey-level closing
wider than any line or stroke), so gradients, shadows and colour casts cancel; what remains is
reflectance, and its optical density D = -log(reflectance) adds up where inks overlap.

Grid removal works in a canvas where grid line k lies at pixel k * px - 0.5. Only pixels near a
grid line (within BAND squares) can lose ink, and they lose at most what the printed line
explains there: the density along the grid's colour g (measured on the line centres). A pixel
within a few sigmas of the line's own strength (a low percentile along its whole length, so a
stroke that runs on the line for a while does not count as grid) is all line; a darker one is a
stroke over the line and loses only the line's typical strength. So a pencil stroke on a grid
line survives, and a crossing stroke keeps all but the line's faint share.
"""
from __future__ import annotations

import cv2
import numpy as np

BAND = 0.13          # squares either side of a grid line where grid ink may be removed
LINE_PERCENTILE = 40  # of the density along a line: its strength, ignoring strokes on it
STRENGTH_CAP = 6.0   # times the typical line: stronger "lines" are strokes (major lines,
                     # up to 1.4 times as dark and 2.2 times as wide, pass)
SLACK = 3.0          # robust sigmas of grid density allowed above a line's level
PRINTED = 0.3        # a square is on the printed grid if its lines stand out this much
                     # (relative to the typical square's)



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


def printed(t: np.ndarray, valid: np.ndarray, px: int) -> np.ndarray:
    """Where the printed grid is, bool (H, W): the squares whose left and top border lines are
    both darker than their inside (medians, so strokes over them do not count), holes filled
    (a drawing may hide a square's lines), grown by a square for the right and bottom lines
    and the margin. A strip of table or of bare sheet taken into the canvas is left out, so it
    neither skews the lines' statistics nor yields strokes."""
    rows, cols = t.shape[0] // px, t.shape[1] // px
    blocks = t[:rows * px, :cols * px].reshape(rows, px, cols, px)
    seen = valid[:rows * px, :cols * px].reshape(rows, px, cols, px).all((1, 3))
    if not seen.any():
        return np.zeros_like(valid)
    inside = np.median(blocks[:, px // 4:-px // 4, :, px // 4:-px // 4], axis=(1, 3))
    left = np.median(blocks[:, :, :, 0], axis=1) - inside
    top = np.median(blocks[:, 0, :, :], axis=2) - inside
    contrast = np.minimum(left, top)
    present = (contrast > PRINTED * max(float(np.median(contrast[seen])), 1e-3)).astype(np.uint8)
    outside = np.pad(1 - present, 1, constant_values=1)
    cv2.floodFill(outside, None, (0, 0), 2)
    present = (outside[1:-1, 1:-1] != 2).astype(np.uint8)  # holes filled
    present = cv2.dilate(present, np.ones((3, 3), np.uint8))
    mask = np.zeros_like(valid)
    mask[:rows * px, :cols * px] = np.repeat(np.repeat(present, px, 0), px, 1) > 0
    return mask & valid


def strokes(dens: np.ndarray, valid: np.ndarray, px: int) -> np.ndarray:
    """Ink of the strokes, float32 (H, W) in [0, 1] (0 outside `valid` and the printed grid),
    from the density (H, W, 3) of a canvas whose grid lines lie at k * px - 0.5 (see the
    module doc)."""
    h, w = dens.shape[:2]
    g = grid_colour(dens, valid, px)
    t = dens @ g  # (H, W) density along the grid's colour
    valid = printed(t, valid, px)
    dx, dy = _line_distance(w, px), _line_distance(h, px)
    cols, rows = np.flatnonzero(dx <= BAND), np.flatnonzero(dy <= BAND)
    level_v, spread_v = np.zeros((2, w), np.float32)
    level_h, spread_h = np.zeros((2, h), np.float32)
    level_v[cols], spread_v[cols] = _strength(t, valid, cols)
    level_h[rows], spread_h[rows] = _strength(t.T, valid.T, rows)
    centres = np.r_[level_v[dx < 0.5 / px + 1e-6], level_h[dy < 0.5 / px + 1e-6]]
    cap = STRENGTH_CAP * max(float(np.median(centres)) if centres.size else 0.0, 1e-3)
    line_v, line_h = np.minimum(level_v, cap), np.minimum(level_h, cap)
    t_v = np.where(level_v > 0, line_v + SLACK * spread_v, 0.0)
    t_h = np.where(level_h > 0, line_h + SLACK * spread_h, 0.0)
    t_max = np.maximum(t_v[None, :], t_h[:, None])  # (H, W): the most grid ink there
    line = np.maximum(line_v[None, :], line_h[:, None])  # (H, W): the line's typical ink
    # no darker than the line can be: all grid; darker: a stroke over the line, which loses
    # only the line's typical share (taking the slack too would cut it where it crosses),
    # reached by a ramp so that the line's own darkest specks do not jump out
    explained = np.where(t <= t_max, np.maximum(t, 0.0), np.clip(2 * t_max - t, line, None))
    grid = explained[..., None] * g  # (H, W, 3) what the printed lines explain
    residual = np.maximum(dens - grid, 0.0).mean(axis=2)
    ink = 1.0 - np.exp(-residual)
    return np.where(valid, ink, 0.0).astype(np.float32)
