"""Snapping a rescaled drawing onto the grid by registering it to parses of itself.

An image that was not 256x256 is placed on the grid by its bounding box and stroke width
(image/prepare.py): the scale comes out within about 10%, the grid's phase anywhere, but every
coordinate must land within about a fifth of a unit of its grid point. So a few placements
around the estimate (scales x half-unit phases) are parsed greedily in one batch; each is
aligned to its parse's clean render by the affine map ECC finds on blurred images (coarse, then
fine), and the placement whose parse then explains the ink best wins. A quick beam parse of the
winner and one more alignment correct what the greedy parse got wrong. Every warp is
returned with the drawing, so callers can say where its grid lies in the input image.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import cv2
import numpy as np

from ..render import render_array
from ..spec import Spec

SCALES = (0.87, 0.93, 1.0, 1.07, 1.15)  # around the preprocessing's estimate
PHASES_PX = (0.0, 8.0)      # half a grid unit
BLURS_PX = (4.0, 1.5)       # Gaussian sigmas of the coarse and fine alignment passes
MAX_SHIFT_PX = 40.0         # a plausible correction moves the drawing at most 2.5 units ...
SCALE_RANGE = (0.8, 1.25)   # ... and rescales it by at most this much
MAX_SHEAR = 0.1             # (photos may add a little rotation or shear; nothing more)
NEAR_PX = 3                 # ink within this distance of a stroke counts as explained by it


def _blurred(image: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(image.astype(np.float32), (0, 0), sigma)


def _plausible(warp: np.ndarray) -> bool:
    """Near a similarity with a modest scale and shift (anything else is a failed fit)."""
    a = warp[:, :2].astype(np.float64)
    scales = np.linalg.svd(a, compute_uv=False)
    shift = np.hypot(*(warp[:, 2] + (a - np.eye(2)) @ np.array([128.0, 128.0])))
    return (SCALE_RANGE[0] <= scales.min() and scales.max() <= SCALE_RANGE[1]
            and scales.max() / scales.min() <= 1 + MAX_SHEAR and shift <= MAX_SHIFT_PX)


def align_to_spec(ink: np.ndarray, spec: Spec) -> Optional[tuple[np.ndarray, np.ndarray]]:
    """`ink` (256, 256) warped so its strokes lie on `spec`'s clean render, and the map (3, 3)
    of the warped image's pixels to `ink`'s; None when no plausible alignment is found (empty
    spec, ECC diverged)."""
    if not len(spec):
        return None
    template = render_array(spec, ink.shape[0])
    warp = np.eye(2, 3, dtype=np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 100, 1e-6)
    for sigma in BLURS_PX:
        try:
            _, warp = cv2.findTransformECC(_blurred(template, sigma), _blurred(ink, sigma), warp,
                                           cv2.MOTION_AFFINE, criteria, None, 1)
        except cv2.error:  # ECC raises when it cannot converge
            return None
    if not _plausible(warp):
        return None
    size = ink.shape[::-1]
    return (cv2.warpAffine(ink, warp, size, flags=cv2.INTER_LINEAR + cv2.WARP_INVERSE_MAP),
            np.vstack([warp, [0.0, 0.0, 1.0]]).astype(np.float64))


def agreement(ink: np.ndarray, spec: Spec) -> float:
    """How well `spec` explains the ink: F1 of ink pixels near its strokes and of its stroke
    pixels near ink (1 = everything drawn is explained and nothing else is claimed)."""
    drawn, claimed = ink > 0.3, render_array(spec, ink.shape[0]) > 0.3
    if not drawn.any() or not claimed.any():
        return float(drawn.any() == claimed.any())
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * NEAR_PX + 1,) * 2)
    near_drawn = cv2.dilate(drawn.astype(np.uint8), kernel).astype(bool)
    near_claimed = cv2.dilate(claimed.astype(np.uint8), kernel).astype(bool)
    recall = (drawn & near_claimed).sum() / drawn.sum()
    precision = (claimed & near_drawn).sum() / claimed.sum()
    return float(2 * precision * recall / max(1e-9, precision + recall))


def placements(ink: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The ink rescaled about the centre by each of SCALES and shifted by each phase, each with
    the map (3, 3) of its pixels to `ink`'s."""
    out = []
    for s in SCALES:
        for dx in PHASES_PX:
            for dy in PHASES_PX:
                warp = np.array([[s, 0, 128 * (1 - s) + dx], [0, s, 128 * (1 - s) + dy]])
                out.append((cv2.warpAffine(ink, warp, ink.shape[::-1], flags=cv2.INTER_LINEAR),
                            np.linalg.inv(np.vstack([warp, [0.0, 0.0, 1.0]]))))
    return out


def snap_to_grid(ink: np.ndarray, parse_many: Callable[[Sequence[np.ndarray]], list[Spec]],
                 parse_one: Callable[[np.ndarray], Spec]) -> tuple[np.ndarray, np.ndarray]:
    """The placement of `ink` that best fits the grid (see the module doc), and the map (3, 3)
    of its pixels to `ink`'s (cv2 centres); `parse_many` is a fast batched parser, `parse_one`
    a better single one."""
    candidates = placements(ink)
    best, best_map, best_fit = ink, np.eye(3), -1.0
    for (image, to_ink), spec in zip(candidates, parse_many([c[0] for c in candidates])):
        aligned = align_to_spec(image, spec)
        if aligned is not None:
            image, to_ink = aligned[0], to_ink @ aligned[1]
        fit = agreement(image, spec)
        if fit > best_fit:
            best, best_map, best_fit = image, to_ink, fit
    spec = parse_one(best)
    aligned = align_to_spec(best, spec)
    if aligned is not None and agreement(aligned[0], spec) >= best_fit:
        return aligned[0], best_map @ aligned[1]
    return best, best_map
