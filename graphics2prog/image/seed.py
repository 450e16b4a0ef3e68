"""A first, local estimate of a photo's paper grid: the seed that grid.find_grid grows.

Input is a line map (grid.line_map: thin dark features bright, paper 0) of a photo at ~1000 px.
In each of five overlapping windows of its central part:
1. Directions: the projection directions that gather the window's brightest points into the
   fewest 1 px bins are those across straight line families (coarse scan, then finer steps;
   each family on its own, as perspective skews them). Streaks on a table and the blocks of
   JPEG compression are straight too, so a couple of candidates go on to step 2.
2. Unit and phase: projections of the window across each family (1 px bins, values clipped
   so strokes weigh no more than printed lines); the unit is the smallest lag whose
   autocorrelation comb (at 1, 2 and 3 times it) is nearly the best, refined over its
   harmonics; the phase is the comb's circular mean.
The most periodic window wins, and the seed point is where within it the grid is plainest.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from .homography import apply

MIN_PERIOD_PX = 5.0
MAX_SKEW = 15.0           # degrees two line families may stray from right angles in a photo
MIN_AUTOCORR = 0.15       # comb of the projections' autocorrelation at the unit


def _sharpness(xs: np.ndarray, ys: np.ndarray, deg: np.ndarray) -> np.ndarray:
    """For each angle, how concentrated the points are when projected on that direction
    (sum of squared 1 px bin counts): high when lines at right angles to it are aligned."""
    out = np.empty(len(deg))
    for i, a in enumerate(np.radians(deg)):
        proj = xs * math.cos(a) + ys * math.sin(a)
        counts = np.bincount((proj - proj.min()).astype(np.int64))
        out[i] = float(counts @ counts)
    return out


def _refine(xs: np.ndarray, ys: np.ndarray, deg: float, half: float, step: float) -> float:
    """The sharpest angle within deg +- half, to a fraction of `step`."""
    grid = np.arange(deg - half, deg + half + step / 2, step)
    score = _sharpness(xs, ys, grid)
    i = int(np.clip(np.argmax(score), 1, len(grid) - 2))
    a, b, c = score[i - 1:i + 2]
    den = a - 2 * b + c
    return float(grid[i] + (0.5 * (a - c) / den * step if den < 0 else 0.0))


def _bright_points(window: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates (x, y) of up to `count` of the window's brightest 15% (evenly spaced in
    raster order): the cores of printed lines, with the strokes among them."""
    smooth = cv2.GaussianBlur(window, (0, 0), 1.0)
    ys, xs = np.nonzero(smooth >= np.percentile(smooth[::3, ::3], 85))
    keep = np.unique(np.linspace(0, len(xs) - 1, min(count, len(xs))).astype(int))
    return xs[keep].astype(np.float64), ys[keep].astype(np.float64)


def line_angles(window: np.ndarray, count: int = 2) -> list[tuple[float, float]]:
    """Up to `count` candidate directions (degrees) across the two line families of a window
    of the map, best first: u in [-45, 45), w near u + 90 (empty when too few bright points).

    The brightest points are projected on candidate directions; the direction across a
    family of straight lines gathers them into the fewest bins. Other straight structure
    (streaks on a table, the blocks of JPEG compression) does too, so several local maxima
    are kept for the periodicity to decide between.
    """
    xs, ys = _bright_points(window, 6000)
    if len(xs) < 50:
        return []
    coarse = np.arange(-90.0, 90.0, 1.0)
    score = _sharpness(xs, ys, coarse)
    peaks = np.flatnonzero((score >= np.roll(score, 1)) & (score > np.roll(score, -1)))
    pairs = []
    for i in peaks[np.argsort(-score[peaks])][:count]:
        u = float(coarse[i])
        other = np.abs((coarse - u) % 180.0 - 90.0) <= MAX_SKEW  # perspective skews them
        v = float(coarse[other][np.argmax(score[other])])
        u, v = (_refine(xs, ys, _refine(xs, ys, a, 1.5, 0.25), 0.3, 0.05) for a in (u, v))
        if abs((v - u) % 180.0 - 90.0) > MAX_SKEW:
            v = u + 90.0
        u, v = sorted((_half_turn(u), _half_turn(v)), key=abs)  # u: the family across x
        pairs.append((u, u + 90.0 + _half_turn(v - u - 90.0)))
    return pairs


