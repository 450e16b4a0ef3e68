"""A quick phone photo of an inked sheet, for training data made by the thousand.

photo_sim.py builds its photos at full quality (fibre texture, grid lines and light drawn per
pixel in float, table always, gamma by power); a training sample must cost a few tens of
milliseconds, so here paper shading and light are computed coarse and upsampled once, grid
lines are painted by slicing, gamma is a table, graphite grain is drawn at half resolution and
the sheet is turned as 8-bit. The look follows photo_sim: its paper, grid and ink colours and
table tops, uneven light with a soft shadow, blur, sensor noise, JPEG.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from ..photo_sim import GRID_COLOURS, INK_COLOURS, TABLES

_GAMMA = np.clip(np.round(255 * (np.arange(256) / 255) ** (1 / 2.2)), 0, 255).astype(np.uint8)
_PAPER = np.array([0.97, 0.965, 0.94], np.float32)
_COARSE = (13, 17)   # rows, columns of the coarse light and shading field


@dataclass(frozen=True)
class PhotoLook:
    """How the sheet is photographed; (lo, hi) pairs are uniform ranges, px at 1024."""

    inks: tuple[str, ...] = ("pencil", "pen", "blue pen")   # photo_sim.INK_COLOURS
    blur_px: tuple[float, float] = (0.2, 0.7)       # Gaussian sigma of the ink
    grid_p: float = 0.4                             # graph paper, else plain
    grid_px: tuple[float, float] = (16.0, 36.0)     # printed square size
    grid_alpha: tuple[float, float] = (0.25, 0.7)
    texture: tuple[float, float] = (0.005, 0.025)    # paper's uneven whiteness
    light: tuple[float, float] = (0.55, 0.95)       # darkest / brightest illumination
    shadow_p: float = 0.3
    shadow_depth: tuple[float, float] = (0.2, 0.5)
    noise: tuple[float, float] = (0.5, 3.0)         # sensor noise sigma, 8-bit linear levels
    jpeg_quality: tuple[int, int] = (60, 95)


def _light(rng: np.random.Generator, look: PhotoLook) -> np.ndarray:
    """Coarse illumination times paper shading (_COARSE) float32: a gradient, vignetting,
    maybe a soft shadow's edge, uneven paper."""
    yy, xx = np.mgrid[0:1:_COARSE[0] * 1j, 0:1:_COARSE[1] * 1j]
    angle = rng.uniform(0, 2 * math.pi)
    ramp = (xx - 0.5) * math.cos(angle) + (yy - 0.5) * math.sin(angle)
    ramp = (ramp - ramp.min()) / np.ptp(ramp)
    lo = rng.uniform(*look.light)
    light = (lo + (1.0 - lo) * ramp) * (
        1.0 - rng.uniform(0.0, 0.3) * ((xx - 0.5) ** 2 + (yy - 0.5) ** 2))
    if rng.random() < look.shadow_p:
        a, (px, py) = rng.uniform(0, 2 * math.pi), rng.uniform(0.3, 0.7, 2)
        side = (xx - px) * math.cos(a) + (yy - py) * math.sin(a) + 0.015 * rng.standard_normal(
            xx.shape)
        light *= 1.0 - rng.uniform(*look.shadow_depth) / (1.0 + np.exp(-side / 0.05))
    light *= 1.0 + rng.uniform(*look.texture) * rng.standard_normal(xx.shape)
    return light.astype(np.float32)


def _grain(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Graphite's grainy trace: a factor (H, W) float32 in [0.5, 1], grains of about 2 px."""
    h, w = shape
    fine = rng.standard_normal(((h + 1) // 2, (w + 1) // 2), dtype=np.float32)
    return np.clip(1.0 - 0.25 * cv2.resize(fine, (w, h), interpolation=cv2.INTER_LINEAR),
                   0.5, 1.0)


def develop(rng: np.random.Generator, ink: np.ndarray, look: PhotoLook, s: float
            ) -> np.ndarray:
    """The ink map (uint8 (H, W), 255 = full) on paper (maybe graph paper) in a pen or
    pencil, under uneven light, with sensor noise, in display gamma: uint8 (H, W, 3).

    Channel c is light * (paper_c - ink * (paper_c - ink colour_c)): two one-channel float
    maps combined per channel straight into 8 bits."""
    h, w = ink.shape
    name = str(rng.choice(look.inks))
    ink = cv2.GaussianBlur(ink, (0, 0), rng.uniform(*look.blur_px) * s).astype(np.float32)
    if name == "pencil":
        ink *= _grain(rng, ink.shape)
    tint = np.array([1.0, rng.uniform(0.93, 1.0), rng.uniform(0.8, 0.97)])
    white = _PAPER * rng.uniform(0.95, 1.0, 3) * tint
    dark = white * (1.0 - np.array(INK_COLOURS[name])) / 255.0
    light = cv2.resize(_light(rng, look), (w, h), interpolation=cv2.INTER_CUBIC)
    light *= 255.0 * rng.uniform(0.85, 1.0)
    light += rng.standard_normal((h, w), dtype=np.float32) * rng.uniform(*look.noise)
    inked = cv2.multiply(light, ink)
    image = cv2.merge([cv2.addWeighted(light, float(white[c]), inked, -float(dark[c]), 0.0,
                                       dtype=cv2.CV_8U) for c in range(3)])
    if rng.random() < look.grid_p:
        step = max(4, round(rng.uniform(*look.grid_px) * s))
        colour = np.array(list(GRID_COLOURS.values())[rng.integers(len(GRID_COLOURS))])
        dim = 1.0 - rng.uniform(*look.grid_alpha) * (1.0 - colour)
        x0, y0 = (int(v) for v in rng.integers(0, step, 2))
        image[:, x0::step] = image[:, x0::step] * dim
        image[y0::step, :] = image[y0::step, :] * dim
    return cv2.LUT(image, _GAMMA)


def table(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """A streaky table top in display gamma: uint8 (H, W, 3)."""
    h, w = shape
    cells = (int(rng.integers(2, 6)), int(rng.integers(20, 80)))
    cells = cells if rng.random() < 0.5 else cells[::-1]
    streaks = rng.standard_normal((cells[0] + 1, cells[1] + 1)).astype(np.float32)
    grain = 1.0 + 0.06 * cv2.resize(streaks, (w, h), interpolation=cv2.INTER_CUBIC)
    base = np.array(TABLES[rng.integers(len(TABLES))]) * 255 * rng.uniform(0.5, 0.9)
    return cv2.LUT(cv2.merge([cv2.convertScaleAbs(grain, alpha=float(v)) for v in base]),
                   _GAMMA)


def jpeg(rng: np.random.Generator, image: np.ndarray, look: PhotoLook) -> np.ndarray:
    """An RGB photo (uint8 (H, W, 3)) after a round trip through JPEG."""
    quality = int(rng.integers(look.jpeg_quality[0], look.jpeg_quality[1] + 1))
    _, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
