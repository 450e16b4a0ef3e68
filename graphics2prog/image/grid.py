"""Finding the printed grid of graph paper in a photo: its rotation, unit, phase and perspective.

Input is a line map (`line_map`: thin dark features bright, paper 0) of a photo at ~1000 px.
1. Seed: rotation, unit and phase of the grid in one window of the photo (seed.py), an affine
   map photo -> grid that is right near the seed point.
2. Perspective: from there the map is repeatedly rectified into grid space over a growing
   neighbourhood; in tiles of TILE squares, each line's offset from its integer position is
   measured (a profile across the lines robust to crossing strokes, sub-pixel peak), labels are
   unwrapped outward from the seed (offsets vary smoothly, so a line found a square off its
   prediction is relabelled), the measurements are mapped back to the photo and a homography
   photo -> grid is fitted to them (affine while the area is small; DLT; each line relabelled
   by the fit and outliers dropped).
A grid is reported only if runs of consecutive, well measured lines of both families were found
and the fit is tight, so periodic structure in a drawing on plain paper is not mistaken for one.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from .homography import apply, fit_homography, jacobian
from .seed import initial_estimate

LINE_BLUR = 1.2           # px: Gaussian sigma of the line map
RADII = (4.0, 6.0, 8.5, 12.0, 17.0, 24.0, 34.0, 1e9)  # squares around the seed, fit by fit
MIN_PERSPECTIVE_RADIUS = 6.0    # below this the fit is affine
TILE = 2                  # squares per tile along a line
MEASURE_PX = 12          # pixels per square of the rectified map lines are measured on
PRIOR_WEIGHT = 0.3        # of the previous fit's predictions against one measurement
SEARCH = 0.45             # squares either side of a line's predicted position
UNWRAP_TOLERANCE = 0.3    # squares a line may stray from the run of its neighbours
MAX_RESIDUAL = 0.15       # squares; worse measurements are outliers
MIN_LINES = 6             # consecutive well measured lines per family
RUN_SHARE = 0.4           # of the typical line's measurements, for a line to count
MAX_RMS = 0.08            # squares


@dataclass
class GridFit:
    """A photo's grid: `to_grid` maps photo pixels (x, y, 1) to grid units (u right, w down;
    lines at integers, origin at an arbitrary line crossing)."""

    to_grid: np.ndarray           # (3, 3)
    unit_px: float                # photo pixels per square at the middle of the measured area
    rotation_deg: float           # angle of the u axis in the photo, from x towards y
    points: np.ndarray            # (n, 2) grid coordinates (u, w) of measured stretches of
    families: np.ndarray          # (n,) ... line, TILE squares each, of a u (0) or w (1) line
    rms: float                    # fit residual (squares)


def line_map(dens: np.ndarray) -> np.ndarray:
    """Thin dark features of a density image (H, W, 3): the summed density, smoothed against
    sensor noise and the blocks of JPEG compression, minus its opening by a 7 px square, so
    printed lines and strokes stay while shadows, blotches and the grain of a table (anything
    wider) go. float32 (H, W)."""
    total = cv2.GaussianBlur(dens.sum(axis=2), (0, 0), LINE_BLUR)
    return total - cv2.morphologyEx(total, cv2.MORPH_OPEN, np.ones((7, 7), np.uint8))


def _residuals(h: np.ndarray, points: np.ndarray, labels: np.ndarray,
               family: np.ndarray) -> np.ndarray:
    g = apply(h, points)
    return np.abs(g[np.arange(len(g)), family] - labels)


def _unwrap(offsets: np.ndarray, start: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Whole-square corrections (tiles, lines) for measured line offsets (NaN where none),
    chosen so that offsets vary smoothly outward from `start` (tile, line): first along the
    start's row of tiles, then along each line. A line found one square off its prediction
    (the fit drifting by more than half a square far from where it was measured) then gets
    the label of the line it is. Returns the corrections and which measurements agree with
    their neighbours (a stroke mistaken for a line does not)."""
    shift = np.zeros(offsets.shape)
    keep = ~np.isnan(offsets)

    def walk(values: np.ndarray, ok: np.ndarray, at: int, out: np.ndarray) -> None:
        for order in (range(at, len(values)), range(at - 1, -1, -1)):
            recent = [float(values[at] + out[at])] if ok[at] else []
            for j in order:
                if not ok[j] or j == at:
                    continue
                if recent:
                    last = sorted(recent[-3:])
                    d = last[len(last) // 2] - values[j]  # median of the last three
                    if abs(d - round(d)) > UNWRAP_TOLERANCE:
                        ok[j] = False  # between two labels: neither can be trusted
                        continue
                    out[j] = round(d)
                recent.append(float(values[j] + out[j]))

    tile, line = start
    if keep[tile].any():
        at = line if keep[tile, line] else int(np.argmin(np.where(
            keep[tile], np.abs(np.arange(offsets.shape[1]) - line), np.inf)))
        walk(offsets[tile], keep[tile], at, shift[tile])
    for k in range(offsets.shape[1]):
        if not keep[:, k].any():
            continue
        at = tile if keep[tile, k] else int(np.argmin(np.where(
            keep[:, k], np.abs(np.arange(offsets.shape[0]) - tile), np.inf)))
        fixed = np.zeros(offsets.shape[0])
        column_ok = keep[:, k].copy()
        walk(offsets[:, k] + shift[:, k], column_ok, at, fixed)
        keep[:, k] = column_ok
        shift[:, k] += fixed
    return shift, keep


def _measure(line_map: np.ndarray, to_grid: np.ndarray, box: tuple[int, int, int, int],
             px: int, seed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Line crossings measured in grid squares [u0, u1) x [w0, w1): photo points (n, 2), their
    labels (n,) and families (n,). The map is rectified at `px` pixels per square; in each tile
    of TILE squares along the lines, a profile across them (the middle of the means of three
    parts of the tile, so a stroke crossing one part does not count) peaks near each integer
    position at that line, if it stands out from the paper in the squares around it. Labels
    are unwrapped outward from `seed` (grid coordinates), see `_unwrap`."""
    u0, w0, u1, w1 = box
    to_canvas = np.array([[px, 0, -px * u0], [0, px, -px * w0], [0, 0, 1.0]])  # lines on pixels
    size = ((u1 - u0) * px, (w1 - w0) * px)
    canvas = cv2.warpPerspective(line_map, to_canvas @ to_grid, size, flags=cv2.INTER_LINEAR)
    search = int(round(SEARCH * px))
    gap = np.arange(search + 1, px - search)  # paper between two lines, from the first
    found = []
    for family in (0, 1):
        img = canvas if family == 0 else canvas.T  # lines of this family run down the columns
        width = img.shape[1]
        ks = np.arange(1, width // px)
        n_tiles = img.shape[0] // (TILE * px)
        if not len(ks) or not n_tiles:
            continue
        thirds = img[:n_tiles * TILE * px].reshape(n_tiles, 3, TILE * px // 3, -1).mean(2)
        profiles = np.median(thirds, axis=1)  # (tiles, width)
        window = ks[:, None] * px + np.arange(-search, search + 1)  # (lines, 2 * search + 1)
        around = ((ks[:, None, None] + np.arange(-2, 2)[None, :, None]) * px + gap).reshape(
            len(ks), -1).clip(0, width - 1)  # (lines, m): paper in the 4 squares around
        paper = profiles[:, around]  # (tiles, lines, m)
        base = np.median(paper, axis=2)
        noise = 1.4826 * np.median(np.abs(paper - base[..., None]), axis=2)
        noise = np.maximum(noise, 0.25 * float(np.median(noise)) + 1e-6)
        segs = profiles[:, window]  # (tiles, lines, 2 * search + 1)
        i = np.argmax(segs, axis=2)
        peak = np.take_along_axis(segs, i[..., None], 2)[..., 0]
        ok = (i > 0) & (i < 2 * search) & (peak - base > 4 * noise)
        centre = window[None, :, :].repeat(n_tiles, 0)[np.arange(n_tiles)[:, None],
                                                        np.arange(len(ks))[None, :], i]
        a, b, c = (np.take_along_axis(profiles, (centre + d).clip(0, width - 1), 1)
                   for d in (-1, 0, 1))
        den = np.where(a - 2 * b + c < 0, a - 2 * b + c, -1.0)
        off = np.where(ok, (i - search + np.where(a - 2 * b + c < 0, 0.5 * (a - c) / den, 0.0))
                       / px, np.nan)  # (tiles, lines)
        start_tile = int(np.clip((seed[1 - family] - (w0 if family == 0 else u0)) // TILE,
                                 0, n_tiles - 1))
        start_line = int(np.clip(round(seed[family] - (u0 if family == 0 else w0)) - 1,
                                 0, len(ks) - 1))
        shift, ok = _unwrap(off, (start_tile, start_line))
        tile, line = np.nonzero(ok)
        across, along = ks[line] + off[tile, line], tile * TILE + TILE / 2
        g = np.c_[across + u0, along + w0] if family == 0 else np.c_[along + u0, across + w0]
        labels = ks[line] - shift[tile, line] + (u0 if family == 0 else w0)
        found.append(np.c_[g, labels, np.full(len(g), family)])
    f = np.concatenate(found) if found else np.zeros((0, 4))
    if not len(f):
        return np.zeros((0, 2)), np.zeros(0), np.zeros(0, int)
    pts = apply(np.linalg.inv(to_grid), f[:, :2])
    return pts, f[:, 2], f[:, 3].astype(int)


def _prior(to_grid: np.ndarray, points: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The current fit's own predictions at nine points spanning the measured points (n, 2),
    as weak observations that keep a direction the measurements leave open (all of them in
    one tile) where it was, without reaching beyond them."""
    (u0, w0), (u1, w1) = apply(to_grid, points).min(0), apply(to_grid, points).max(0)
    g = np.array([(u, w) for u in np.linspace(u0, u1, 3) for w in np.linspace(w0, w1, 3)])
    pts = apply(np.linalg.inv(to_grid), g)
    return np.r_[pts, pts], np.r_[g[:, 0], g[:, 1]], np.r_[np.zeros(9, int), np.ones(9, int)]


def find_grid(line_map: np.ndarray, expected_unit: Optional[float] = None) -> Optional[GridFit]:
    """The grid of a line map (see the module doc), or None when there is none."""
    start = initial_estimate(line_map, expected_unit)
    if start is None:
        return None
    to_grid = start.to_grid
    h, w = line_map.shape
    px = MEASURE_PX
    corners = apply(to_grid, np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64))
    seed = apply(to_grid, np.array([start.centre]))[0]
    lo, hi = np.floor(corners.min(0)), np.ceil(corners.max(0))
    pts = np.zeros((0, 2))
    for radius in RADII:
        box = (int(max(lo[0] - 1, seed[0] - radius)), int(max(lo[1] - 1, seed[1] - radius)),
               int(min(hi[0] + 1, seed[0] + radius)), int(min(hi[1] + 1, seed[1] + radius)))
        if box[2] - box[0] < TILE or box[3] - box[1] < TILE:
            return None
        pts, labels, family = _measure(line_map, to_grid, box, px, seed)
        if min((family == 0).sum(), (family == 1).sum()) < 4:
            return None  # lines of one direction only: not a grid
        prior = _prior(to_grid, pts)
        keep = np.ones(len(pts), bool)
        for _ in range(3):  # fit, then label each line by the fit and drop what is off it
            if min((family[keep] == 0).sum(), (family[keep] == 1).sum()) < 4:
                return None
            weights = np.r_[np.ones(keep.sum()), np.full(18, PRIOR_WEIGHT)]
            to_grid = fit_homography(np.r_[pts[keep], prior[0]], np.r_[labels[keep], prior[1]],
                                     np.r_[family[keep], prior[2]], weights,
                                     affine=radius < MIN_PERSPECTIVE_RADIUS)
            labels = np.round(apply(to_grid, pts)[np.arange(len(pts)), family])
            keep = _residuals(to_grid, pts, labels, family) < MAX_RESIDUAL
        pts, labels, family = pts[keep], labels[keep], family[keep]
        corners = apply(to_grid, np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64))
        lo, hi = np.floor(corners.min(0)), np.ceil(corners.max(0))
    res = _residuals(to_grid, pts, labels, family)
    rms = float(np.sqrt(np.mean(res ** 2))) if len(res) else 1.0
    spans = [longest_run(labels[family == f], gap=0) for f in (0, 1)]  # consecutive lines
    if min(last - first + 1 for first, last in spans) < MIN_LINES or rms > MAX_RMS:
        return None
    grid_pts = apply(to_grid, pts)
    middle = apply(np.linalg.inv(to_grid), grid_pts.mean(0, keepdims=True))[0]
    jac = jacobian(to_grid, middle)
    unit = 1.0 / math.sqrt(abs(np.linalg.det(jac)))
    rotation = math.degrees(math.atan2(-jac[1, 0], jac[0, 0]))
    return GridFit(to_grid, unit, rotation, grid_pts, family, rms)


def longest_run(values: np.ndarray, gap: int, share: float = RUN_SHARE, least: int = 3
                ) -> tuple[int, int]:
    """First and last of the longest run of well represented integers among `values` (each
    at least `least` times and `share` as often as the typical frequent one), skipping at
    most `gap` missing integers at a time: the lines that really belong to the grid, not a
    few stray matches beyond it."""
    if not len(values):
        return 0, -1
    levels, counts = np.unique(values, return_counts=True)
    kept = levels[counts >= max(least, share * np.percentile(counts, 75))]
    if not len(kept):
        return int(levels[0]), int(levels[0])
    breaks = np.flatnonzero(np.diff(kept) > gap + 1)
    starts, ends = np.r_[0, breaks + 1], np.r_[breaks, len(kept) - 1]
    i = int(np.argmax(kept[ends] - kept[starts]))
    return int(kept[starts[i]]), int(kept[ends[i]])
