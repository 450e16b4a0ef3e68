"""A free-form diagram photo to a spec: the stroke network reads every pixel (stroke_maps.py),
shapes come from the regions its outlines close (diagram_shapes.py), arrows from its arrow
strokes and heads (diagram_arrows.py), and everything is put on the drawing's own grid.

The grid: one unit is `1 / GRID_CELLS` of the photo's long side (so a canvas of at least
GRID_CELLS // 2 units either way for any sane aspect), fine enough that corners, junctions and
arrow ends keep their places to about 0.4% of the photo. Grid (x, y) runs from the photo's
bottom-left corner, y up; `image_from_grid` maps it back onto the photo's pixels.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch

from ..models.strokes import StrokeNet
from ..shapes import Diamond, Ellipse, Polyline
from ..spec import Circle, Primitive, Rectangle, Spec
from .diagram_arrows import ArrowConfig, FoundArrow, find_arrows
from .diagram_shapes import (FoundShape, ShapeConfig, crossed_sides, explained_by, find_shapes,
                             outlines)
from .stroke_maps import StrokeMaps, read_strokes

GRID_CELLS = 256      # grid units along the photo's long side
ROUND_ENOUGH = 0.15   # an ellipse whose half-axes differ by less than this share is a circle


@dataclass
class DiagramParse:
    """What the diagram parser found, in grid units, and how the grid sits on the photo."""
    spec: Spec
    image_from_grid: np.ndarray            # (3, 3) grid (x, y, 1) -> photo (col, row, w)
    maps: StrokeMaps                       # the network's reading


def grid_transform(height: int, width: int, cells: int = GRID_CELLS) -> np.ndarray:
    """image_from_grid of a photo: unit = long side / cells, origin bottom-left, y up."""
    unit = max(height, width) / cells
    return np.array([[unit, 0.0, 0.0], [0.0, -unit, float(height)], [0.0, 0.0, 1.0]])


class ToGrid:
    """Reading pixels (x right, y down) to integer grid units."""

    def __init__(self, scale: float, image_from_grid: np.ndarray):
        self.scale = scale
        self.unit = image_from_grid[0, 0]
        self.height = image_from_grid[1, 2]

    def x(self, col: float) -> int:
        return int(round(col / self.scale / self.unit))

    def y(self, row: float) -> int:
        return int(round((self.height - row / self.scale) / self.unit))

    def length(self, px: float) -> int:
        return max(1, int(round(px / self.scale / self.unit)))


def shape_primitive(s: FoundShape, g: ToGrid) -> Optional[Primitive]:
    """The spec primitive of a found shape (None when it shrinks to nothing on the grid)."""
    x1, y1, x2, y2 = s.box
    gx1, gx2, gy1, gy2 = g.x(x1), g.x(x2), g.y(y2), g.y(y1)
    if gx1 >= gx2 or gy1 >= gy2:
        return None
    if s.kind == "rectangle":
        return Rectangle(gx1, gy1, gx2, gy2, s.rounded)
    cx, cy = g.x((x1 + x2) / 2), g.y((y1 + y2) / 2)
    rx, ry = g.length((x2 - x1) / 2), g.length((y2 - y1) / 2)
    if s.kind == "diamond":
        return Diamond(cx, cy, rx, ry)
    if abs(rx - ry) <= ROUND_ENOUGH * max(rx, ry):
        return Circle(cx, cy, max(2, round((rx + ry) / 2)))  # r 1 is the paper's circle
    return Ellipse(cx, cy, rx, ry)


def arrow_primitive(a: FoundArrow, g: ToGrid) -> Optional[Primitive]:
    """The path primitive of a found arrow (None when its ends meet on the grid)."""
    points = []
    for x, y in a.points:
        q = (g.x(x), g.y(y))
        if not points or q != points[-1]:
            points.append(q)
    if len(points) < 2:
        return None
    return Polyline(tuple(points), a.arrow, a.dashed)


@dataclass(frozen=True)
class DiagramConfig:
    """The parser's settings (each part's own defaults live in its config)."""
    shapes: ShapeConfig = ShapeConfig()
    arrows: ArrowConfig = ArrowConfig()
    cells: int = GRID_CELLS
    explained_px: int = 11   # width of the band round a found outline where arrows start
    crossed_side: float = 150.0  # px: rectangles with sides this long (a long line's length,
                                 # LineConfig.length) are pools or lanes that arrows may cross
                                 # (held-out flows F1 0.786 -> 0.794, dashed 0.639 -> 0.658;
                                 # with merges at a T, 130 train photos and dev: no change)


def parse_diagram(model: StrokeNet, rgb: np.ndarray, device=torch.device("cpu"),
                  config: DiagramConfig = DiagramConfig(), decoded_at: float = 1.0
                  ) -> DiagramParse:
    """Shapes and arrows of a uint8 RGB photo, on the photo's own grid. `decoded_at`: the
    factor the photo was decoded at (a large JPEG is decoded reduced); the grid and
    image_from_grid refer to the original photo's pixels."""
    maps = read_strokes(model, rgb, device)
    shapes = find_shapes(maps, config.shapes)
    explained = explained_by(shapes, maps.labels.shape, config.explained_px)
    drawn = outlines(shapes, maps.labels.shape, config.explained_px)
    crossed = crossed_sides(shapes, maps.labels.shape, config.explained_px, config.crossed_side)
    arrows = find_arrows(maps, config.arrows, explained, drawn, crossed)
    height, width = (round(n / decoded_at) for n in rgb.shape[:2])
    image_from_grid = grid_transform(height, width, config.cells)
    g = ToGrid(maps.scale * decoded_at, image_from_grid)
    found = [shape_primitive(s, g) for s in shapes] + [arrow_primitive(a, g) for a in arrows]
    return DiagramParse(Spec(p for p in found if p is not None), image_from_grid, maps)
