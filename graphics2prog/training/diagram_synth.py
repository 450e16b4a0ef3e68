"""Photos of hand-drawn diagrams with a stroke class per pixel: a segmentation network's data.

A `DiagramScene` (diagram_scenes.py) is drawn one primitive at a time with the pencil pen
(noise.Pen) and hand lettering (handwriting.py); each primitive's ink, thresholded, labels its
pixels with its class, so the labels follow the noisy strokes exactly. Where strokes overlap
the later one wins, except that an arrow's body never covers an outline or a head; an arrow's
barbs and the last stretch of its body near the tip are "head". The ink goes on paper (plain,
or graph paper), the sheet is turned and seen in slight perspective, and photographed
(diagram_photo.py: uneven light, blur, sensor noise, JPEG); the labels follow the same warp.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

import cairo
import cv2
import numpy as np
from PIL import Image

from ..diagram_scenes import (ARROW, DIAMOND, ELLIPSE, HEAD, RECTANGLE, TEXT, DiagramScene,
                               sample_diagram, scene_to_dict)
from ..errors import InputError
from ..noise import NoiseConfig, Pen
from ..render import box_px, surface_to_uint8
from ..shapes import Text
from ..spec import GRID_MAX, Primitive, Rectangle
from .diagram_photo import PhotoLook, develop, jpeg, table
from .handwriting import random_hand, write

_STRONGER_THAN_ARROW = np.array([c in (RECTANGLE, ELLIPSE, DIAMOND, HEAD) for c in range(256)])


@dataclass(frozen=True)
class DiagramStyle:
    """How diagrams are drawn and photographed; px are at a long side of 1024 and scale with
    it, (lo, hi) pairs are uniform ranges."""

    fill: tuple[float, float] = (0.75, 0.9)         # drawing extent / image extent
    width_px: tuple[float, float] = (1.0, 4.0)      # pen width
    thick_p: float = 0.08                           # a circle drawn with a thick pen (end event)
    head_px: tuple[float, float] = (7.0, 20.0)      # arrow barb length
    closed_head_p: float = 0.15
    filled_head_p: float = 0.15
    v_head_p: float = 0.5
    head_reach: float = 1.35                        # head label radius / longest barb
    dash_px: tuple[float, float] = (5.0, 14.0)
    gap_px: tuple[float, float] = (4.0, 11.0)
    wobble_px: tuple[float, float] = (0.2, 1.5)
    wavelength_px: tuple[float, float] = (60.0, 250.0)
    jitter_px: float = 1.5                          # corner and position noise
    overshoot_px: tuple[float, float] = (-3.0, 8.0)
    table_p: float = 0.25                           # the table shows round the sheet
    rotation_deg: float = 4.0
    perspective: float = 0.015                      # sigma of corner shift / image extent
    label_alpha: float = 0.3                        # ink coverage that counts as a stroke
    photo: PhotoLook = PhotoLook()


def render_labelled(scene: DiagramScene, rng: np.random.Generator, long_side: int = 1024,
                    style: DiagramStyle = DiagramStyle()) -> tuple[np.ndarray, np.ndarray]:
    """A photo of the diagram drawn by hand, rgb uint8 (H, W, 3), and its stroke labels, uint8
    (H, W): the index into STROKE_CLASSES of the stroke at each pixel, 0 for none. The image
    has the canvas's aspect and `long_side` px on its long side."""
    scale = long_side / max(scene.width, scene.height)
    shape = (max(1, round(scene.height * scale)), max(1, round(scene.width * scale)))
    s = long_side / 1024
    ink, labels = _draw(scene, rng, shape, style, s)
    image = develop(rng, ink, style.photo, s)
    homography, zoom = _placement(rng, shape, style)
    size = (shape[1], shape[0])
    image = cv2.warpPerspective(image, homography, size, flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REFLECT)
    labels = cv2.warpPerspective(labels, homography, size, flags=cv2.INTER_NEAREST)
    if zoom < 1:
        sheet = cv2.warpPerspective(np.ones(shape, np.uint8), homography, size,
                                    flags=cv2.INTER_NEAREST)
        np.copyto(image, table(rng, shape), where=sheet[..., None] == 0)
    return jpeg(rng, image, style.photo), labels


