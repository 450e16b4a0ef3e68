"""Clean renders of specs (array, PNG, SVG) and a sprite cache that composes canvases as tensors.

Geometry follows ../shared/DESIGN.md: the image spans 16 grid units, one unit is size/16 px,
pixel column = unit*x and pixel row = size - unit*y (y up). A spec's ink map is the pixel-wise
max of its primitives' ink maps, so composing cached sprites with `torch.maximum` reproduces
`render_array` exactly (up to the 8-bit storage of the cache). Free-form primitives (shapes.py)
are drawn with the same pen: ellipses, diamonds, rounded corners, paths with an arrow head on
their last leg, and text filled in its box with cairo's toy font API; a diagram larger than the
grid is drawn on a canvas of more `units` (`canvas_units`).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Iterable, Optional, Sequence

import cairo
import numpy as np
import torch
from PIL import Image

from .shapes import Diamond, Ellipse, Polyline, Text
from .spec import GRID_MAX, Circle, Line, Primitive, Rectangle

STROKE_PX_AT_256 = 2.0      # stroke width of the hand drawings
ARROW_LENGTH_UNITS = 0.4    # length of each arrow-head barb
ARROW_HALF_ANGLE = math.pi / 6
DASH_UNITS = 0.25           # dash and gap length of dashed lines
ROUND_UNITS = 0.5           # corner radius of a rounded rectangle (at most half a side)
TEXT_FONT = "sans-serif"    # cairo toy font family of text primitives
TEXT_FILL = 0.85            # the share of its box's width or height text fills at most
_MEASURE_SIZE = 100.0       # font size at which text is measured (hinting is off by a pixel)


def unit_px(size: int) -> float:
    """Pixels per grid unit at this image size."""
    return size / GRID_MAX


def to_pixel(x: float, y: float, size: int) -> tuple[float, float]:
    """Grid coordinates (y up) to cairo device coordinates (y down)."""
    u = unit_px(size)
    return u * x, size - u * y


def arrow_barbs(x1: float, y1: float, x2: float, y2: float, length: float,
                half_angle: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """Ends of the two barbs of an arrow head at (x2, y2) pointing away from (x1, y1).

    Works in any frame (pixel or grid) as long as all arguments share it.
    """
    back = math.atan2(y1 - y2, x1 - x2)
    return tuple((x2 + length * math.cos(back + s * half_angle),
                  y2 + length * math.sin(back + s * half_angle)) for s in (-1, 1))


def _circle(ctx: cairo.Context, p: Circle, size: int) -> None:
    ctx.new_sub_path()
    ctx.arc(*to_pixel(p.x, p.y, size), unit_px(size) * p.r, 0, 2 * math.pi)
    ctx.close_path()
    ctx.stroke()


def box_px(p, size: int) -> tuple[float, float, float, float]:
    """(left, top, width, height) in pixels of a rectangle's or a text's box."""
    (xa, ya), (xb, yb) = to_pixel(p.x1, p.y1, size), to_pixel(p.x2, p.y2, size)
    return min(xa, xb), min(ya, yb), abs(xb - xa), abs(yb - ya)


def _rectangle(ctx: cairo.Context, p: Rectangle, size: int) -> None:
    """A box, its corners rounded (quarter circles of ROUND_UNITS) when p.rounded."""
    x, y, w, h = box_px(p, size)
    if not p.rounded:
        ctx.rectangle(x, y, w, h)
    else:
        rho = min(ROUND_UNITS * unit_px(size), w / 2, h / 2)
        ctx.new_sub_path()
        for cx, cy, start in ((x + w - rho, y + rho, -0.5), (x + w - rho, y + h - rho, 0.0),
                              (x + rho, y + h - rho, 0.5), (x + rho, y + rho, 1.0)):
            ctx.arc(cx, cy, rho, start * math.pi, (start + 0.5) * math.pi)
        ctx.close_path()
    ctx.stroke()


def _polyline(ctx: cairo.Context, pts: list, arrow: bool, dashed: bool, size: int) -> None:
    """A shaft through pixel points `pts`, maybe dashed, maybe with a head at the last one."""
    u = unit_px(size)
    if dashed:
        ctx.set_dash([DASH_UNITS * u, DASH_UNITS * u])
    ctx.move_to(*pts[0])
    for q in pts[1:]:
        ctx.line_to(*q)
    ctx.stroke()
    if arrow:
        ctx.set_dash([])
        (bx, by), (cx, cy) = arrow_barbs(*pts[-2], *pts[-1], ARROW_LENGTH_UNITS * u,
                                         ARROW_HALF_ANGLE)
        ctx.move_to(bx, by)
        ctx.line_to(*pts[-1])
        ctx.line_to(cx, cy)
        ctx.stroke()


def _line(ctx: cairo.Context, p: Line, size: int) -> None:
    pts = [to_pixel(p.x1, p.y1, size), to_pixel(p.x2, p.y2, size)]
    _polyline(ctx, pts, p.arrow, p.dashed, size)


def _path(ctx: cairo.Context, p: Polyline, size: int) -> None:
    _polyline(ctx, [to_pixel(x, y, size) for x, y in p.points], p.arrow, p.dashed, size)


def _ellipse(ctx: cairo.Context, p: Ellipse, size: int) -> None:
    u = unit_px(size)
    ctx.save()
    ctx.translate(*to_pixel(p.x, p.y, size))
    ctx.scale(u * p.rx, u * p.ry)
    ctx.new_sub_path()
    ctx.arc(0, 0, 1, 0, 2 * math.pi)
    ctx.close_path()
    ctx.restore()  # stroke with the unscaled pen
    ctx.stroke()


def _diamond(ctx: cairo.Context, p: Diamond, size: int) -> None:
    ctx.move_to(*to_pixel(p.x - p.rx, p.y, size))
    for x, y in ((p.x, p.y + p.ry), (p.x + p.rx, p.y), (p.x, p.y - p.ry)):
        ctx.line_to(*to_pixel(x, y, size))
    ctx.close_path()
    ctx.stroke()


def draw_text(ctx: cairo.Context, text: str, box: tuple[float, float, float, float]) -> None:
    """Write `text` (lines split at newlines) centred in box (left, top, width, height) px with
    cairo's toy font API, as large as fits in TEXT_FILL of the box; filled, not stroked."""
    x, y, w, h = box
    lines = text.split("\n")
    ctx.select_font_face(TEXT_FONT)
    ctx.set_font_size(_MEASURE_SIZE)
    widths = [ctx.text_extents(line).x_advance / _MEASURE_SIZE for line in lines]
    ascent, _, height = (v / _MEASURE_SIZE for v in ctx.font_extents()[:3])
    font = TEXT_FILL * min(h / (height * len(lines)), w / max(max(widths), 1e-6))
    ctx.set_font_size(font)
    top = y + (h - font * height * len(lines)) / 2 + font * ascent
    for k, line in enumerate(lines):
        ctx.move_to(x + (w - font * widths[k]) / 2, top + k * font * height)
        ctx.show_text(line)
    ctx.new_path()


