"""A photo of a drawing on graph paper -> the 256x256 ink map, on the paper's own grid.

1. Detection at about DETECT_PX on the long side: lighting is normalised (ink.reflectance), the
   thin dark features form a line map, and grid.find_grid fits the homography photo -> paper
   grid (rotation, perspective, unit and phase in one).
2. The whole measured grid region is resampled from the full photo into a canvas of
   CANVAS_PX pixels per square, with grid lines on pixel edges at multiples of CANVAS_PX;
   lighting is normalised again there and the printed lines are removed (gridlines.strokes); then it
   is halved to OUT_PX = 16 px per square and the paper's noise floor taken off.
3. The drawing is the ink that forms strokes (components at least MIN_STROKE squares long);
   the 16 x 16 window of whole squares centred on it (or holding most of it, for a drawing
   larger than the window) is cut out.

So paper grid lines land on multiples of 16 px and the spec's coordinates are the paper's
squares; the drawing needs no registration.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from ..spec import GRID_MAX
from . import grid as gridlib
from . import gridlines
from .extent import Extent, measure
from .frames import resize_matrix
from .ink import (FLOOR, MIN_STROKE, STROKE_LEVEL, density, noise_floor, normalise,
                  reflectance, strokes_only)

DETECT_PX = 1200          # long side of the image the grid is found on
CANVAS_PX = 32            # pixels per square of the ink canvas (halved at the end)
MAX_CANVAS = 4_000_000    # pixels; larger sheets are processed at half that resolution
MARGIN = 0.2              # squares beyond the outermost measured lines that may hold ink
SMOOTH = 0.03             # squares: Gaussian sigma against sensor noise and pencil grain
EDGE = 0.15               # squares along the photo's edge left out
EDGE_BAND = 0.3           # squares along the region's edge where a mark alone is not a stroke
OUT_PX = 16               # pixels per square of the model's input


@dataclass
class PhotoInk:
    """What preprocessing made of a photo of graph paper."""

    ink: np.ndarray               # float32 (256, 256), 1 = ink, paper grid on multiples of 16
    rectified: np.ndarray         # uint8 (512, 512, 3): the same window of the lighting-
                                  # normalised photo, at 32 px per square
    unit_px: float                # photo pixels per square (middle of the sheet)
    photo_from_model: np.ndarray  # (3, 3): pixels of `ink` -> of the photo (cv2 centres)
    extent: Extent                # of all the ink on the printed grid, in its squares


def _shrink(rgb: np.ndarray, f: float) -> np.ndarray:
    h, w = rgb.shape[:2]
    return cv2.resize(rgb, (max(1, round(w * f)), max(1, round(h * f))),
                      interpolation=cv2.INTER_AREA)


def find_paper_grid(rgb: np.ndarray, grid_unit: Optional[float] = None
                    ) -> Optional[gridlib.GridFit]:
    """The grid of a photo uint8 (H, W, 3), its `to_grid` in the photo's own pixels; None
    when there is no printed grid. `grid_unit` (photo px), if known, bounds the search."""
    f = min(1.0, DETECT_PX / max(rgb.shape[:2]))
    small = (_shrink(rgb, f) if f < 1 else rgb).astype(np.float32) / 255.0
    dens = density(reflectance(small, max(small.shape[:2]) / 60))
    fit = gridlib.find_grid(gridlib.line_map(dens), None if grid_unit is None else grid_unit * f)
    if fit is None:
        return None
    fit.to_grid = fit.to_grid @ resize_matrix(f)
    fit.unit_px /= f
    return fit


def grid_region(fit: gridlib.GridFit) -> tuple[int, int, int, int]:
    """The printed grid's extent (u0, w0, u1, w1) in squares: the span of well measured lines
    of one family (a drawing may hide a line or two) that the other family's lines also cross,
    so a few stray matches along the sheet's edge or streaks on a table (one family only) are
    left out."""
    fam = fit.families
    labels = np.round(fit.points[np.arange(len(fam)), fam]).astype(int)
    spans = []
    for f in (0, 1):
        first, last = gridlib.longest_run(labels[fam == f], gap=2)  # a drawing hides some
        along = np.floor(fit.points[fam == 1 - f, f]).astype(int)  # where the others run
        lo, hi = gridlib.longest_run(along, gap=2 * gridlib.TILE, share=0.0, least=2)
        spans.append((max(first, lo), min(last, hi)))
    return spans[0][0], spans[1][0], spans[0][1], spans[1][1]


def _canvas(rgb: np.ndarray, fit: gridlib.GridFit, box: tuple[int, int, int, int], px: int
            ) -> tuple[np.ndarray, np.ndarray]:
    """The photo resampled onto the grid squares of box at px per square (grid line k at
    pixel k * px - 0.5): float32 RGB (H, W, 3), and where the photo covers it: bool (H, W)."""
    u0, w0, u1, w1 = box
    to_canvas = np.array([[px, 0, -px * u0 - 0.5], [0, px, -px * w0 - 0.5], [0, 0, 1.0]])
    to_grid = fit.to_grid
    f = min(1.0, 1.5 * px / fit.unit_px)  # shrink first, so thin lines are not aliased
    if f < 0.75:
        rgb = _shrink(rgb, f)
        to_grid = to_grid @ np.linalg.inv(resize_matrix(f))
    m = to_canvas @ to_grid
    size = ((u1 - u0) * px, (w1 - w0) * px)
    canvas = cv2.warpPerspective(rgb, m, size, flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_REPLICATE)
    inside = cv2.warpPerspective(np.ones(rgb.shape[:2], np.uint8), m, size,
                                 flags=cv2.INTER_NEAREST)
    return canvas.astype(np.float32) / 255.0, inside.astype(bool)



def _per_square(strokes: np.ndarray, px: int) -> np.ndarray:
    """Ink summed per square: (rows, cols)."""
    h, w = strokes.shape
    return strokes[:h - h % px, :w - w % px].reshape(h // px, px, w // px, px).sum((1, 3))


def _window(mass: np.ndarray) -> tuple[int, int]:
    """Top-left square (col, row) of the GRID_MAX window centred on the drawing, or, for a
    drawing larger than the window, holding most of it (nearest the centre among equals)."""
    rows, cols = np.nonzero(mass)
    if not len(rows):
        return (mass.shape[1] - GRID_MAX) // 2, (mass.shape[0] - GRID_MAX) // 2
    c0, c1, r0, r1 = cols.min(), cols.max() + 1, rows.min(), rows.max() + 1
    centred = (round((c0 + c1) / 2 - GRID_MAX / 2), round((r0 + r1) / 2 - GRID_MAX / 2))
    if c1 - c0 <= GRID_MAX and r1 - r0 <= GRID_MAX:
        return centred
    padded = np.pad(mass, GRID_MAX)
    ii = np.pad(padded.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    n = GRID_MAX
    sums = ii[n:, n:] - ii[:-n, n:] - ii[n:, :-n] + ii[:-n, :-n]  # sums[r, c]: window at r, c
    r, c = np.mgrid[0:sums.shape[0], 0:sums.shape[1]] - GRID_MAX
    off_centre = np.hypot(r - centred[1], c - centred[0])
    best = np.argmax(sums - 1e-6 * sums.max() * off_centre)
    return int(c.flat[best]), int(r.flat[best])


def _crop(image: np.ndarray, col: int, row: int, size: int) -> np.ndarray:
    """image[row:row+size, col:col+size], zero-padded where it runs off."""
    h, w = image.shape[:2]
    pad = [(max(0, -row), max(0, row + size - h)), (max(0, -col), max(0, col + size - w))]
    pad += [(0, 0)] * (image.ndim - 2)
    padded = np.pad(image, pad)
    r, c = row + pad[0][0], col + pad[1][0]
    return padded[r:r + size, c:c + size]


@dataclass
class InkCanvas:
    """The measured grid region: its ink at OUT_PX pixels per square, lines at multiples of
    OUT_PX (pixel edges), and the lighting-normalised photo at `px` per square."""

    ink: np.ndarray      # float32 (H, W), strokes only, paper noise removed
    refl: np.ndarray     # float32 (H * px / OUT_PX, W * px / OUT_PX, 3)
    valid: np.ndarray    # bool, the shape of refl: inside the printed grid
    px: int
    origin: tuple[int, int]  # the square (u, w) at the canvas's top-left corner


def ink_canvas(rgb: np.ndarray, fit: gridlib.GridFit) -> InkCanvas:
    """Step 2 of the module doc: the grid region resampled, lit evenly, grid removed; then
    halved, so sensor noise and pencil grain average out before the paper's noise floor is
    taken off (a floor taken at full size breaks light strokes into dots)."""
    u0, w0, u1, w1 = grid_region(fit)
    box = (u0 - 1, w0 - 1, u1 + 1, w1 + 1)
    area = (box[2] - box[0]) * (box[3] - box[1])
    px = CANVAS_PX if area * CANVAS_PX ** 2 <= MAX_CANVAS else OUT_PX
    canvas, inside = _canvas(rgb, fit, box, px)
    valid = np.zeros_like(inside)
    margin = round((1 - MARGIN) * px)
    valid[margin:-margin, margin:-margin] = True
    edge = 2 * round(EDGE * px) + 1
    valid &= cv2.erode(inside.astype(np.uint8), np.ones((edge, edge), np.uint8)) > 0
    refl = reflectance(canvas, 0.75 * px)
    raw = cv2.GaussianBlur(gridlines.strokes(density(refl), valid, px), (0, 0), SMOOTH * px)
    size = ((box[2] - box[0]) * OUT_PX, (box[3] - box[1]) * OUT_PX)
    raw = cv2.resize(raw, size, interpolation=cv2.INTER_AREA)
    small_valid = cv2.resize(valid.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0.5
    ink = _without_edge_slivers(noise_floor(raw, minimum=FLOOR), small_valid, OUT_PX)
    return InkCanvas(ink, refl, valid, px, box[:2])


def _without_edge_slivers(ink: np.ndarray, valid: np.ndarray, px: int) -> np.ndarray:
    """Ink less the marks lying wholly within EDGE_BAND of the region's edge: the sheet's edge
    or the table just beyond the printed grid, not strokes."""
    labels = cv2.connectedComponents((ink > STROKE_LEVEL).astype(np.uint8), connectivity=8)[1]
    inner = cv2.distanceTransform(valid.astype(np.uint8), cv2.DIST_L2, 3) > EDGE_BAND * px
    reaches_in = np.bincount(labels.ravel(), weights=inner.ravel(), minlength=labels.max() + 1)
    sliver = reaches_in == 0
    sliver[0] = False
    return np.where(sliver[labels], 0.0, ink).astype(np.float32)


def ink_on_paper_grid(rgb: np.ndarray, fit: gridlib.GridFit) -> PhotoInk:
    """The drawing of a photo whose grid is `fit` (see the module doc)."""
    c = ink_canvas(rgb, fit)
    strokes = strokes_only(c.ink, OUT_PX)
    col, row = _window(_per_square(strokes, OUT_PX))
    gain = 1.0 / max(0.05, float(np.percentile(strokes[strokes > 0], 90))) \
        if strokes.any() else 1.0  # however light the pencil, strokes reach about 1
    crop = np.clip(gain * _crop(c.ink, col * OUT_PX, row * OUT_PX, GRID_MAX * OUT_PX), 0.0, 1.0)
    view = _crop(np.where(c.valid[..., None], c.refl, 1.0), col * c.px, row * c.px,
                 GRID_MAX * c.px)
    view = cv2.resize(view, (GRID_MAX * CANVAS_PX,) * 2, interpolation=cv2.INTER_LINEAR)
    u, w = c.origin[0] + col, c.origin[1] + row  # the window's top-left square
    grid_from_model = np.array([[1 / OUT_PX, 0, u + 0.5 / OUT_PX],
                                [0, 1 / OUT_PX, w + 0.5 / OUT_PX], [0, 0, 1.0]])
    return PhotoInk(normalise(crop), np.round(255 * view).astype(np.uint8), fit.unit_px,
                    np.linalg.inv(fit.to_grid) @ grid_from_model,
                    measure(strokes, OUT_PX))


def read_photo(rgb: np.ndarray, grid_unit: Optional[float] = None) -> Optional[PhotoInk]:
    """The ink map of a photo of graph paper, uint8 (H, W, 3); None when no grid is found."""
    fit = find_paper_grid(rgb, grid_unit)
    return None if fit is None else ink_on_paper_grid(rgb, fit)