def _placement(rng: np.random.Generator, shape: tuple[int, int], style: DiagramStyle
               ) -> tuple[np.ndarray, float]:
    """Where the sheet lands in the photo (3, 3), and its zoom: turned, in slight
    perspective, filling the frame or, sometimes, smaller with the table round it."""
    h, w = shape
    theta = math.radians(rng.uniform(-style.rotation_deg, style.rotation_deg))
    zoom = rng.uniform(0.8, 0.95) if rng.random() < style.table_p else 1.06
    c, s = math.cos(theta), math.sin(theta)
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64) - (w / 2, h / 2)
    placed = zoom * corners @ np.array([[c, s], [-s, c]]) + (w / 2, h / 2)
    placed += rng.normal(0.0, style.perspective * max(w, h), placed.shape)
    return cv2.getPerspectiveTransform((corners + (w / 2, h / 2)).astype(np.float32),
                                       placed.astype(np.float32)), zoom


# ---------------------------------------------------------------- strokes and labels

def _pen_config(rng: np.random.Generator, style: DiagramStyle, k: float, s: float
                ) -> tuple[NoiseConfig, float]:
    """The pen's settings for this drawing (NoiseConfig lengths are px at 256 times k) and
    its longest barb in px."""
    f = s / k   # px at 1024 -> the pen's units
    width = rng.uniform(*style.width_px)
    head = rng.uniform(*style.head_px)
    config = NoiseConfig(
        shift_px=style.jitter_px * f, vertex_px=style.jitter_px * f,
        width_px=(0.85 * width * f, 1.15 * width * f),
        wobble_px=tuple(v * f for v in style.wobble_px),
        wobble_wavelength_px=tuple(v * f for v in style.wavelength_px),
        bow_px=2.0 * f, tremor_px=0.3 * f, step_px=8.0 * f,
        corner_px=tuple(v * f for v in style.overshoot_px), bump_px=(0.3 * f, 1.5 * f),
        arrow_length_px=(head * f, 1.25 * head * f), arrow_v_p=style.v_head_p,
        arrow_filled_p=style.filled_head_p,
        dash_px=tuple(v * f for v in style.dash_px), gap_px=tuple(v * f for v in style.gap_px))
    return config, 1.25 * style.head_reach * head * s


def _as_drawn(p: Primitive) -> Primitive:
    """A closed path round four axis-aligned corners is a box and is drawn like one."""
    if p.kind == "path" and len(p.points) == 5 and p.points[0] == p.points[-1]:
        (x1, y1), (x2, y2) = p.points[0], p.points[2]
        if x1 != x2 and y1 != y2 and {p.points[1], p.points[3]} == {(x1, y2), (x2, y1)}:
            return Rectangle(x1, y1, x2, y2)
    return p


