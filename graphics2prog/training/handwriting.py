"""Words that look handwritten at a distance: font glyphs slanted, tilted and warped.

Cairo's toy font API lays out the words (a script font where one is installed, else plain
ones); the outline is flattened and each point displaced by a smooth random field, so letters
wobble and the baseline waves, then it is filled (and maybe edged, for a broader nib).
Legibility does not matter: a segmentation network only has to tell writing from shapes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cairo
import numpy as np

# Script and plain families; cairo falls back to a default where one is missing.
FONTS = ("Z003", "TeX Gyre Chorus", "URW Gothic", "DejaVu Sans", "Nimbus Sans Narrow",
         "Liberation Sans Narrow", "TeX Gyre Adventor", "Lato Light")
_MEASURE = 100.0


@dataclass(frozen=True)
class Hand:
    """One writer's hand: font, slant (shear), size within the box, wobble and nib."""

    font: str
    slant: float        # x shift per unit of height (right-leaning > 0)
    fill: float         # the share of its box the words fill at most
    wobble: float       # displacement, in font sizes
    edge_px: float      # extra outline width (0: glyphs as the font has them)


def random_hand(rng: np.random.Generator, width_px: float) -> Hand:
    """A writer's hand for a pen of about `width_px`."""
    return Hand(str(rng.choice(FONTS)), float(rng.uniform(-0.1, 0.35)),
                float(rng.uniform(0.75, 0.98)), float(rng.uniform(0.02, 0.09)),
                float(rng.uniform(0.0, 0.6) * width_px))


def write(ctx: cairo.Context, text: str, box: tuple[float, float, float, float], hand: Hand,
          rng: np.random.Generator) -> None:
    """Write `text` (lines split at newlines) in pixel box (left, top, width, height) with the
    context's source, upwards when the box is tall and narrow (a lane's name)."""
    x, y, w, h = box
    lines = text.split("\n")
    upright = h > 1.6 * w and len(lines) == 1
    if upright:
        w, h = h, w
    ctx.save()
    ctx.select_font_face(hand.font)
    ctx.set_font_size(_MEASURE)
    widths = [max(ctx.text_extents(s).x_advance, 1e-6) / _MEASURE for s in lines]
    ascent, descent, height = (v / _MEASURE for v in ctx.font_extents()[:3])
    size = hand.fill * min(h / (height * len(lines)), w / max(widths))
    ctx.translate(x + box[2] / 2, y + box[3] / 2)
    ctx.rotate(math.radians(rng.normal(0.0, 2.0)) - (math.pi / 2 if upright else 0.0))
    ctx.transform(cairo.Matrix(1.0, 0.0, -hand.slant, 1.0, 0.0, 0.0))
    ctx.set_font_size(size)
    top = -size * height * len(lines) / 2 + size * ascent
    for k, line in enumerate(lines):
        ctx.move_to(-size * widths[k] / 2 + rng.normal(0.0, 0.1) * size,
                    top + k * size * height)
        ctx.text_path(line)
    _warp_path(ctx, size * hand.wobble, size, rng)
    if hand.edge_px > 0.2:
        ctx.fill_preserve()
        ctx.identity_matrix()
        ctx.set_line_width(hand.edge_px)
        ctx.stroke()
    else:
        ctx.fill()
    ctx.restore()


def _warp_path(ctx: cairo.Context, amplitude: float, size: float,
               rng: np.random.Generator) -> None:
    """Replace the current path by its flattened outline, each point moved by a smooth random
    field (two waves across, one along the line) of about `amplitude` user units."""
    ctx.set_tolerance(0.25)
    path = list(ctx.copy_path_flat())
    ctx.new_path()
    pts = np.array([p for kind, p in path if kind != cairo.PATH_CLOSE_PATH], float)
    if not len(pts):
        return
    wavelength = size * rng.uniform(0.6, 2.0, 3)
    phase = rng.uniform(0.0, 2 * math.pi, 3)
    dx = amplitude * np.sin(2 * math.pi * pts[:, 1] / wavelength[0] + phase[0])
    dy = amplitude * (np.sin(2 * math.pi * pts[:, 0] / wavelength[1] + phase[1])
                      + 0.5 * np.sin(2 * math.pi * pts[:, 0] / (4 * wavelength[2]) + phase[2]))
    moved = (pts + np.stack((dx, dy), 1)).tolist()
    i = 0
    for kind, _ in path:
        if kind == cairo.PATH_CLOSE_PATH:
            ctx.close_path()
            continue
        (ctx.move_to if kind == cairo.PATH_MOVE_TO else ctx.line_to)(*moved[i])
        i += 1
