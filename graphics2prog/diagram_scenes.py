"""Synthetic box-and-arrow diagrams (flowcharts, process models) with a stroke class per primitive.

A diagram is a loose grid of nodes (boxes, rounded boxes, circles, ellipses, diamonds, data
objects, data stores) joined by arrows (straight, orthogonal with bends, a few diagonal, some
dashed, some joining another arrow), maybe inside pools split into lanes with a header strip,
with handwritten words in boxes, beside nodes and along arrows, and a few stray marks. It is
made of the free-form primitives (shapes.py, spec.py; integer grid units, origin bottom-left,
y up), each tagged with the class of the strokes it draws (`STROKE_CLASSES`), which is what a
segmentation network learns to tell apart per pixel (training/diagram_synth.py draws them).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple, Optional

import numpy as np

from .shapes import Diamond, Ellipse, Polyline, Text
from .spec import Circle, Primitive, Rectangle, Spec, spec_to_dict

# The label of each pixel; the order is the label map's values (the integrator relies on it).
STROKE_CLASSES = ("background", "rectangle", "ellipse", "diamond", "arrow", "head", "text",
                  "other")
(BACKGROUND, RECTANGLE, ELLIPSE, DIAMOND, ARROW, HEAD, TEXT, OTHER) = range(len(STROKE_CLASSES))

NODE_KINDS = ("box", "rounded", "circle", "ellipse", "diamond", "data", "store")
_LETTERS = np.array(list("etaoinshrdlucmfwygpbvkxjqz"))
# English letter frequencies, as a cumulative distribution to draw letters from
_LETTER_CDF = np.cumsum([12.7, 9.1, 8.2, 7.5, 7.0, 6.7, 6.3, 6.1, 6.0, 4.3, 4.0, 2.8, 2.8, 2.4,
                         2.2, 2.4, 2.0, 2.0, 1.9, 1.5, 1.0, 0.8, 0.2, 0.2, 0.1, 0.1])
_LETTER_CDF /= _LETTER_CDF[-1]
_LETTER_WIDTH = 0.5   # a handwritten letter's width / the line height


@dataclass(frozen=True)
class DiagramConfig:
    """How diagrams are sampled; (lo, hi) pairs are uniform ranges, lengths in grid units."""

    width: tuple[int, int] = (60, 160)              # canvas width
    aspect: tuple[float, float] = (0.5, 1.5)        # canvas height / width
    nodes: tuple[int, int] = (3, 30)
    margin: tuple[int, int] = (2, 6)                # empty border of the canvas
    blank_p: float = 0.03                           # nothing drawn at all
    words_only_p: float = 0.05                      # only words, no diagram
    pool_p: float = 0.55                            # the nodes sit in a pool (container)
    two_pools_p: float = 0.5                        # of pooled diagrams: two pools, one above
    collapsed_p: float = 0.4                        # of two pools: one is a bare named band
    max_lanes: int = 4
    lane_header_p: float = 0.5                      # lanes get their own header strip
    node_weights: tuple[float, ...] = (0.1, 0.32, 0.25, 0.06, 0.18, 0.06, 0.03)  # NODE_KINDS
    # sizes / canvas long side, 5-95 % of hdBPMN's training tasks, events and gateways
    box_half: tuple[float, float] = (0.028, 0.08)           # a box's half width
    box_half_height: tuple[float, float] = (0.016, 0.043)
    round_half: tuple[float, float] = (0.01, 0.026)         # a circle's or diamond's radius
    typical_nodes: int = 15                         # with fewer, nodes and words are larger
    double_circle_p: float = 0.3
    icon_p: float = 0.35                            # an icon inside a circle
    gateway_mark_p: float = 0.6                     # an X or + inside a diamond
    chain_p: float = 0.85                           # neighbours in a row are joined
    cross_edges: float = 0.8                        # arrows between rows, per row
    loop_p: float = 0.15                            # a row has an arrow looping back
    diagonal_p: float = 0.1
    dashed_p: float = 0.15
    headless_p: float = 0.05
    join_p: float = 0.3                             # an arrow ends on another arrow
    box_label_p: float = 0.9
    side_label_p: float = 0.6                       # words beside a circle or diamond
    arrow_label_p: float = 0.25
    line_height: tuple[float, float] = (0.016, 0.034)  # a line of words / canvas long side
    free_words: tuple[int, int] = (0, 4)
    stray_marks: tuple[int, int] = (0, 3)


@dataclass(frozen=True)
class DiagramScene:
    """A diagram: its primitives in drawing order, the stroke class of each (an index into
    STROKE_CLASSES) and the canvas size in grid units."""

    primitives: tuple[Primitive, ...]
    classes: tuple[int, ...]
    width: int
    height: int

    @property
    def spec(self) -> Spec:
        return Spec(self.primitives)


def scene_to_dict(scene: DiagramScene) -> dict:
    """The scene as JSON: the spec's format (its primitives in drawing order), the canvas
    size and each primitive's stroke class by name."""
    return {"width": scene.width, "height": scene.height, **spec_to_dict(scene.primitives),
            "classes": [STROKE_CLASSES[c] for c in scene.classes]}


