"""Finding the printed grid of graph paper in a photo: its rotation, unit, phase and perspective.

Input is a line map (`line_map`: thin dark features bright, paper 0) of a photo at ~1000 px.
1. Rotation: in each of five overlapping windows of the map's central part, the directions
   across the two line families, found as the projection directions that gather the window's
   brightest points into the fewest 1 px bins (coarse scan, then finer steps; each family on
   its own, as perspective skews them).
2. Unit and phase: projections of the window across each family (1 px bins), high-passed; the
   unit is the first strong peak of their autocorrelation refined over its harmonics, the
   phase the comb's circular mean. The most periodic window seeds the fit.
3. Perspective: starting from that similarity, the map is repeatedly rectified into grid space
   over a growing neighbourhood; in tiles of a few squares, each line's offset from its integer
   position is measured (median profile across the line, sub-pixel peak), mapped back to the
   photo, and a homography photo -> grid is fitted to all the measurements (DLT, outliers
   dropped). Lines are labelled by the current fit, which is trusted only as far as it has been
   measured, so labels cannot slip by a square.
A grid is reported only if many lines of both families were measured and the fit is tight, so
periodic structure in a drawing on plain paper is not mistaken for one.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

MIN_PERIOD_PX = 5.0
LINE_BLUR = 1.2           # px: Gaussian sigma of the line map
MAX_SKEW = 15.0          # degrees two line families may stray from right angles in a photo
MIN_AUTOCORR = 0.15       # normalised autocorrelation of the projections at the unit
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
    points: np.ndarray            # (n, 2) grid coordinates (u, w) of the measured lines ...
    families: np.ndarray          # (n,) ... each the middle of TILE squares of a u (0) or w (1)
                                  # line
    rms: float                    # fit residual (squares)

    def to_photo(self) -> np.ndarray:
        return np.linalg.inv(self.to_grid)


def line_map(dens: np.ndarray) -> np.ndarray:
    """Thin dark features of a density image (H, W, 3): the summed density, smoothed against
    sensor noise and the blocks of JPEG compression, minus its opening by a 7 px square, so
    printed lines and strokes stay while shadows, blotches and the grain of a table (anything
    wider) go. float32 (H, W)."""
    total = cv2.GaussianBlur(dens.sum(axis=2), (0, 0), LINE_BLUR)
    return total - cv2.morphologyEx(total, cv2.MORPH_OPEN, np.ones((7, 7), np.uint8))


def apply(h: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Points (n, 2) through the homography h (3, 3)."""
    q = np.c_[pts, np.ones(len(pts))] @ h.T
    return q[:, :2] / q[:, 2:3]


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
    """Coordinates (x, y) of up to `count` of the window's brightest 15% (a fixed subsample):
    the cores of printed lines, with the strokes among them."""
    smooth = cv2.GaussianBlur(window, (0, 0), 1.0)
    ys, xs = np.nonzero(smooth >= np.percentile(smooth[::3, ::3], 85))
    keep = np.random.default_rng(0).permutation(len(xs))[:count]
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
    """Mean of `values` in 1 px bins of `coord` (and the coordinate of bin 0), high-passed so
    only narrow lines remain."""
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
class _Seed:
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
                 expected: Optional[float]) -> Optional[_Seed]:
    """The grid within box (x0, y0, x1, y1): for each candidate pair of line directions, the
    projections of the window across them (values clipped so strokes weigh no more than
    printed lines) and their autocorrelation; the most periodic pair gives the unit (refined
    over harmonics) and phase of each family."""
    x0, y0, x1, y1 = box
    window = line_map[y0:y1, x0:x1]
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
    return _Seed(to_grid, strength, _on_grid(window, to_grid, (x0, y0)), float(np.mean(periods)))


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
                     ) -> Optional[_Seed]:
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
        if len(pts) < 8:
            return None
        prior = _prior(to_grid, pts)
        keep = np.ones(len(pts), bool)
        for _ in range(3):  # fit, then label each line by the fit and drop what is off it
            if keep.sum() < 8:
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
    jac = _jacobian(to_grid, middle)
    unit = 1.0 / math.sqrt(abs(np.linalg.det(jac)))
    rotation = math.degrees(math.atan2(-jac[1, 0], jac[0, 0]))
    return GridFit(to_grid, unit, rotation, grid_pts, family, rms)


def longest_run(values: np.ndarray, gap: int) -> tuple[int, int]:
    """First and last of the longest run of well represented integers among `values` (each
    at least RUN_SHARE as frequent as the typical frequent one), skipping at most `gap`
    missing integers at a time: the lines that really belong to the grid, not a few stray
    matches beyond it."""
    levels, counts = np.unique(values, return_counts=True)
    kept = levels[counts >= max(3.0, RUN_SHARE * np.percentile(counts, 75))]
    if not len(kept):
        return int(levels[0]), int(levels[0])
    breaks = np.flatnonzero(np.diff(kept) > gap + 1)
    starts, ends = np.r_[0, breaks + 1], np.r_[breaks, len(kept) - 1]
    i = int(np.argmax(kept[ends] - kept[starts]))
    return int(kept[starts[i]]), int(kept[ends[i]])


def _jacobian(h: np.ndarray, pt: np.ndarray) -> np.ndarray:
    """d(grid)/d(photo) at a photo point: (2, 2)."""
    x, y = pt
    q = h @ np.array([x, y, 1.0])
    return (h[:2, :2] * q[2] - np.outer(q[:2], h[2, :2])) / (q[2] ** 2)