def _half_turn(deg: float) -> float:
    """An undirected angle in [-90, 90)."""
    return (deg + 90.0) % 180.0 - 90.0


def _projection(values: np.ndarray, coord: np.ndarray) -> tuple[np.ndarray, float]:
    """Mean of `values` in 1 px bins of `coord` (and the coordinate of bin 0), less its running
    mean over 61 px (clusters of strokes, shading)."""
    start = float(coord.min())
    idx = (coord - start).astype(np.int64)
    sums = np.bincount(idx, weights=values)
    counts = np.bincount(idx)
    profile = (sums / np.maximum(counts, 1)).astype(np.float32)
    return profile - cv2.blur(profile[None], (61, 1), borderType=cv2.BORDER_REFLECT)[0], start


def _autocorr(profile: np.ndarray) -> np.ndarray:
    p = profile - profile.mean()
    n = len(p)
    f = np.fft.rfft(p, 2 * n)
    r = np.fft.irfft(f * np.conj(f))[:n]
    return r / max(r[0], 1e-12)


def _peak(r: np.ndarray, lag: float, half: float) -> Optional[float]:
    """Sub-pixel position of the highest point of r within lag +- half (None at the border)."""
    lo, hi = max(1, int(math.floor(lag - half))), min(len(r) - 2, int(math.ceil(lag + half)))
    if hi <= lo:
        return None
    i = lo + int(np.argmax(r[lo:hi + 1]))
    if i in (lo, hi):
        return None
    a, b, c = r[i - 1], r[i], r[i + 1]
    den = a - 2 * b + c
    return i + (0.5 * (a - c) / den if den < 0 else 0.0)


def _harmonics(r: np.ndarray, lag: float, floor: float) -> Optional[float]:
    """The period near `lag`, refined by least squares over the peaks at its multiples."""
    first = _peak(r, lag, max(2.0, lag / 8))
    if first is None:
        return None
    found = [(1, first)]
    for m in range(2, 9):
        q = _peak(r, m * found[-1][1] / found[-1][0], max(2.0, first / 4))
        if q is None or q > 0.6 * len(r) or r[int(round(q))] < floor:
            break
        found.append((m, q))
    ms, qs = np.array(found, np.float64).T
    return float((ms @ qs) / (ms @ ms))


@dataclass
class Seed:
    """A local estimate of the grid from one window: the affine map photo -> grid there."""

    to_grid: np.ndarray
    strength: float       # autocorrelation of the projections at the unit
    centre: tuple[float, float]
    unit: float


def _comb(r: np.ndarray, lag: int) -> float:
    """Mean autocorrelation at the first three multiples of a lag (a pixel either way): high
    for the grid's unit, lower for half of it or for a weaker lattice."""
    values = [r[max(0, m * lag - 1):m * lag + 2].max() for m in (1, 2, 3) if m * lag + 1 < len(r)]
    return float(np.mean(values)) if values else 0.0


def _unit_lag(r: np.ndarray, lo: float, hi: float) -> tuple[int, float]:
    """The lag of the grid's unit in an autocorrelation (the smallest whose comb is nearly the
    best, so not a multiple of it) and its comb; (0, 0.0) when r has no peak in [lo, hi]."""
    lags = np.arange(len(r))
    is_max = (r[1:-1] > r[:-2]) & (r[1:-1] >= r[2:])
    cand = lags[1:-1][is_max & (lags[1:-1] >= lo) & (lags[1:-1] <= hi)]
    if cand.size == 0:
        return 0, 0.0
    combs = np.array([_comb(r, int(c)) for c in cand])
    i = int(np.argmax(combs >= 0.8 * combs.max()))
    return int(cand[i]), float(combs[i])