def _text(ctx: cairo.Context, p: Text, size: int) -> None:
    draw_text(ctx, p.text, box_px(p, size))


_DRAW = {"circle": _circle, "rectangle": _rectangle, "line": _line, "ellipse": _ellipse,
         "diamond": _diamond, "path": _path, "text": _text}


def draw_primitive(ctx: cairo.Context, p: Primitive, size: int) -> None:
    """Stroke one primitive with the context's current source (clean style); text is filled."""
    ctx.set_line_width(STROKE_PX_AT_256 * size / 256)
    ctx.set_dash([])
    _DRAW[p.kind](ctx, p, size)


def canvas_units(spec: Iterable[Primitive]) -> int:
    """Grid units of a square canvas from the origin that holds the spec: the paper's 16, or,
    for a free-form diagram that reaches further, its ink and one unit of margin."""
    far = max((max(p.extent()[2:]) for p in spec), default=0)
    return GRID_MAX if far <= GRID_MAX else far + 1


def _new_context(surface) -> cairo.Context:
    ctx = cairo.Context(surface)
    ctx.set_line_cap(cairo.LINE_CAP_BUTT)
    ctx.set_line_join(cairo.LINE_JOIN_ROUND)
    ctx.set_antialias(cairo.ANTIALIAS_GRAY)
    return ctx


