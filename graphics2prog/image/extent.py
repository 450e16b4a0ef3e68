"""How far a drawing reaches and how many separate strokes it has, in the paper's units: what
tells a drawing on the paper's 16-square grid from a free-form diagram (mode.py).

Strokes are the components of the ink at least MIN_STROKE units long (specks are not); the
span is the longer side of the box that holds all but TRIM of their ink at each end, so a
stray mark at the sheet's edge does not stretch it.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .ink import MIN_STROKE, STROKE_LEVEL

TRIM = 0.01             # of the strokes' ink left out at each end of the span


@dataclass(frozen=True)
class Extent:
    """A drawing's size in the paper's units (grid squares)."""

    span_units: float = 0.0
    strokes: int = 0


def _span(profile: np.ndarray) -> float:
    """Length (px) of the stretch of a mass profile between its TRIM and 1 - TRIM quantiles."""
    cumulative = np.cumsum(profile) / profile.sum()
    lo, hi = np.searchsorted(cumulative, [TRIM, 1.0 - TRIM])
    return float(hi - lo + 1)


def measure(ink: np.ndarray, unit_px: float | None) -> Extent:
    """The extent of an ink map (H, W) whose grid unit is `unit_px` pixels (None: unknown,
    which only an inkless image has)."""
    if not unit_px:
        return Extent()
    n, labels, stats, _ = cv2.connectedComponentsWithStats(
        (ink > STROKE_LEVEL).astype(np.uint8), connectivity=8)
    length = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    keep = length >= MIN_STROKE * unit_px
    keep[0] = False
    if not keep.any():
        return Extent()
    mass = np.where(keep[labels], ink, 0.0)
    span = max(_span(mass.sum(axis=0)), _span(mass.sum(axis=1)))
    return Extent(span / unit_px, int(keep.sum()))
