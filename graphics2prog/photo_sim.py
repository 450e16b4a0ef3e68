"""Simulated phone photos of pencil drawings on graph paper, for tests and benchmarks.

A spec is drawn in the pencil style (`noise.render_noisy`, at the photo's resolution) on a sheet
of graph paper whose squares are the spec's grid units, and the sheet is then "photographed":
laid on a textured table, rotated, seen in perspective, lit unevenly with a soft shadow and a
colour cast, blurred, given sensor noise and saved as JPEG. One numpy Generator drives it all, so
a seed gives the same photo. The true geometry (where each grid line of the sheet lies in the
photo) comes back with the image, so tests can check what the preprocessing recovers.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Optional

import cairo
import cv2
import numpy as np
from PIL import Image

from .noise import render_noisy
from .render import surface_to_array
from .spec import GRID_MAX, Primitive

# Reflectance of grid ink and of drawing media (linear RGB, paper white = 1).
GRID_COLOURS = {"blue": (0.40, 0.64, 0.95), "grey": (0.50, 0.50, 0.50),
                "green": (0.42, 0.74, 0.48)}
INK_COLOURS = {"pencil": (0.28, 0.28, 0.30), "pen": (0.07, 0.07, 0.09),
               "blue pen": (0.12, 0.17, 0.50)}
TABLES = ((0.42, 0.28, 0.16), (0.18, 0.18, 0.20), (0.55, 0.55, 0.52), (0.20, 0.30, 0.22))


@dataclass(frozen=True)
class PhotoStyle:
    """How a sheet is photographed; (lo, hi) pairs are uniform ranges."""

    size: tuple[int, int] = (1600, 1200)        # photo width, height (px)
    rotation_deg: float = 10.0                  # the sheet turns by up to this either way
    perspective: float = 0.03                   # sigma of corner displacement / sheet extent
    fill: tuple[float, float] = (0.6, 0.85)     # sheet extent / photo extent
    sheet_units: tuple[int, int] = (22, 34)     # squares along the sheet's long side
    grid_colours: tuple[str, ...] = tuple(GRID_COLOURS)
    grid_alpha: tuple[float, float] = (0.35, 0.8)  # opacity of the printed lines
    grid_width: tuple[float, float] = (0.025, 0.05)  # printed line width (units)
    major_p: float = 0.0                        # chance of darker lines every 5 or 10 squares
    inks: tuple[str, ...] = ("pencil", "pen")
    light: tuple[float, float] = (0.7, 0.95)    # darkest / brightest illumination on the photo
    shadow_p: float = 0.0                       # chance of a soft shadow across the sheet
    shadow_depth: tuple[float, float] = (0.25, 0.5)
    blur_px: tuple[float, float] = (0.4, 0.9)   # Gaussian sigma per 1000 px of photo width
    noise: tuple[float, float] = (0.004, 0.012)  # sensor noise sigma (0..1 scale)
    jpeg_quality: tuple[int, int] = (80, 95)
    texture: float = 0.012                      # paper fibre contrast


LEVELS = {
    "easy": PhotoStyle(rotation_deg=3.0, perspective=0.01, fill=(0.65, 0.8), light=(0.85, 1.0),
                       blur_px=(0.3, 0.6), noise=(0.003, 0.006), jpeg_quality=(88, 95)),
    "medium": PhotoStyle(major_p=0.3, light=(0.6, 0.9), shadow_p=0.5, blur_px=(0.5, 1.1),
                         noise=(0.006, 0.015), jpeg_quality=(75, 90)),
    "hard": PhotoStyle(perspective=0.06, fill=(0.7, 1.1), major_p=0.5, light=(0.45, 0.75),
                       shadow_p=1.0, shadow_depth=(0.3, 0.55), blur_px=(0.8, 1.6),
                       noise=(0.012, 0.025), jpeg_quality=(60, 80),
                       inks=("pencil", "pen", "blue pen"), texture=0.02),
}


@dataclass
class SynthPhoto:
    """A simulated photo and where the sheet's grid lies in it.

    `grid_to_photo` maps sheet grid coordinates (u right, w down, in squares from the sheet's
    first grid lines) to photo pixels (cv2 convention: pixel centres at integers). The drawing's
    16 x 16 window starts at square `window` (u, w), so spec point (x, y) lies at grid
    (window[0] + x, window[1] + 16 - y).
    """

    jpeg: bytes
    grid_to_photo: np.ndarray      # (3, 3)
    window: tuple[int, int]
    unit_px: float                 # photo pixels per square, before perspective
    rotation_deg: float
    grid_colour: str
    ink: str

    def save(self, path) -> None:
        Path(path).write_bytes(self.jpeg)

    def rgb(self) -> np.ndarray:
        """The decoded photo, uint8 (H, W, 3)."""
        with Image.open(io.BytesIO(self.jpeg)) as im:
            return np.asarray(im.convert("RGB"))


def style_for(level: str, size: Optional[tuple[int, int]] = None) -> PhotoStyle:
    """The named difficulty level, optionally at another photo size."""
    style = LEVELS[level]
    return style if size is None else replace(style, size=tuple(size))


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cells: tuple[int, int]
                  ) -> np.ndarray:
    """Zero-mean, unit-ish noise varying over about `cells` (x, y) periods: float32 (H, W)."""
    coarse = rng.standard_normal((cells[1] + 1, cells[0] + 1)).astype(np.float32)
    return cv2.resize(coarse, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)


def _grid_mask(n_u: int, n_w: int, unit: int, margin: int, shape: tuple[int, int],
               width_px: float, every: int = 1) -> np.ndarray:
    """Antialiased printed lines every `every` squares: float32 (H, W) coverage in [0, 1]."""
    h, w = shape
    surface = cairo.ImageSurface(cairo.FORMAT_A8, w, h)
    ctx = cairo.Context(surface)
    ctx.set_line_width(width_px)
    ctx.set_line_cap(cairo.LINE_CAP_BUTT)
    x_end, y_end = margin + n_u * unit, margin + n_w * unit
    for i in range(0, n_u + 1, every):
        ctx.move_to(margin + i * unit, margin)
        ctx.line_to(margin + i * unit, y_end)
    for j in range(0, n_w + 1, every):
        ctx.move_to(margin, margin + j * unit)
        ctx.line_to(x_end, margin + j * unit)
    ctx.stroke()
    return surface_to_array(surface)


def _sheet(spec: Iterable[Primitive], rng: np.random.Generator, style: PhotoStyle,
           n_u: int, n_w: int, unit: int, margin: int, window: tuple[int, int]
           ) -> tuple[np.ndarray, str, str]:
    """The flat sheet as linear RGB reflectance (H, W, 3), its grid colour and drawing ink."""
    h, w = 2 * margin + n_w * unit, 2 * margin + n_u * unit
    paper = np.array([0.97, 0.965, 0.94]) * rng.uniform(0.97, 1.0, 3)
    fibre = 1.0 + style.texture * (0.6 * rng.standard_normal((h, w)).astype(np.float32)
                                   + _smooth_noise(rng, (h, w), (w // 40 + 1, h // 40 + 1)))
    sheet = fibre[..., None] * paper.astype(np.float32)  # (H, W, 3)
    colour = str(rng.choice(style.grid_colours))
    alpha = rng.uniform(*style.grid_alpha)
    lines = alpha * _grid_mask(n_u, n_w, unit, margin, (h, w), rng.uniform(*style.grid_width)
                               * unit)
    if rng.random() < style.major_p:
        every = int(rng.choice((5, 10)))
        major = _grid_mask(n_u, n_w, unit, margin, (h, w), 2.2 * style.grid_width[1] * unit,
                           every)
        lines = np.maximum(lines, min(1.0, 1.4 * alpha) * major)
    sheet *= 1.0 - lines[..., None] * (1.0 - np.array(GRID_COLOURS[colour], np.float32))
    ink_name = str(rng.choice(style.inks))
    drawing = render_noisy(spec, rng, size=GRID_MAX * unit)  # (16u, 16u)
    if ink_name == "pencil":  # graphite leaves a grainy trace
        grain = cv2.GaussianBlur(rng.standard_normal(drawing.shape).astype(np.float32), (0, 0),
                                 max(0.5, unit / 40))
        drawing *= np.clip(1.0 - 0.25 * grain / (grain.std() + 1e-6), 0.5, 1.0)
    x0, y0 = margin + window[0] * unit, margin + window[1] * unit
    patch = sheet[y0:y0 + drawing.shape[0], x0:x0 + drawing.shape[1]]
    patch *= 1.0 - drawing[..., None] * (1.0 - np.array(INK_COLOURS[ink_name], np.float32))
    return sheet, colour, ink_name


def _table(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """A table top with streaky, irregular texture: linear RGB float32 (H, W, 3)."""
    w, h = size
    base = np.array(TABLES[rng.integers(len(TABLES))], np.float32)
    across = rng.random() < 0.5  # grain along x or along y
    grain = np.zeros((h, w), np.float32)
    for weight in (0.05, 0.03, 0.02):  # streaks at several irregular scales
        n_long, n_fine = int(rng.integers(2, 7)), int(rng.integers(15, 120))
        grain += weight * _smooth_noise(rng, (h, w), (n_long, n_fine) if across else
                                        (n_fine, n_long))
    shade = 1.0 + grain + 0.06 * _smooth_noise(rng, (h, w), (6, 5)) \
        + 0.02 * rng.standard_normal((h, w)).astype(np.float32)
    return shade[..., None] * base


def _lighting(rng: np.random.Generator, style: PhotoStyle) -> np.ndarray:
    """Illumination (H, W, 3): a gradient, vignetting, maybe a soft shadow, a colour cast."""
    w, h = style.size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    ramp = (xx - w / 2) * math.cos(angle) + (yy - h / 2) * math.sin(angle)
    ramp = (ramp - ramp.min()) / max(1e-6, float(np.ptp(ramp)))
    lo = rng.uniform(*style.light)
    light = lo + (1.0 - lo) * ramp
    r2 = ((xx - w / 2) ** 2 + (yy - h / 2) ** 2) / (0.25 * (w * w + h * h))
    light *= 1.0 - rng.uniform(0.0, 0.12) * r2
    if rng.random() < style.shadow_p:  # a hand or a phone between the lamp and the sheet
        px, py = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h
        a = rng.uniform(0, 2 * math.pi)
        blob = _smooth_noise(rng, (h, w), (3, 3)) * 0.15 * w  # a wavy edge
        side = (((xx - px) * math.cos(a) + (yy - py) * math.sin(a)) + blob) > 0
        soft = cv2.GaussianBlur(side.astype(np.float32), (0, 0), rng.uniform(0.005, 0.03) * w)
        light *= 1.0 - rng.uniform(*style.shadow_depth) * soft
    tint = np.array([1.0, rng.uniform(0.93, 1.0), rng.uniform(0.8, 0.97)], np.float32)
    return light[..., None] * tint


def _camera(rng: np.random.Generator, style: PhotoStyle, linear: np.ndarray) -> bytes:
    """Exposure, gamma, blur, sensor noise and JPEG compression of a linear RGB scene."""
    w = style.size[0]
    img = np.clip(linear * rng.uniform(0.85, 1.0), 0.0, 1.0) ** (1 / 2.2)
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(*style.blur_px) * w / 1000)
    sigma = rng.uniform(*style.noise)
    img += (sigma * (0.5 + np.sqrt(img))) * rng.standard_normal(img.shape).astype(np.float32)
    rgb = np.clip(np.round(img * 255), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG",
                              quality=int(rng.integers(style.jpeg_quality[0],
                                                       style.jpeg_quality[1] + 1)))
    return buf.getvalue()


def synth_photo(spec: Iterable[Primitive], rng: np.random.Generator,
                style: PhotoStyle = PhotoStyle()) -> SynthPhoto:
    """A photo of `spec` drawn on graph paper (see the module doc)."""
    w, h = style.size
    n_long = int(rng.integers(style.sheet_units[0], style.sheet_units[1] + 1))
    n_short = max(GRID_MAX + 3, round(n_long / rng.uniform(1.2, 1.45)))
    n_u, n_w = (n_short, n_long) if rng.random() < 0.3 else (n_long, n_short)
    margin_units = rng.uniform(0.0, 1.2)
    unit_photo = rng.uniform(*style.fill) * min(w / (n_u + 2 * margin_units),
                                                h / (n_w + 2 * margin_units))
    unit = int(min(160, max(8, round(unit_photo))))
    margin = round(margin_units * unit)
    window = (int(rng.integers(0, n_u - GRID_MAX + 1)), int(rng.integers(0, n_w - GRID_MAX + 1)))
    sheet, colour, ink = _sheet(spec, rng, style, n_u, n_w, unit, margin, window)
    sh, sw = sheet.shape[:2]
    theta = rng.uniform(-style.rotation_deg, style.rotation_deg)
    c, s = math.cos(math.radians(theta)), math.sin(math.radians(theta))
    k = unit_photo / unit
    centre = np.array([w / 2, h / 2]) + rng.uniform(-0.05, 0.05, 2) * (w, h)
    corners = np.array([[0, 0], [sw, 0], [sw, sh], [0, sh]], np.float64) - (sw / 2, sh / 2)
    placed = centre + k * corners @ np.array([[c, s], [-s, c]])
    placed += rng.normal(0.0, style.perspective * k * max(sw, sh), placed.shape)
    # cairo's pixel edges sit half a pixel before cv2's pixel centres
    to_centres = np.array([[1, 0, -0.5], [0, 1, -0.5], [0, 0, 1]])
    src = (corners + (sw / 2, sh / 2) - 0.5).astype(np.float32)
    homography = cv2.getPerspectiveTransform(src, (placed - 0.5).astype(np.float32))
    grid = np.array([[unit, 0, margin], [0, unit, margin], [0, 0, 1]], np.float64)
    homography = _framed(homography @ to_centres @ grid, spec, window, (w, h)) @ homography
    photo_sheet = cv2.warpPerspective(sheet, homography, (w, h), flags=cv2.INTER_LINEAR)
    cover = cv2.warpPerspective(np.ones((sh, sw), np.float32), homography, (w, h),
                                flags=cv2.INTER_LINEAR)[..., None]
    scene = cover * photo_sheet + (1.0 - cover) * _table(rng, style.size)
    jpeg = _camera(rng, style, scene * _lighting(rng, style))
    return SynthPhoto(jpeg, homography @ to_centres @ grid, window, unit_photo, theta,
                      colour, ink)


def _framed(grid_to_photo: np.ndarray, spec: Iterable[Primitive], window: tuple[int, int],
            size: tuple[int, int]) -> np.ndarray:
    """The shift (3, 3) that brings the drawing inside the photo, a unit clear of its edges,
    as whoever takes the photo would (the sheet itself may run out of the frame)."""
    xs = [v for p in spec for v in p.coords()[0::2]]
    ys = [v for p in spec for v in p.coords()[1::2]]
    if not xs:
        return np.eye(3)
    corners = np.array([[window[0] + x, window[1] + GRID_MAX - y]
                        for x in (min(xs) - 1, max(xs) + 1) for y in (min(ys) - 1, max(ys) + 1)],
                       np.float64)
    q = np.c_[corners, np.ones(4)] @ grid_to_photo.T
    q = q[:, :2] / q[:, 2:]
    shift = np.maximum(0.0, -q.min(0)) - np.maximum(0.0, q.max(0) - (np.array(size) - 1))
    return np.array([[1, 0, shift[0]], [0, 1, shift[1]], [0, 0, 1]])


def table_photo(rng: np.random.Generator, style: PhotoStyle = PhotoStyle()) -> bytes:
    """A photo of the bare table, no sheet in sight (JPEG bytes)."""
    return _camera(rng, style, _table(rng, style.size) * _lighting(rng, style))