def surface_to_uint8(surface: cairo.ImageSurface) -> np.ndarray:
    """A view of the alpha channel of an A8 surface, uint8 (H, W), 255 = ink."""
    surface.flush()
    h, w = surface.get_height(), surface.get_width()
    return np.frombuffer(surface.get_data(), np.uint8).reshape(h, surface.get_stride())[:, :w]


def surface_to_array(surface: cairo.ImageSurface) -> np.ndarray:
    """The alpha channel of an A8 surface as float32 (H, W) in [0, 1]."""
    return surface_to_uint8(surface).astype(np.float32) / 255.0


def render_uint8(spec: Iterable[Primitive], size: int = 256, units: int = GRID_MAX) -> np.ndarray:
    """Clean ink map as uint8, 255 = ink; `render_array` in 8 bits.

    Each primitive is drawn on its own and the results are combined by pixel-wise max, so the
    map equals the max of single-primitive renders (what SpriteCache composes). `size` is the
    pixel size of the 16-unit grid; a canvas of more `units` (e.g. an extrapolated figure that
    runs off the grid) is size * units / 16 pixels square at the same scale.
    """
    px = round(size * units / GRID_MAX)
    out = np.zeros((px, px), np.uint8)
    surface = cairo.ImageSurface(cairo.FORMAT_A8, px, px)
    ctx = _new_context(surface)
    ctx.translate(0, px - size)  # keep the origin at the bottom-left corner
    for p in spec:
        ctx.set_operator(cairo.OPERATOR_CLEAR)
        ctx.paint()
        ctx.set_operator(cairo.OPERATOR_OVER)
        draw_primitive(ctx, p.canonical(), size)
        np.maximum(out, surface_to_uint8(surface), out=out)
    return out


def render_array(spec: Iterable[Primitive], size: int = 256, units: int = GRID_MAX) -> np.ndarray:
    """Clean ink map of a spec: float32, ink 1, background 0, antialiased (see render_uint8)."""
    return render_uint8(spec, size, units).astype(np.float32) / 255.0


def array_to_png(array: np.ndarray, path) -> None:
    """Write an ink map (1 = ink) as a dark-on-white 8-bit grayscale PNG."""
    ink = np.clip(np.asarray(array, np.float32), 0.0, 1.0)
    Image.fromarray(np.round(255.0 * (1.0 - ink)).astype(np.uint8), mode="L").save(Path(path))


def save_png(spec: Iterable[Primitive], path, size: int = 256, units: int = GRID_MAX) -> None:
    """Clean render as a PNG, dark ink on white like the hand drawings."""
    array_to_png(render_array(spec, size, units), path)


def save_svg(spec: Iterable[Primitive], path, size: int = 256, units: int = GRID_MAX) -> None:
    """Clean render as a vector SVG (black strokes on a white background); `size` and `units`
    as in render_uint8."""
    px = round(size * units / GRID_MAX)
    with cairo.SVGSurface(str(path), px, px) as surface:
        ctx = _new_context(surface)
        ctx.set_source_rgb(1, 1, 1)
        ctx.paint()
        ctx.set_source_rgb(0, 0, 0)
        ctx.translate(0, px - size)  # keep the origin at the bottom-left corner
        for p in spec:
            draw_primitive(ctx, p.canonical(), size)


# ---------------------------------------------------------------- sprite cache