class _Node(NamedTuple):
    kind: str
    x: int
    y: int
    hw: int   # half width and half height of its outline
    hh: int
    row: int
    region: int

    def port(self, side: str) -> tuple[int, int]:
        dx, dy = {"left": (-1, 0), "right": (1, 0), "top": (0, 1), "bottom": (0, -1)}[side]
        return self.x + dx * self.hw, self.y + dy * self.hh

    def box(self, pad: float = 0.0) -> tuple[float, float, float, float]:
        return (self.x - self.hw - pad, self.y - self.hh - pad, self.x + self.hw + pad,
                self.y + self.hh + pad)


class _Builder:
    """Collects primitives with their classes, and the boxes words must keep clear of."""

    def __init__(self, rng: np.random.Generator, config: DiagramConfig, width: int,
                 height: int):
        self.rng, self.cfg, self.width, self.height = rng, config, width, height
        self.items: list[tuple[Primitive, int]] = []
        self.taken: list[tuple[float, float, float, float]] = []
        self.bands: list[tuple[int, int, int, int]] = []   # collapsed pools
        self.zoom = 1.0   # node and word sizes / those of a typical diagram
        self.line_height = rng.uniform(*config.line_height) * max(width, height)

    def add(self, p: Primitive, cls: int) -> None:
        self.items.append((p, cls))
        if cls == TEXT:
            self.taken.append(p.extent())

    def path(self, points, cls: int, arrow: bool = False, dashed: bool = False) -> None:
        pts = [(int(x), int(y)) for x, y in points]
        pts = [q for i, q in enumerate(pts) if i == 0 or q != pts[i - 1]]
        if len(pts) >= 2:
            self.add(Polyline(tuple(pts), arrow, dashed), cls)
            self.taken += [(min(p[0], q[0]) - 0.5, min(p[1], q[1]) - 0.5, max(p[0], q[0]) + 0.5,
                            max(p[1], q[1]) + 0.5) for p, q in zip(pts, pts[1:])]

    def covers(self, box: tuple) -> bool:
        """Whether the box (x1, y1, x2, y2) overlaps a node, a path's leg or words."""
        if not self.taken:
            return False
        t = np.asarray(self.taken)
        return bool(np.any((t[:, 0] < box[2]) & (box[0] < t[:, 2]) & (t[:, 1] < box[3])
                           & (box[1] < t[:, 3])))

    def box(self, x1: int, y1: int, x2: int, y2: int, rounded: bool, cls: int) -> None:
        """A box: a rounded rectangle, or, as the paper's plain rectangle must stay on its
        16-unit grid, a closed path round the four corners (drawn alike)."""
        if rounded:
            self.add(Rectangle(x1, y1, x2, y2, True), cls)
        else:
            self.path([(x1, y1), (x2, y1), (x2, y2), (x1, y2), (x1, y1)], cls)

    def circle(self, x: int, y: int, r: int, cls: int) -> None:
        """A circle; of radius 1 an ellipse (the paper's circle must stay on its grid)."""
        self.add(Circle(x, y, r) if r > 1 else Ellipse(x, y, 1, 1), cls)

    def scene(self) -> DiagramScene:
        return DiagramScene(tuple(p for p, _ in self.items), tuple(c for _, c in self.items),
                            self.width, self.height)


