"""Simulated hand drawing ("pencil" style): noisy training targets from clean specs.

The paper's supplement perturbs renders by an intensity factor in [0.5, 1.5], a translation of
up to 3 px and random perturbations of strokes, positions and sizes. On top of that this model
draws what makes scanned hand drawings look hand made: wobbly polyline strokes, per-stroke
width and pressure, overshoot and gaps at rectangle corners, two-stroke arrow heads, imperfect
circles that do not close exactly, uneven dashes, a smooth pressure field and a little blur.
Free-form primitives reuse these strokes: ellipses are stretched circles that keep their axes,
diamonds are drawn like rectangles, rounded corners are quick curves, paths are lines with
bends, and text is the clean font, a little tilted and shrunk.
All lengths in `NoiseConfig` are pixels at 256 px and scale with the image size.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Optional

import cairo
import cv2
import numpy as np

from .render import ROUND_UNITS, box_px, draw_text, surface_to_array, to_pixel, unit_px
from .shapes import Text
from .spec import GRID_MAX, Primitive

TAU = 2 * math.pi


@dataclass(frozen=True)
class NoiseConfig:
    """Parameters of the pencil model; (lo, hi) pairs are uniform ranges, px at 256 px."""

    intensity: tuple[float, float] = (0.5, 1.5)        # whole-image ink factor (supplement)
    translate_px: float = 3.0                           # whole-image shift (supplement)
    shift_px: float = 0.7                               # sigma of a primitive's shift
    vertex_px: float = 0.8                              # sigma of corner / endpoint jitter
    radius_rel: float = 0.07                            # sigma of a circle's relative radius
    width_px: tuple[float, float] = (1.4, 2.4)          # stroke width per primitive
    width_jitter: float = 0.1                           # relative width change per stroke
    pressure: tuple[float, float] = (0.9, 1.0)          # ink opacity per stroke
    pressure_field: float = 0.15                        # depth of the smooth page-wide fading
    wobble_px: tuple[float, float] = (0.05, 0.5)        # amplitude of each sideways wave
    wobble_wavelength_px: tuple[float, float] = (15.0, 60.0)
    bow_px: float = 0.8                                 # sigma of a straight stroke's bow
    tremor_px: float = 0.15                             # sigma of per-vertex hand tremor
    step_px: float = 5.0                                # polyline vertex spacing
    corner_px: tuple[float, float] = (-1.0, 2.5)        # overshoot (<0: gap) at corners
    aspect: float = 0.06                                # sigma of a circle's relative axis change
    closure_rad: tuple[float, float] = (-0.3, 0.6)      # circle arc missing (<0) or overlapping
    drift: float = 0.04                                 # sigma of radius drift over one lap
    bump_px: tuple[float, float] = (0.2, 0.9)           # radial bumps of circles
    arrow_length_px: tuple[float, float] = (6.0, 10.5)
    arrow_half_angle_deg: tuple[float, float] = (25.0, 42.0)
    arrow_angle_jitter_deg: float = 6.0
    arrow_v_p: float = 0.6                              # head drawn as one V stroke, else two
    arrow_filled_p: float = 0.05
    dash_px: tuple[float, float] = (2.0, 5.5)
    gap_px: tuple[float, float] = (2.5, 5.5)
    blur_px: tuple[float, float] = (0.3, 0.7)           # Gaussian sigma
    tilt_deg: float = 3.0                               # sigma of an ellipse's or text's tilt
    text_scale: tuple[float, float] = (0.9, 1.0)        # share of its box hand lettering fills


def render_noisy(spec: Iterable[Primitive], rng: np.random.Generator, size: int = 256,
                 config: NoiseConfig = NoiseConfig(), units: int = GRID_MAX) -> np.ndarray:
    """A simulated hand drawing of `spec`: float32 ink map in [0, 1], (size, size) for the
    paper's grid.

    The same generator state always gives the same image. As in render.render_uint8, `size`
    is the pixel size of the 16-unit grid, and a canvas of more `units` (a free-form diagram)
    is size * units / 16 pixels square at the same scale.
    """
    px = round(size * units / GRID_MAX)
    pen = _Pen(rng, size, config)
    surface = cairo.ImageSurface(cairo.FORMAT_A8, px, px)
    ctx = cairo.Context(surface)
    ctx.set_line_cap(cairo.LINE_CAP_ROUND)
    ctx.set_line_join(cairo.LINE_JOIN_ROUND)
    ctx.set_antialias(cairo.ANTIALIAS_FAST)  # half the cost of the default; the blur hides it
    t = config.translate_px * pen.k
    ctx.translate(*rng.uniform(-t, t, 2))
    ctx.translate(0, px - size)  # keep the origin at the bottom-left corner
    for p in spec:
        pen.draw(ctx, p)
    ink = surface_to_array(surface)  # (H, W)
    ink *= _pressure_field(rng, px, config.pressure_field)
    sigma = rng.uniform(*config.blur_px) * pen.k
    if sigma > 0:
        ink = cv2.GaussianBlur(ink, (0, 0), sigma)
    ink *= rng.uniform(*config.intensity)
    return np.clip(ink, 0.0, 1.0, out=ink)


def _outline(p: Primitive) -> list:
    """The vertices the pen joins: a box's or diamond's corners, a line's or path's points."""
    if p.kind == "rectangle":
        return [(p.x1, p.y1), (p.x2, p.y1), (p.x2, p.y2), (p.x1, p.y2)]
    if p.kind == "diamond":
        return [(p.x - p.rx, p.y), (p.x, p.y + p.ry), (p.x + p.rx, p.y), (p.x, p.y - p.ry)]
    return list(p.points) if p.kind == "path" else [(p.x1, p.y1), (p.x2, p.y2)]


def _pressure_field(rng: np.random.Generator, size: int, depth: float) -> np.ndarray:
    """Smooth multiplicative field in [1 - depth, 1]: ink fades gently across the page."""
    coarse = 1.0 - depth * rng.random((4, 4)).astype(np.float32)
    return cv2.resize(coarse, (size, size), interpolation=cv2.INTER_LINEAR)


class _Pen:
    """Draws primitives as wobbly strokes; holds the generator and the size-dependent scale."""

    def __init__(self, rng: np.random.Generator, size: int, config: NoiseConfig):
        self.rng, self.size, self.cfg = rng, size, config
        self.k = size / 256.0
        self.unit = unit_px(size)

    # ------------------------------------------------------------ geometry

    def _waves(self, s: np.ndarray, amplitude_px: tuple[float, float],
               bow: bool) -> np.ndarray:
        """Sideways offsets `(m, n)` along m strokes at arc lengths `s` `(m, n)`.

        Two smooth waves per stroke, an optional bow (zero at both ends) and hand tremor.
        """
        cfg, rng, k = self.cfg, self.rng, self.k
        m = s.shape[0]
        amp = rng.uniform(*amplitude_px, (m, 2, 1)) * k
        wavelength = rng.uniform(*cfg.wobble_wavelength_px, (m, 2, 1)) * k
        phase = rng.uniform(0.0, TAU, (m, 2, 1))
        offset = (amp * np.sin(TAU * s[:, None] / wavelength + phase)).sum(1)  # (m, n)
        if bow:
            arc = np.sin(math.pi * s / np.maximum(s[:, -1:], 1e-9))
            offset += rng.normal(0.0, cfg.bow_px * k, (m, 1)) * arc
        return offset + rng.normal(0.0, cfg.tremor_px * k, s.shape)

    def _segments(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Wobbly polylines `(m, n, 2)` from the points a `(m, 2)` to b `(m, 2)`."""
        d = b - a  # (m, 2)
        length = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)  # (m,)
        n = max(2, int(length.max() / (self.cfg.step_px * self.k)) + 2)
        t = np.linspace(0.0, 1.0, n)  # (n,)
        offset = self._waves(length[:, None] * t, self.cfg.wobble_px, bow=True)  # (m, n)
        normal = np.stack((-d[:, 1], d[:, 0]), axis=1) / length[:, None]  # (m, 2)
        return a[:, None] + t[None, :, None] * d[:, None] + offset[..., None] * normal[:, None]

    # ------------------------------------------------------------ strokes

    def _begin(self, ctx: cairo.Context, width: float) -> None:
        """Set a per-stroke width and pressure (ink opacity)."""
        cfg = self.cfg
        ctx.set_line_width(width * (1.0 + self.rng.normal(0.0, cfg.width_jitter)))
        ctx.set_source_rgba(0, 0, 0, self.rng.uniform(*cfg.pressure))

    def _stroke(self, ctx: cairo.Context, polylines: np.ndarray, width: float) -> None:
        """Stroke polylines `(m, n, 2)` with one pen pressure (one cairo stroke)."""
        self._begin(ctx, width)
        for line in polylines.tolist():
            ctx.move_to(*line[0])
            for x, y in line[1:]:
                ctx.line_to(x, y)
        ctx.stroke()

    def draw(self, ctx: cairo.Context, p: Primitive) -> None:
        cfg, rng, k = self.cfg, self.rng, self.k
        width = rng.uniform(*cfg.width_px) * k
        shift = rng.normal(0.0, cfg.shift_px * k, 2)
        if p.kind in ("circle", "ellipse"):
            axes = (p.r, p.r) if p.kind == "circle" else (p.rx, p.ry)
            self._circle(ctx, np.add(to_pixel(p.x, p.y, self.size), shift), width, *axes)
            return
        if p.kind == "text":
            self._text(ctx, p, shift)
            return
        pts = np.array([to_pixel(x, y, self.size) for x, y in _outline(p)]) + shift
        pts += rng.normal(0.0, cfg.vertex_px * k, pts.shape)  # (c, 2)
        if p.kind == "rectangle" and p.rounded:
            self._rounded(ctx, pts, width)
        elif p.kind in ("rectangle", "diamond"):
            self._rectangle(ctx, pts, width)
        else:
            self._line(ctx, pts, p.arrow, p.dashed, width)

    def _circle(self, ctx: cairo.Context, centre: np.ndarray, width: float, rx: int = 1,
                ry: int = 1) -> None:
        """An ellipse-ish lap with radial bumps that stops short of or overlaps its start;
        rx, ry are the half-axes in units (1, 1: the paper's circle)."""
        cfg, rng = self.cfg, self.rng
        r = self.unit * (1.0 + rng.normal(0.0, cfg.radius_rel))
        sweep = TAU + rng.uniform(*cfg.closure_rad)
        n = max(12, int(sweep * r * max(rx, ry) / (0.75 * cfg.step_px * self.k)))
        lap = np.linspace(0.0, 1.0, n)  # (n,)
        bumps = self._waves((sweep * r * max(rx, ry) * lap)[None], cfg.bump_px,
                            bow=False)[0]  # (n,)
        radius = r * (1.0 + rng.normal(0.0, cfg.drift) * lap)  # (n,) the pen drifts
        axes = 1.0 + rng.normal(0.0, cfg.aspect, 2)  # (2,)
        theta = rng.uniform(0.0, TAU) + sweep * lap * rng.choice((-1.0, 1.0))
        ex = axes[0] * (rx * radius + bumps) * np.cos(theta)
        ey = axes[1] * (ry * radius + bumps) * np.sin(theta)
        rot = rng.uniform(0.0, TAU)
        if rx != ry:  # an ellipse keeps its axes, tilted a little
            rot = math.radians(rng.normal(0.0, cfg.tilt_deg))
        pts = np.stack((ex * math.cos(rot) - ey * math.sin(rot),
                        ex * math.sin(rot) + ey * math.cos(rot)), axis=1) + centre
        self._stroke(ctx, pts[None], width)

    def _text(self, ctx: cairo.Context, p: Text, shift: np.ndarray) -> None:
        """The words in the clean font, a little tilted, shrunk and shifted, in pencil."""
        cfg, rng = self.cfg, self.rng
        x, y, w, h = box_px(p, self.size)
        scale = rng.uniform(*cfg.text_scale)
        ctx.save()
        ctx.translate(x + w / 2 + shift[0], y + h / 2 + shift[1])
        ctx.rotate(math.radians(rng.normal(0.0, cfg.tilt_deg)))
        ctx.set_source_rgba(0, 0, 0, rng.uniform(*cfg.pressure))
        draw_text(ctx, p.text, (-scale * w / 2, -scale * h / 2, scale * w, scale * h))
        ctx.restore()

    def _rectangle(self, ctx: cairo.Context, corners: np.ndarray, width: float) -> None:
        """Four sides `corners (4, 2)`, each running past (or stopping short of) its corners."""
        a, b = corners, np.roll(corners, -1, axis=0)  # (4, 2) side starts and ends
        d = (b - a) / np.maximum(np.hypot(*(b - a).T), 1e-9)[:, None]
        over = self.rng.uniform(*self.cfg.corner_px, (4, 2, 1)) * self.k
        self._stroke(ctx, self._segments(a - over[:, 0] * d, b + over[:, 1] * d), width)

    def _rounded(self, ctx: cairo.Context, corners: np.ndarray, width: float) -> None:
        """Four sides `corners (4, 2)` stopping short of the corners, which are rounded by
        quadratic curves (about quarter circles of ROUND_UNITS)."""
        a, b = corners, np.roll(corners, -1, axis=0)  # (4, 2) side starts and ends
        side = np.maximum(np.hypot(*(b - a).T), 1e-9)  # (4,)
        d = (b - a) / side[:, None]
        rho = min(ROUND_UNITS * self.unit, 0.5 * side.min())
        self._stroke(ctx, self._segments(a + rho * d, b - rho * d), width)
        t = np.linspace(0.0, 1.0, 6)[None, :, None]  # (1, 6, 1)
        start, end = (b - rho * d)[:, None], (b + rho * np.roll(d, -1, axis=0))[:, None]
        arcs = (1 - t) ** 2 * start + 2 * (1 - t) * t * b[:, None] + t ** 2 * end  # (4, 6, 2)
        self._stroke(ctx, arcs + self.rng.normal(0.0, self.cfg.tremor_px * self.k, arcs.shape),
                     width)

    def _line(self, ctx: cairo.Context, vertices: np.ndarray, arrow: bool, dashed: bool,
              width: float) -> None:
        """A shaft through vertices `(c, 2)` (a line's two ends or a path's points), maybe
        dashed, maybe with a head at the last one."""
        legs = self._segments(vertices[:-1], vertices[1:])  # (c - 1, n, 2)
        pts = np.concatenate([legs[0]] + [leg[1:] for leg in legs[1:]])[None]  # (1, m, 2)
        if dashed:
            self._dashes(ctx, pts[0], width)
        else:
            self._stroke(ctx, pts, width)
        if arrow:
            self._arrow_head(ctx, pts[0], width)

    @staticmethod
    def _arc_length(pts: np.ndarray) -> np.ndarray:
        """Cumulative length `(n,)` along a polyline `(n, 2)`."""
        return np.concatenate(([0.0], np.cumsum(np.hypot(*np.diff(pts, axis=0).T))))

    def _dashes(self, ctx: cairo.Context, pts: np.ndarray, width: float) -> None:
        """Cut a polyline `(n, 2)` into dashes of uneven length and spacing."""
        cfg, rng, k = self.cfg, self.rng, self.k
        s = self._arc_length(pts)
        count = int(s[-1] / (k * (cfg.dash_px[0] + cfg.gap_px[0]))) + 2
        dash = rng.uniform(*cfg.dash_px, count) * k
        gap = rng.uniform(*cfg.gap_px, count) * k
        start = np.concatenate(([0.0], np.cumsum(dash + gap)[:-1]))
        start += rng.uniform(0.0, 0.5) * gap[0]
        keep = start < s[-1]
        start, end = start[keep], np.minimum(start[keep] + dash[keep], s[-1])
        ends = np.stack([np.interp(q, s, pts[:, j]) for q in (start, end) for j in (0, 1)], 1)
        self._stroke(ctx, ends.reshape(-1, 2, 2), 0.85 * width)  # dashes are dabbed lightly

    def _barbs(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The tip `(2,)` and the two barbs' ends `(2, 2)` of a head on a shaft `(n, 2)`."""
        cfg, rng, k = self.cfg, self.rng, self.k
        tip = pts[-1]
        s = self._arc_length(pts)
        back_at = max(s[-1] - 8.0 * k, 0.0)
        back = np.array([np.interp(back_at, s, pts[:, 0]), np.interp(back_at, s, pts[:, 1])])
        heading = math.atan2(back[1] - tip[1], back[0] - tip[0])
        half = math.radians(rng.uniform(*cfg.arrow_half_angle_deg))
        angles = heading + np.array([-half, half]) + np.radians(
            rng.normal(0.0, cfg.arrow_angle_jitter_deg, 2))
        length = rng.uniform(*cfg.arrow_length_px) * k * (1.0 + rng.normal(0.0, 0.1, 2))
        return tip, tip + np.stack((np.cos(angles), np.sin(angles)), 1) * length[:, None]

    def _triangle(self, ctx: cairo.Context, tip: np.ndarray, barbs: np.ndarray, width: float,
                  filled: bool) -> None:
        """A closed head: the triangle of the tip and the barbs' ends, outlined or filled."""
        self._begin(ctx, width)
        ctx.move_to(*barbs[0])
        ctx.line_to(*tip)
        ctx.line_to(*barbs[1])
        ctx.close_path()
        if filled:
            ctx.fill_preserve()
        ctx.stroke()

    def _arrow_head(self, ctx: cairo.Context, pts: np.ndarray, width: float) -> None:
        """Two short barbs at the end of a shaft `(n, 2)`: one V, two strokes, or filled."""
        cfg, rng, k = self.cfg, self.rng, self.k
        tip, barbs = self._barbs(pts)
        style = rng.random()
        if style < cfg.arrow_filled_p:
            self._triangle(ctx, tip, barbs, width, filled=True)
        elif style < cfg.arrow_filled_p + cfg.arrow_v_p:
            self._stroke(ctx, np.stack((barbs[0], tip, barbs[1]))[None], width)
        else:
            tips = tip + rng.normal(0.0, 0.5 * k, (2, 2))  # the two strokes meet roughly
            self._stroke(ctx, np.stack((tips, barbs), axis=1), width)


class Pen(_Pen):
    """The pencil pen for renderers that place and label strokes themselves (diagrams): it
    draws one primitive at a time (`draw`) on a context they set up, also closed (outlined)
    arrow heads, and remembers where the last head's tip landed (`tip`, pixels)."""

    def __init__(self, rng: np.random.Generator, size: int, config: NoiseConfig,
                 closed_head_p: float = 0.0):
        super().__init__(rng, size, config)
        self.closed_head_p = closed_head_p
        self.tip: Optional[np.ndarray] = None

    def _arrow_head(self, ctx: cairo.Context, pts: np.ndarray, width: float) -> None:
        self.tip = pts[-1]
        if self.rng.random() >= self.closed_head_p:
            super()._arrow_head(ctx, pts, width)
            return
        self._triangle(ctx, *self._barbs(pts), width, filled=False)