class SpriteCache:
    """Rasterises each distinct primitive once and composes canvases from the kept sprites.

    Sprites live in one preallocated bank tensor `(capacity, H, W)` on `device`, grown by
    doubling; row 0 is blank and stands for "no primitive". Canvases are stored as uint8
    (255 = ink) by default: max-composition is exact in 8 bits, and a uint8 gather + max over
    256 canvases of 256x256 costs a quarter of the float32 one. `to_float` gives models
    float32 in [0, 1].
    """

    BLANK = 0

    def __init__(self, size: int = 256, device="cpu", dtype: torch.dtype = torch.uint8,
                 capacity: int = 64):
        self.size = size
        self.device = torch.device(device)
        self.dtype = dtype
        self._bank = torch.zeros((max(capacity, 2), size, size), dtype=dtype,
                                 device=self.device)  # (capacity, H, W)
        self._ids: dict[Primitive, int] = {}
        self._count = 1  # row 0 is the blank sprite
        self._scratch: Optional[torch.Tensor] = None  # (B, H, W) gather buffer

    def __len__(self) -> int:
        """Number of distinct primitives cached."""
        return self._count - 1

    def index(self, p: Optional[Primitive]) -> int:
        """Stable id of the primitive's sprite in the bank, rasterising it on first use."""
        if p is None:
            return self.BLANK
        key = p.canonical()
        i = self._ids.get(key)
        if i is None:
            i = self._add(key)
        return i

    def indices(self, primitives: Sequence[Optional[Primitive]]) -> torch.Tensor:
        """Ids of several primitives (None -> blank) as a LongTensor on the cache's device."""
        return torch.tensor([self.index(p) for p in primitives], dtype=torch.long,
                            device=self.device)

    def _add(self, p: Primitive) -> int:
        if self._count == self._bank.shape[0]:
            grown = torch.zeros((2 * self._count, self.size, self.size), dtype=self.dtype,
                                device=self.device)
            grown[:self._count] = self._bank
            self._bank = grown
        ink = render_uint8([p], self.size)  # (H, W), 255 = ink
        if self.dtype != torch.uint8:
            ink = ink.astype(np.float32) / 255.0
        if self.device.type == "cpu":  # a plain memcpy: small torch copies wake the thread pool
            self._bank[self._count].numpy()[...] = ink
        else:
            self._bank[self._count].copy_(torch.from_numpy(ink))
        self._ids[p] = self._count
        self._count += 1
        return self._count - 1

    def sprite(self, p: Optional[Primitive]) -> torch.Tensor:
        """The primitive's sprite `(H, W)` in the cache's dtype (None -> blank)."""
        return self._bank[self.index(p)]

    def blank(self, batch: int) -> torch.Tensor:
        """Empty canvases `(B, H, W)`."""
        return torch.zeros((batch, self.size, self.size), dtype=self.dtype, device=self.device)

    def extend_indices(self, canvases: torch.Tensor, idx: torch.Tensor,
                       out: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Add sprite `idx[b]` to canvas b, all at once.

        Args:
            canvases: `(B, H, W)` in the cache's dtype and device.
            idx: `(B,)` sprite ids (`BLANK` leaves a canvas unchanged).
            out: where to write; pass `canvases` to update in place (fastest, what SMC wants).
        Returns:
            `(B, H, W)` canvases.
        """
        idx = idx.to(device=self.device, dtype=torch.long)
        if out is None:
            out = self._bank.index_select(0, idx)  # (B, H, W)
            return torch.maximum(out, canvases, out=out)
        # Reusing one gather buffer avoids page-faulting a fresh B*H*W block on every step.
        if self._scratch is None or self._scratch.shape[0] != idx.shape[0]:
            self._scratch = self.blank(idx.shape[0])
        torch.index_select(self._bank, 0, idx, out=self._scratch)  # (B, H, W)
        return torch.maximum(canvases, self._scratch, out=out)

    def extend(self, canvases: torch.Tensor, primitives: Sequence[Optional[Primitive]],
               out: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Add one primitive per canvas (None = unchanged); see `extend_indices`."""
        return self.extend_indices(canvases, self.indices(primitives), out=out)

    def compose(self, specs: Sequence[Iterable[Primitive]]) -> torch.Tensor:
        """Canvases `(B, H, W)` of several specs: pixel-wise max of their sprites."""
        ids = [[self.index(p) for p in spec] for spec in specs]
        depth = max((len(row) for row in ids), default=0)
        table = torch.tensor([row + [self.BLANK] * (depth - len(row)) for row in ids],
                             dtype=torch.long).reshape(len(ids), depth)  # (B, K)
        table = table.t().contiguous().to(self.device)  # (K, B)
        canvases = self.blank(len(ids))
        for column in table:
            self.extend_indices(canvases, column, out=canvases)
        return canvases

    @staticmethod
    def to_float(canvases: torch.Tensor) -> torch.Tensor:
        """Canvases as float32 in [0, 1], the models' input format."""
        if canvases.dtype == torch.uint8:
            return canvases.to(torch.float32).div_(255.0)
        return canvases.to(torch.float32)