def sample_diagram(rng: np.random.Generator, config: DiagramConfig = DiagramConfig()
                   ) -> DiagramScene:
    """A random diagram (see the module doc); the same generator state gives the same one."""
    width = int(rng.integers(config.width[0], config.width[1] + 1))
    height = max(10, round(width * rng.uniform(*config.aspect)))
    b = _Builder(rng, config, width, height)
    draw = rng.random()
    if draw < config.blank_p:
        return b.scene()
    if draw >= config.blank_p + config.words_only_p:
        nodes = _nodes(b)
        for node in nodes:
            _draw_node(b, node)
        paths = _edges(b, nodes)
        _joins(b, nodes, paths)
        _band_flows(b, nodes)
        _node_labels(b, nodes)
        _arrow_labels(b, paths)
    for _ in range(int(rng.integers(config.free_words[0], config.free_words[1] + 1))):
        _free_words(b)
    for _ in range(int(rng.integers(config.stray_marks[0], config.stray_marks[1] + 1))):
        _stray_mark(b)
    return b.scene()


# ---------------------------------------------------------------- layout

def _bands(rng: np.random.Generator, lo: float, hi: float, count: int) -> np.ndarray:
    """count + 1 boundaries from lo to hi of bands of uneven size (varied spacing)."""
    weights = rng.uniform(0.6, 1.4, count)
    return lo + (hi - lo) * np.concatenate(([0.0], np.cumsum(weights) / weights.sum()))


def _regions(b: _Builder) -> list[tuple[float, float, float, float, bool]]:
    """Where nodes go: (x1, y1, x2, y2, pooled) per region; draws the pools' outlines."""
    cfg, rng = b.cfg, b.rng
    m = int(rng.integers(cfg.margin[0], cfg.margin[1] + 1))
    x1, y1, x2, y2 = m, m, b.width - m, b.height - m
    if rng.random() >= cfg.pool_p:
        return [(x1, y1, x2, y2, False)]
    boxes = [(x1, y1, x2, y2)]
    if rng.random() < cfg.two_pools_p and y2 - y1 > 30:
        gap = int(rng.integers(1, 4))
        if rng.random() < cfg.collapsed_p:   # one pool is a thin band: a partner's black box
            band = max(3, round(rng.uniform(0.05, 0.1) * (y2 - y1)))
            boxes = [(x1, y1 + band + gap, x2, y2), (x1, y1, x2, y1 + band)]
            if rng.random() < 0.5:
                boxes = [(x1, y1, x2, y2 - band - gap), (x1, y2 - band, x2, y2)]
            b.box(*boxes.pop(), bool(rng.random() < 0.3), RECTANGLE)
            b.bands.append(b.items[-1][0].extent())
            _band_name(b, *b.bands[-1])
        else:
            split = round(rng.uniform(0.4, 0.6) * (y2 - y1)) + y1
            boxes = [(x1, split + gap, x2, y2), (x1, y1, x2, split - gap)]
    header = max(2, round(rng.uniform(0.025, 0.05) * b.width))
    out = []
    for bx1, by1, bx2, by2 in boxes:
        b.box(bx1, by1, bx2, by2, bool(rng.random() < 0.15), RECTANGLE)
        b.path([(bx1 + header, by1), (bx1 + header, by2)], RECTANGLE)
        _vertical_words(b, bx1, by1, bx1 + header, by2)
        out.append((bx1 + header, by1, bx2, by2, True))
    return out