def _window_seed(line_map: np.ndarray, box: tuple[int, int, int, int],
                 expected: Optional[float]) -> Optional[Seed]:
    """The grid within box (x0, y0, x1, y1): for each candidate pair of line directions, the
    projections of the window across them (values clipped so strokes weigh no more than
    printed lines) and their autocorrelation; the most periodic pair gives the unit (refined
    over harmonics) and phase of each family."""
    x0, y0, x1, y1 = box
    window = line_map[y0:y1, x0:x1]
    if min(window.shape) < 4 * MIN_PERIOD_PX:
        return None
    values = np.minimum(window, np.percentile(window[::3, ::3], 95)).ravel().astype(np.float64)
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    n = min(x1 - x0, y1 - y0)
    lo, hi = (MIN_PERIOD_PX, n / 4) if expected is None else (0.8 * expected, 1.25 * expected)
    best = None
    for angles in line_angles(window):
        profiles = [_projection(values, (xx * math.cos(math.radians(a))
                                         + yy * math.sin(math.radians(a))).ravel())
                    for a in angles]
        rs = [_autocorr(p)[:n] for p, _ in profiles]
        lag, strength = _unit_lag(0.5 * (rs[0] + rs[1]), lo, hi)
        if lag and (best is None or strength > best[0]):
            best = (strength, lag, angles, rs, profiles)
    if best is None:
        return None
    strength, lag, angles, rs, profiles = best
    periods = [_harmonics(ri, float(lag), 0.5 * strength) for ri in rs]
    if periods[0] is None and periods[1] is None:
        return None
    periods = [p if p is not None else q for p, q in zip(periods, periods[::-1])]
    rows = []
    for a, period, (profile, start) in zip(angles, periods, profiles):
        z = np.sum(profile * np.exp(2j * math.pi * (start + np.arange(len(profile))) / period))
        phase = np.angle(z) / (2 * math.pi) * period
        rows.append([math.cos(math.radians(a)) / period, math.sin(math.radians(a)) / period,
                     -phase / period])
    to_grid = np.array(rows + [[0.0, 0.0, 1.0]])
    return Seed(to_grid, strength, _on_grid(window, to_grid, (x0, y0)), float(np.mean(periods)))


def _on_grid(window: np.ndarray, to_grid: np.ndarray, origin: tuple[int, int]
             ) -> tuple[float, float]:
    """Where in the window (photo coordinates) the grid is plainest: of 4 x 4 cells, the one
    whose bright points most often lie on a line of `to_grid`; the middle of its agreeing
    points. (The window as a whole may be periodic while its middle is table or drawing.)"""
    xs, ys = _bright_points(window, 6000)
    if not len(xs):
        h, w = window.shape
        return origin[0] + w / 2, origin[1] + h / 2
    g = apply(to_grid, np.c_[xs + origin[0], ys + origin[1]])
    on_line = (np.abs(g - np.round(g)) < 0.12).any(1)
    h, w = window.shape
    cell = (np.minimum(ys * 4 // h, 3) * 4 + np.minimum(xs * 4 // w, 3)).astype(int)
    agree = np.bincount(cell, weights=on_line, minlength=16)
    count = np.bincount(cell, minlength=16)
    score = agree / np.maximum(count, 1) * np.sqrt(count)
    best = cell == int(np.argmax(score))
    pick = best & on_line if (best & on_line).any() else best
    return float(xs[pick].mean()) + origin[0], float(ys[pick].mean()) + origin[1]


def initial_estimate(line_map: np.ndarray, expected: Optional[float] = None
                     ) -> Optional[Seed]:
    """The most clearly periodic of five overlapping windows (the four quarters of the central
    part and its middle), so a drawing filling one of them cannot hide the grid; None when no
    window looks like a grid."""
    h, w = line_map.shape
    bw, bh = int(0.45 * w), int(0.45 * h)
    corners = [(int(fx * w), int(fy * h)) for fx in (0.1, 0.45) for fy in (0.1, 0.45)]
    corners.append(((w - bw) // 2, (h - bh) // 2))
    seeds = [_window_seed(line_map, (x, y, x + bw, y + bh), expected) for x, y in corners]
    seeds = [s for s in seeds if s is not None]
    if not seeds:
        return None
    best = max(seeds, key=lambda s: s.strength)
    return best if best.strength >= MIN_AUTOCORR else None