class _Canvas:
    """One scratch surface: each primitive is drawn alone inside its clip box, and its ink is
    merged into the drawing and its labels."""

    def __init__(self, shape: tuple[int, int], unit: float, origin: tuple[float, float]):
        self.h, self.w = shape
        self.unit, self.origin = unit, origin
        self.surface = cairo.ImageSurface(cairo.FORMAT_A8, self.w, self.h)
        self.ctx = cairo.Context(self.surface)
        self.ctx.set_line_cap(cairo.LINE_CAP_ROUND)
        self.ctx.set_line_join(cairo.LINE_JOIN_ROUND)
        self.ctx.set_antialias(cairo.ANTIALIAS_FAST)
        self.ink = np.zeros(shape, np.uint8)
        self.labels = np.zeros(shape, np.uint8)

    def begin(self, p: Primitive, margin: float) -> tuple[int, int, int, int]:
        """Clear and clip to the primitive's box (pixels, with `margin`); set the grid frame
        (origin bottom-left, y up, as the pen expects)."""
        x1, y1, x2, y2 = p.extent()
        ox, oy = self.origin
        box = (max(0, int(ox + self.unit * x1 - margin)),
               max(0, int(self.h - oy - self.unit * y2 - margin)),
               min(self.w, int(math.ceil(ox + self.unit * x2 + margin))),
               min(self.h, int(math.ceil(self.h - oy - self.unit * y1 + margin))))
        ctx = self.ctx
        ctx.identity_matrix()
        ctx.reset_clip()
        ctx.rectangle(box[0], box[1], box[2] - box[0], box[3] - box[1])
        ctx.clip()
        ctx.set_operator(cairo.OPERATOR_CLEAR)
        ctx.paint()
        ctx.set_operator(cairo.OPERATOR_OVER)
        ctx.translate(ox, self.h - oy - GRID_MAX * self.unit)
        return box

    def merge(self, box: tuple[int, int, int, int], cls: int, alpha: float,
              head: Optional[tuple[float, float, float]] = None) -> None:
        """Add the drawn ink in `box` and label it `cls`; within `head` ((x, y, r) px) of an
        arrow's tip, "head"."""
        x0, y0, x1, y1 = box
        if x1 <= x0 or y1 <= y0:
            return
        self.surface.flush()
        crop = surface_to_uint8(self.surface)[y0:y1, x0:x1]
        region = self.ink[y0:y1, x0:x1]
        np.maximum(region, crop, out=region)
        mask = crop > alpha * 255
        labels = self.labels[y0:y1, x0:x1]
        if cls == ARROW:
            mask &= ~_STRONGER_THAN_ARROW[labels]
        if head is not None:
            hx, hy, r = head
            yy, xx = np.ogrid[y0:y1, x0:x1]
            near = (xx - hx) ** 2 + (yy - hy) ** 2 <= r * r
            labels[mask & near] = HEAD
            mask &= ~near
        labels[mask] = cls


def _draw(scene: DiagramScene, rng: np.random.Generator, shape: tuple[int, int],
          style: DiagramStyle, s: float) -> tuple[np.ndarray, np.ndarray]:
    """Ink uint8 (H, W), 255 = full, and labels uint8 (H, W) of the diagram on the page."""
    h, w = shape
    size = round(GRID_MAX * rng.uniform(*style.fill) * min(w / scene.width, h / scene.height))
    unit = size / GRID_MAX
    spare = (w - unit * scene.width, h - unit * scene.height)
    canvas = _Canvas(shape, unit, tuple(rng.uniform(0.2, 0.8) * v for v in spare))
    k = size / 256
    config, reach = _pen_config(rng, style, k, s)
    pen = Pen(rng, size, config, style.closed_head_p)
    thick = replace(config, width_px=tuple(2.2 * v for v in config.width_px))
    hand = random_hand(rng, config.width_px[1] * k)
    margin = 4 * config.width_px[1] * k + reach + 3 * style.jitter_px * s
    for p, cls in zip(scene.primitives, scene.classes):
        box = canvas.begin(p, margin)
        pen.tip = None
        if isinstance(p, Text):
            canvas.ctx.set_source_rgba(0, 0, 0, 1)   # opaque: the nib's edge overlaps the fill
            write(canvas.ctx, p.text, box_px(p, pen.size), hand, rng)
        else:
            pen.cfg = thick if cls == ELLIPSE and rng.random() < style.thick_p else config
            pen.draw(canvas.ctx, _as_drawn(p))
        head = None
        if pen.tip is not None:
            ox, oy = canvas.origin
            head = (pen.tip[0] + ox, pen.tip[1] + h - oy - size, reach)
        canvas.merge(box, TEXT if isinstance(p, Text) else cls, style.label_alpha, head)
    return canvas.ink, canvas.labels


def write_samples(out_dir, n: int, seed: int = 0, long_side: int = 1024) -> None:
    """Write n sampled diagrams to `out_dir` for looking at: diagram-NNNNN.png (the photo),
    -labels.png (8-bit, the stroke class index per pixel) and .json (scene_to_dict); diagram i
    is drawn from the generator seeded by (seed, i)."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"{out}: cannot create the folder ({e.strerror})") from None
    for i in range(n):
        rng = np.random.default_rng([seed, i])
        scene = sample_diagram(rng)
        rgb, labels = render_labelled(scene, rng, long_side)
        name = out / f"diagram-{i:05d}"
        Image.fromarray(rgb).save(f"{name}.png")
        Image.fromarray(labels, mode="L").save(f"{name}-labels.png")
        Path(f"{name}.json").write_text(json.dumps(scene_to_dict(scene)) + "\n")
