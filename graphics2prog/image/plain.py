"""Photos of drawings on plain paper (no printed grid): the strokes, and the grid unit read
off the drawing itself.

Ink: each colour channel is divided by the paper's brightness (ink.reflectance), sensor noise
is smoothed away and the paper's noise floor subtracted, and the strokes are scaled to reach
about 1 however light the pencil.

Unit: the figure's coordinates are whole squares, so its horizontal and vertical strokes (and
the sides of its circles) lie on a comb of one spacing. The strongest rows and columns of ink
are found; of the spacings that fit both about as well as any (halves and doubles of the unit
may), within a factor PRIOR_RANGE of the estimate from stroke width (a photographed pencil
line is about STROKE_UNITS squares wide), the one nearest that estimate is the unit. When the
strokes say nothing (too few of them), the stroke-width estimate stands.
"""
from __future__ import annotations

import math
from typing import Optional

import cv2
import numpy as np

from .ink import FLOOR, MIN_STROKE, density, drawing_box, noise_floor, reflectance, strokes_only

STROKE_UNITS = 0.15         # a photographed pencil stroke's width in squares (blur included)
PRIOR_RANGE = (0.55, 1.8)    # the unit is searched within these factors of the width estimate
MIN_PEAKS = 3               # rows and columns of ink needed to read the unit off them
NEAR_BEST = 0.9             # comb fits this close to the best count as equally good


def plain_ink(rgb: np.ndarray) -> np.ndarray:
    """The strokes of a photo of plain paper at its own resolution, float32 (H, W) in [0, 1]
    (module doc); strokes are components at least a hundredth of the picture long."""
    img = rgb.astype(np.float32) / 255.0
    long_side = max(img.shape[:2])
    dens = density(reflectance(img, long_side / 60))
    raw = cv2.GaussianBlur(1.0 - np.exp(-dens.mean(axis=2)), (0, 0), 1.0)
    ink = noise_floor(raw, minimum=FLOOR)
    strokes = strokes_only(ink, long_side / 100 / MIN_STROKE)
    if not strokes.any():
        return np.zeros_like(ink)
    return np.clip(ink / max(0.05, float(np.percentile(strokes[strokes > 0], 90))), 0.0, 1.0)


def _peaks(profile: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions and heights of the strong local maxima of a profile (at least a fifth of the
    highest, 3 px apart)."""
    smooth = np.convolve(profile, np.ones(3) / 3, mode="same")
    is_max = (smooth[1:-1] >= smooth[:-2]) & (smooth[1:-1] > smooth[2:]) & \
        (smooth[1:-1] >= 0.2 * smooth.max(initial=0.0))
    at = np.flatnonzero(is_max) + 1
    return at.astype(np.float64), smooth[at]


def drawing_unit(ink: np.ndarray) -> Optional[float]:
    """The grid unit (px) of a drawing's ink map at its own resolution (module doc); None when
    there is no ink."""
    found = drawing_box(ink)
    if found is None:
        return None
    prior = found[1] / STROKE_UNITS
    peaks = [_peaks(ink.sum(axis=axis)) for axis in (0, 1)]
    if sum(len(p) for p, _ in peaks) < MIN_PEAKS:
        return prior
    units = prior * np.exp(np.linspace(math.log(PRIOR_RANGE[0]), math.log(PRIOR_RANGE[1]), 400))
    fit = np.zeros(len(units))
    for pos, height in peaks:  # how well each family of strokes sits on a comb of spacing u
        if len(pos):
            phases = np.exp(2j * np.pi * pos[None, :] / units[:, None])  # (units, peaks)
            fit += np.abs(phases @ height)
    fit /= sum(h.sum() for _, h in peaks)
    good = np.flatnonzero((fit >= NEAR_BEST * fit.max())
                          & (fit >= np.roll(fit, 1)) & (fit >= np.roll(fit, -1)))
    # halves and doubles of the unit may fit too: the width estimate decides between them
    return float(units[good[np.argmin(np.abs(np.log(units[good] / prior)))]])