def _nodes(b: _Builder) -> list[_Node]:
    """Nodes on a loose grid of rows and columns in each region (pools get lanes)."""
    cfg, rng = b.cfg, b.rng
    regions = _regions(b)
    total = int(rng.integers(cfg.nodes[0], cfg.nodes[1] + 1))
    # a few nodes fill the photo as many do: whoever takes it frames the drawing
    b.zoom = float(np.clip(math.sqrt(cfg.typical_nodes / total), 0.8, 2.0))
    b.line_height *= b.zoom
    nodes: list[_Node] = []
    for k, (x1, y1, x2, y2, pooled) in enumerate(regions):
        n = max(1, total // len(regions))
        cols = int(np.clip(round(math.sqrt(n * (x2 - x1) / (y2 - y1) * rng.uniform(0.5, 1.2))),
                           1, n))
        rows = math.ceil(n / cols)
        xs = _bands(rng, x1 + 1, x2 - 1, cols)
        ys = _bands(rng, y1 + 1, y2 - 1, rows)
        if pooled:
            _lanes(b, x1, x2, ys)
        cells = rng.choice(rows * cols, n, replace=False)
        for cell in sorted(int(c) for c in cells):
            r, c = divmod(cell, cols)
            node = _node(b, xs[c], xs[c + 1], ys[rows - 1 - r], ys[rows - r], r, k)
            if node is not None:
                nodes.append(node)
    return nodes


def _lanes(b: _Builder, x1: float, x2: float, ys: np.ndarray) -> None:
    """Horizontal lane dividers between some bands of rows, maybe with a lane header strip."""
    rng = b.rng
    rows = len(ys) - 1
    lanes = int(rng.integers(1, min(rows, b.cfg.max_lanes) + 1))
    if lanes < 2:
        return
    cuts = sorted(int(c) for c in rng.choice(np.arange(1, rows), lanes - 1, replace=False))
    bounds = [ys[0]] + [ys[c] for c in cuts] + [ys[-1]]
    header = 0
    if rng.random() < b.cfg.lane_header_p:
        header = max(2, round(rng.uniform(0.02, 0.04) * b.width))
        b.path([(x1 + header, bounds[0] - 1), (x1 + header, bounds[-1] + 1)], RECTANGLE)
    for lo, hi in zip(bounds, bounds[1:]):
        if header:
            _vertical_words(b, x1, round(lo), x1 + header, round(hi))
        if hi != bounds[-1]:
            b.path([(x1, round(hi)), (x2, round(hi))], RECTANGLE)


def _node(b: _Builder, left: float, right: float, bottom: float, top: float, row: int,
          region: int) -> Optional[_Node]:
    """A node of a random kind and size within the cell, jittered off its centre."""
    rng, cfg = b.rng, b.cfg
    w, h = right - left, top - bottom
    p = np.asarray(cfg.node_weights, float)
    kind = NODE_KINDS[int(rng.choice(len(NODE_KINDS), p=p / p.sum()))]
    long = max(b.width, b.height) * b.zoom
    if kind in ("box", "rounded"):
        hw = min(rng.uniform(*cfg.box_half) * long, 0.42 * w)
        hh = min(rng.uniform(*cfg.box_half_height) * long, 0.4 * h, 0.95 * hw)
    elif kind in ("circle", "diamond", "ellipse"):
        hw = min(rng.uniform(*cfg.round_half) * long, 0.3 * min(w, h))
        hh = hw * (rng.uniform(0.6, 0.9) if kind == "ellipse" else 1.0)
    else:   # data object or store: a small icon
        hw = min(0.8 * rng.uniform(*cfg.round_half) * long, 0.25 * min(w, h))
        hh = hw * rng.uniform(1.2, 1.6)
    hw, hh = max(1, round(hw)), max(1, round(hh))
    if kind in ("data", "store") and hw < 2:
        return None
    cx = (left + right) / 2 + rng.uniform(-0.15, 0.15) * (w - 2 * hw)
    cy = (bottom + top) / 2 + rng.uniform(-0.15, 0.15) * (h - 2 * hh)
    return _Node(kind, round(cx), round(cy), hw, hh, row, region)


# ---------------------------------------------------------------- nodes

def _draw_node(b: _Builder, n: _Node) -> None:
    """A node's outline and, for events and gateways, the marks inside."""
    rng, cfg = b.rng, b.cfg
    x1, y1, x2, y2 = (int(v) for v in n.box())
    b.taken.append(n.box(0.5))
    if n.kind in ("box", "rounded"):
        b.box(x1, y1, x2, y2, n.kind == "rounded", RECTANGLE)
    elif n.kind == "ellipse":
        b.add(Ellipse(n.x, n.y, n.hw, n.hh), ELLIPSE)
    elif n.kind == "circle":
        b.circle(n.x, n.y, n.hw, ELLIPSE)
        if n.hw >= 2 and rng.random() < cfg.double_circle_p:
            b.circle(n.x, n.y, n.hw - 1, ELLIPSE)
        if n.hw >= 3 and rng.random() < cfg.icon_p:
            _envelope(b, n.x, n.y, max(1, n.hw // 2))
    elif n.kind == "diamond":
        b.add(Diamond(n.x, n.y, n.hw, n.hh), DIAMOND)
        a = max(1, n.hw // 2)
        if rng.random() < cfg.gateway_mark_p:
            if rng.random() < 0.5:   # X
                b.path([(n.x - a, n.y - a), (n.x + a, n.y + a)], OTHER)
                b.path([(n.x - a, n.y + a), (n.x + a, n.y - a)], OTHER)
            else:   # +
                b.path([(n.x - a, n.y), (n.x + a, n.y)], OTHER)
                b.path([(n.x, n.y - a), (n.x, n.y + a)], OTHER)
    elif n.kind == "data":
        f = max(1, n.hw // 2)   # the folded corner
        b.path([(x2 - f, y2), (x1, y2), (x1, y1), (x2, y1), (x2, y2 - f), (x2 - f, y2),
                (x2 - f, y2 - f), (x2, y2 - f)], OTHER)
    else:
        _store(b, n)


def _envelope(b: _Builder, x: int, y: int, a: int) -> None:
    """A letter icon inside an event circle: a small box and its flap."""
    h = max(1, round(0.7 * a))
    b.box(x - a, y - h, x + a, y + h, False, OTHER)
    b.path([(x - a, y + h), (x, y), (x + a, y + h)], OTHER)


def _store(b: _Builder, n: _Node) -> None:
    """A data store: a cylinder (top ellipse, two sides and the bottom's front arc)."""
    ry = max(1, n.hh // 3)
    top, bottom = n.y + n.hh - ry, n.y - n.hh + ry
    b.add(Ellipse(n.x, top, n.hw, ry), OTHER)
    b.path([(n.x - n.hw, top), (n.x - n.hw, bottom)], OTHER)
    b.path([(n.x + n.hw, top), (n.x + n.hw, bottom)], OTHER)
    arc = [(n.x + n.hw * math.cos(t), bottom - ry * math.sin(t))
           for t in np.linspace(math.pi, 2 * math.pi, 7)[::-1]]
    b.path([(round(x), round(y)) for x, y in arc], OTHER)


# ---------------------------------------------------------------- arrows

def _route(b: _Builder, a: _Node, c: _Node, dashed: bool) -> list[tuple[int, int]]:
    """Points of an arrow from node a to node c: straight, orthogonal with bends (round the
    row's nodes when it loops back) or diagonal (solid ones only for short hops)."""
    rng = b.rng
    near = math.dist((a.x, a.y), (c.x, c.y)) < 0.25 * max(b.width, b.height)
    if rng.random() < b.cfg.diagonal_p and (dashed or near):
        side = ("right", "left") if c.x >= a.x else ("left", "right")
        return [a.port(side[0]), c.port(side[1])]
    same_row = abs(c.y - a.y) <= min(a.hh, c.hh)
    if same_row and c.x < a.x - a.hw - c.hw and rng.random() < 0.8:   # a loop back, round
        side = "bottom" if rng.random() < 0.6 else "top"
        sign = -1 if side == "bottom" else 1
        y = sign * max(sign * a.port(side)[1], sign * c.port(side)[1]) + sign * int(
            rng.integers(2, 5))
        return [a.port(side), (a.x, y), (c.x, y), c.port(side)]
    if same_row and abs(c.x - a.x) > a.hw + c.hw:
        side = ("right", "left") if c.x > a.x else ("left", "right")
        (ax, ay), (cx, cy) = a.port(side[0]), c.port(side[1])
        if ay == cy or rng.random() < 0.5:
            y = round((ay + cy) / 2) if abs(ay - cy) < 2 else ay
            return [(ax, y), (cx, y)]
        mx = round((ax + cx) / 2)
        return [(ax, ay), (mx, ay), (mx, cy), (cx, cy)]
    up = c.y > a.y
    if rng.random() < 0.5 and abs(c.x - a.x) > a.hw + c.hw:   # across, then up or down
        (ax, ay) = a.port("right" if c.x > a.x else "left")
        return [(ax, ay), (c.x, ay), c.port("bottom" if up else "top")]
    (ax, ay) = a.port("top" if up else "bottom")
    if abs(c.x - a.x) <= min(a.hw, c.hw):
        return [(ax, ay), (ax, c.port("bottom" if up else "top")[1])]
    return [(ax, ay), (ax, c.y), c.port("left" if c.x > a.x else "right")]


def _clear(pts, nodes: list[_Node], ends: tuple) -> bool:
    """Whether a route keeps out of every node but its ends."""
    boxes = np.array([n.box(0.5) for n in nodes if n not in ends]).reshape(-1, 4)  # (n, 4)
    q = np.concatenate([np.linspace(a, c, int(math.dist(a, c)) + 2)
                        for a, c in zip(pts, pts[1:])])  # (m, 2) points along the route
    x, y = q[:, :1], q[:, 1:]
    inside = (x > boxes[:, 0]) & (x < boxes[:, 2]) & (y > boxes[:, 1]) & (y < boxes[:, 3])
    return not inside.any()


def _pairs(b: _Builder, nodes: list[_Node]) -> list[tuple[_Node, _Node]]:
    """Which nodes an arrow joins (each pair once): row neighbours left to right, some loops
    back along a row, and some across rows."""
    rng, cfg = b.rng, b.cfg
    out = []
    rows = sorted({(n.region, n.row) for n in nodes})
    for key in rows:
        row = sorted((n for n in nodes if (n.region, n.row) == key), key=lambda n: n.x)
        out += [(p, q) for p, q in zip(row, row[1:]) if rng.random() < cfg.chain_p]
        if len(row) >= 3 and rng.random() < cfg.loop_p:
            i = int(rng.integers(0, len(row) - 2))
            out.append((row[int(rng.integers(i + 2, len(row)))], row[i]))
    for _ in range(rng.poisson(cfg.cross_edges * len(rows))):
        i, j = rng.choice(len(nodes), 2, replace=len(nodes) < 2)
        if i != j and not {(nodes[i], nodes[j]), (nodes[j], nodes[i])} & set(out):
            out.append((nodes[i], nodes[j]))
    return out


def _edges(b: _Builder, nodes: list[_Node]) -> list[list[tuple[int, int]]]:
    """The arrows between nodes whose route stays clear of the other nodes; their points."""
    rng, cfg = b.rng, b.cfg
    paths = []
    for a, c in _pairs(b, nodes):
        if rng.random() < 0.5 and a.region != c.region:
            a, c = c, a
        dashed = a.region != c.region or "data" in (a.kind, c.kind) or "store" in (
            a.kind, c.kind) or rng.random() < cfg.dashed_p
        pts = _route(b, a, c, dashed)
        if len(set(pts)) == len(pts) and _clear(pts, nodes, (a, c)):
            b.path(pts, ARROW, rng.random() >= cfg.headless_p, dashed)
            paths.append(pts)
    return paths


def _joins(b: _Builder, nodes: list[_Node], paths: list) -> None:
    """Arrows that end on another arrow's leg (two flows joining)."""
    rng = b.rng
    for pts in list(paths):
        if rng.random() >= b.cfg.join_p or len(nodes) < 2:
            continue
        (x1, y1), (x2, y2) = pts[len(pts) // 2 - 1], pts[len(pts) // 2]
        t = rng.uniform(0.3, 0.7)
        end = (round(x1 + t * (x2 - x1)), round(y1 + t * (y2 - y1)))
        src = nodes[int(rng.integers(len(nodes)))]
        start = src.port("top" if end[1] > src.y else "bottom")
        route = [start, (start[0], end[1]), end] if x1 != x2 else [start, (end[0], start[1]), end]
        if len(set(route)) == len(route) and _clear(route, nodes, (src,)):
            b.path(route, ARROW, bool(rng.random() < 0.5), bool(rng.random() < b.cfg.dashed_p))


def _band_flows(b: _Builder, nodes: list[_Node]) -> None:
    """Dashed message flows straight up or down between some nodes and a collapsed pool."""
    rng = b.rng
    for x1, y1, x2, y2 in b.bands:
        for i in rng.permutation(len(nodes))[:int(rng.integers(0, 4))]:
            n = nodes[i]
            up = y1 > n.y
            start = n.port("top" if up else "bottom")
            route = [start, (start[0], y1 if up else y2)]
            if rng.random() < 0.5:
                route = route[::-1]
            if _clear(route, nodes, (n,)):
                b.path(route, ARROW, True, True)


# ---------------------------------------------------------------- words

def _words(rng: np.random.Generator, lines: int, per_line: tuple[int, int] = (1, 2),
           fit: int = 24) -> str:
    """Random lowercase words, `lines` lines of up to per_line[1] words and `fit` letters."""
    out = []
    for _ in range(lines):
        line = ""
        for _ in range(int(rng.integers(per_line[0], per_line[1] + 1))):
            word = "".join(_LETTERS[np.searchsorted(_LETTER_CDF, rng.random(rng.integers(2, 10)))])
            if line and len(line) + 1 + len(word) > fit:
                break
            line = f"{line} {word}".strip()
        out.append(line[:max(1, fit)])
    return "\n".join(out)


def _text_box(b: _Builder, x: float, y: float, text: str, anchor: str,
              line_height: float = 0.0) -> Optional[Text]:
    """A text box sized for `text` in lines of `line_height` (else the diagram's) at (x, y):
    centred there ("centre" or "inside" a node), below it ("below"), or starting there
    ("right"); None if it leaves the canvas or, unless inside, covers other strokes."""
    lines = text.split("\n")
    lh = line_height or b.line_height
    h = max(1, round(lh * len(lines)))
    w = max(1, round(_LETTER_WIDTH * lh * max(len(s) for s in lines)))
    if anchor in ("centre", "inside"):
        x1, y1 = round(x - w / 2), round(y - h / 2)
    elif anchor == "below":
        x1, y1 = round(x - w / 2), round(y - h)
    else:
        x1, y1 = round(x), round(y - h / 2)
    if x1 < 0 or y1 < 0 or x1 + w > b.width or y1 + h > b.height:
        return None
    box = Text(x1, y1, x1 + w, y1 + h, text)
    if anchor != "inside" and b.covers(box.extent()):
        return None
    return box


def _node_labels(b: _Builder, nodes: list[_Node]) -> None:
    """Words inside boxes (shrunk to fit) and beside circles, diamonds and icons."""
    rng, cfg = b.rng, b.cfg
    for n in nodes:
        if n.kind in ("box", "rounded"):
            if rng.random() < cfg.box_label_p and n.hw >= 2 and n.hh >= 1:
                lines = max(1, min(int(rng.integers(1, 4)), int(2 * n.hh / (0.6 * b.line_height))))
                lh = min(b.line_height, (2 * n.hh - 0.5) / lines)
                fit = int((2 * n.hw - 1) / (_LETTER_WIDTH * lh))
                box = _text_box(b, n.x, n.y, _words(rng, lines, (1, 3), fit), "inside", lh)
                if box is not None and fit >= 2:
                    b.add(box, TEXT)
        elif rng.random() < cfg.side_label_p:
            text = _words(rng, int(rng.integers(1, 3)))
            below = rng.random() < 0.7
            box = _text_box(b, n.x if below else n.x + n.hw + 1,
                            n.y - n.hh - 1 if below else n.y + n.hh + 1,
                            text, "below" if below else "right")
            if box is not None:
                b.add(box, TEXT)


def _arrow_labels(b: _Builder, paths: list) -> None:
    """Words beside the longest leg of some arrows."""
    rng = b.rng
    for pts in paths:
        if rng.random() >= b.cfg.arrow_label_p:
            continue
        (x1, y1), (x2, y2) = max(zip(pts, pts[1:]), key=lambda leg: math.dist(*leg))
        text = _words(rng, 1)
        if y1 == y2:
            box = _text_box(b, (x1 + x2) / 2, y1 + 1 + b.line_height / 2, text, "centre")
        else:
            box = _text_box(b, (x1 + x2) / 2 + 1, (y1 + y2) / 2, text, "right")
        if box is not None:
            b.add(box, TEXT)


def _band_name(b: _Builder, x1: int, y1: int, x2: int, y2: int) -> None:
    """A collapsed pool's name, written along its band."""
    text = _words(b.rng, 1, (1, 2))
    lh = min(b.line_height, 0.7 * (y2 - y1))
    box = _text_box(b, b.rng.uniform(0.3, 0.7) * (x2 - x1) + x1, (y1 + y2) / 2, text, "inside",
                    lh)
    if box is not None:
        b.add(box, TEXT)


def _vertical_words(b: _Builder, x1: int, y1: int, x2: int, y2: int) -> None:
    """A name written upwards in a header strip: a tall, narrow text box."""
    if x2 - x1 >= 2 and y2 - y1 >= 6 and b.rng.random() < 0.85:
        pad = max(1, (y2 - y1) // 6)
        b.add(Text(x1, y1 + pad, x2, y2 - pad, _words(b.rng, 1)), TEXT)


def _free_words(b: _Builder) -> None:
    """A note of words somewhere clear of the nodes."""
    rng = b.rng
    text = _words(rng, int(rng.integers(1, 4)), (1, 3))
    for _ in range(10):
        box = _text_box(b, rng.uniform(0, b.width), rng.uniform(0, b.height), text, "centre")
        if box is not None:
            b.add(box, TEXT)
            return


def _stray_mark(b: _Builder) -> None:
    """A short scribble, tick or dot: ink that belongs to no shape."""
    rng = b.rng
    x, y = int(rng.integers(1, b.width)), int(rng.integers(1, b.height))
    steps = rng.integers(-2, 3, (int(rng.integers(1, 4)), 2))
    pts = [(x, y)] + [(x + int(dx), y + int(dy)) for dx, dy in np.cumsum(steps, axis=0)]
    b.path(pts, OTHER)
