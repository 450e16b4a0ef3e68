"""Synthetic scene sampler: random specs like the figures people draw (the paper's supplement).

A scene has a number of objects drawn uniformly from [min_objects, max_objects]; each object's
kind is uniform over circle, rectangle and line. Coordinate values come from a Chinese
restaurant process, separately for x and for y, so values are reused and parts line up. Line
endpoints attach to circle boundaries and rectangle sides: with n attaching points in the scene,
an endpoint is arbitrary with probability 2/(2+n) and each attaching point has 1/(2+n).
Unlike the supplement, boxes and lines are mostly small (within short_extent units, with
probability short_rate), as in the paper's hand drawings; the rest span further, like the
enclosing boxes and long connectors of real figures (a network that rarely saw those parsed them
as pieces). Primitives never overlap (see `primitives_conflict`). The object count is exact:
when an object cannot be placed, the scene restarts from empty with the same count.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import NamedTuple, Optional

import numpy as np

from .spec import GRID_MAX, GRID_MIN, Circle, Line, Primitive, Rectangle, Spec

# Strokes closer than this (in grid units; 4 px at 256x256) would merge on paper.
CLEARANCE = 0.25
# A line touching another stroke must meet it at 20 degrees or more (and not continue it).
MAX_TOUCH_COS = math.cos(math.radians(20))
# A line attached to a circle leaves within 70 degrees of the outward normal.
MIN_ATTACH_COS = math.cos(math.radians(70))

KINDS = ("circle", "rectangle", "line")


class SceneError(RuntimeError):
    """The sampler could not place the requested number of objects."""


@dataclass(frozen=True)
class SceneConfig:
    """How scenes are sampled. Coordinates lie in [coord_min, coord_max]; circle centres one
    unit further in, so every circle stays on the canvas."""

    min_objects: int = 1
    max_objects: int = 12
    coord_min: int = 1
    coord_max: int = 15
    crp_concentration: float = 2.0  # math.inf gives independent uniform coordinates
    arrow_rate: float = 0.5
    dashed_rate: float = 0.15
    short_rate: float = 0.7   # boxes and lines stay within short_extent units
    short_extent: int = 4
    tries_per_object: int = 100
    max_restarts: int = 50

    def __post_init__(self):
        if not 1 <= self.min_objects <= self.max_objects:
            raise ValueError(f"need 1 <= min_objects <= max_objects, got "
                             f"{self.min_objects}..{self.max_objects}")
        if not (GRID_MIN <= self.coord_min and self.coord_max <= GRID_MAX):
            raise ValueError(f"coordinate range {self.coord_min}..{self.coord_max} is off the grid")
        if self.coord_max - self.coord_min < 2:
            raise ValueError("coordinate range too small for a circle")
        if not self.crp_concentration > 0:
            raise ValueError("crp_concentration must be positive")


# ---------------------------------------------------------------- geometry

class _Shape(NamedTuple):
    """A primitive's strokes: a unit circle's centre, or segment records (see `_segment`);
    a line's segment is free: it may touch other strokes with its endpoints."""

    circle: Optional[tuple[int, int]]
    segments: tuple[tuple, ...]
    free: bool
    bbox: tuple[float, float, float, float]  # grown by CLEARANCE


def _segment(x1: int, y1: int, x2: int, y2: int) -> tuple:
    """(x1, y1, x2, y2, xmin, ymin, xmax, ymax, axis) with axis 'h', 'v' or 'd' (diagonal)."""
    axis = "h" if y1 == y2 else "v" if x1 == x2 else "d"
    xa, xb = (x1, x2) if x1 <= x2 else (x2, x1)
    ya, yb = (y1, y2) if y1 <= y2 else (y2, y1)
    return (x1, y1, x2, y2, xa, ya, xb, yb, axis)


def _shape(p: Primitive) -> _Shape:
    if isinstance(p, Circle):
        return _Shape((p.x, p.y), (), False,
                      (p.x - 1 - CLEARANCE, p.y - 1 - CLEARANCE,
                       p.x + 1 + CLEARANCE, p.y + 1 + CLEARANCE))
    x1, y1, x2, y2 = p.coords()
    bbox = (min(x1, x2) - CLEARANCE, min(y1, y2) - CLEARANCE,
            max(x1, x2) + CLEARANCE, max(y1, y2) + CLEARANCE)
    if isinstance(p, Rectangle):
        edges = (_segment(x1, y1, x2, y1), _segment(x2, y1, x2, y2),
                 _segment(x2, y2, x1, y2), _segment(x1, y2, x1, y1))
        return _Shape(None, edges, False, bbox)
    return _Shape(None, (_segment(x1, y1, x2, y2),), True, bbox)


def _orient(ax, ay, bx, by, cx, cy) -> int:
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)


def _on_segment(px, py, s) -> bool:
    return (s[4] <= px <= s[6] and s[5] <= py <= s[7]
            and _orient(s[0], s[1], s[2], s[3], px, py) == 0)


def _intersect(a, b) -> bool:
    """Whether two closed segments share a point (exact integer arithmetic)."""
    d1 = _orient(b[0], b[1], b[2], b[3], a[0], a[1])
    d2 = _orient(b[0], b[1], b[2], b[3], a[2], a[3])
    d3 = _orient(a[0], a[1], a[2], a[3], b[0], b[1])
    d4 = _orient(a[0], a[1], a[2], a[3], b[2], b[3])
    if d1 * d2 < 0 and d3 * d4 < 0:
        return True
    return (_on_segment(a[0], a[1], b) or _on_segment(a[2], a[3], b)
            or _on_segment(b[0], b[1], a) or _on_segment(b[2], b[3], a))


def _point_segment_dist2(px, py, s) -> float:
    x1, y1, x2, y2 = s[0], s[1], s[2], s[3]
    dx, dy = x2 - x1, y2 - y1
    t = ((px - x1) * dx + (py - y1) * dy) / (dx * dx + dy * dy)
    t = 1.0 if t > 1.0 else 0.0 if t < 0.0 else t
    ex, ey = x1 + t * dx - px, y1 + t * dy - py
    return ex * ex + ey * ey


def _touch_angle_ok(px, py, qx, qy, other) -> bool:
    """A segment leaving p towards q meets `other` (which contains p) at a clear angle."""
    ux, uy = qx - px, qy - py
    if (px, py) == (other[0], other[1]):
        vx, vy = other[2] - px, other[3] - py
    elif (px, py) == (other[2], other[3]):
        vx, vy = other[0] - px, other[1] - py
    else:
        vx, vy = other[2] - other[0], other[3] - other[1]
    cos = (ux * vx + uy * vy) / math.sqrt((ux * ux + uy * uy) * (vx * vx + vy * vy))
    return abs(cos) <= MAX_TOUCH_COS


def _segments_conflict(a, a_free: bool, b, b_free: bool) -> bool:
    """Strokes a and b overlap, cross, run along each other or come within CLEARANCE. A free
    segment (a line) may touch the other with one of its endpoints, at a clear angle."""
    if (a[6] + CLEARANCE <= b[4] or b[6] + CLEARANCE <= a[4]
            or a[7] + CLEARANCE <= b[5] or b[7] + CLEARANCE <= a[5]):
        return False
    if a[8] != "d" and b[8] != "d":
        # Axis-aligned integer segments whose grown boxes meet do share a point.
        if a[8] == b[8]:
            return True  # collinear: one runs along or continues the other
        h, h_free, v, v_free = (a, a_free, b, b_free) if a[8] == "h" else (b, b_free, a, a_free)
        px, py = v[0], h[1]
        return not ((h_free and px in (h[0], h[2])) or (v_free and py in (v[1], v[3])))
    if not _intersect(a, b):
        dist2 = min(_point_segment_dist2(a[0], a[1], b), _point_segment_dist2(a[2], a[3], b),
                    _point_segment_dist2(b[0], b[1], a), _point_segment_dist2(b[2], b[3], a))
        return dist2 < CLEARANCE * CLEARANCE
    if (_orient(a[0], a[1], a[2], a[3], b[0], b[1]) == 0
            and _orient(a[0], a[1], a[2], a[3], b[2], b[3]) == 0):
        return True  # collinear and touching
    for seg, other, free in ((a, b, a_free), (b, a, b_free)):
        if free:
            if _on_segment(seg[0], seg[1], other):
                return not _touch_angle_ok(seg[0], seg[1], seg[2], seg[3], other)
            if _on_segment(seg[2], seg[3], other):
                return not _touch_angle_ok(seg[2], seg[3], seg[0], seg[1], other)
    return True


def _circle_segment_conflict(c, s, free: bool) -> bool:
    cx, cy = c
    if free:
        for px, py, qx, qy in ((s[0], s[1], s[2], s[3]), (s[2], s[3], s[0], s[1])):
            if (px - cx) ** 2 + (py - cy) ** 2 == 1:  # attached at p: must leave outwards
                ux, uy = qx - px, qy - py
                return ux * (px - cx) + uy * (py - cy) < MIN_ATTACH_COS * math.hypot(ux, uy)
        return _point_segment_dist2(cx, cy, s) < (1 + CLEARANCE) ** 2
    return _point_segment_dist2(cx, cy, s) < 1  # a circle may be inscribed in a box


def _shapes_conflict(a: _Shape, b: _Shape) -> bool:
    if (a.bbox[2] <= b.bbox[0] or b.bbox[2] <= a.bbox[0]
            or a.bbox[3] <= b.bbox[1] or b.bbox[3] <= a.bbox[1]):
        return False
    if a.circle and b.circle:
        d2 = (a.circle[0] - b.circle[0]) ** 2 + (a.circle[1] - b.circle[1]) ** 2
        return d2 < 4  # tangent circles are fine: people draw chains of them
    if a.circle or b.circle:
        c, other = (a, b) if a.circle else (b, a)
        return any(_circle_segment_conflict(c.circle, s, other.free) for s in other.segments)
    for sa in a.segments:
        for sb in b.segments:
            if _segments_conflict(sa, a.free, sb, b.free):
                return True
    return False


def primitives_conflict(a: Primitive, b: Primitive) -> bool:
    """Whether two primitives would overlap in a drawing.

    Circles must not cut each other or rectangle outlines (tangent is fine: chains of circles
    and circles inscribed in boxes are common); rectangles must not share, touch or cross edges
    (nesting is fine); no stroke may run along, continue, cross or come within CLEARANCE of
    another. Lines may touch other strokes with an endpoint only, at 20 degrees or more, and
    leave a circle from one of its four attaching points within 70 degrees of the outward
    normal (elsewhere they keep CLEARANCE from its boundary).
    """
    return _shapes_conflict(_shape(a), _shape(b))


def conflicting_pairs(spec: Spec) -> list[tuple[Primitive, Primitive]]:
    """All overlapping pairs of primitives in a spec (empty for a sampled scene)."""
    shapes = [(p, _shape(p)) for p in spec]
    return [(p, q) for i, (p, sp) in enumerate(shapes) for q, sq in shapes[i + 1:]
            if _shapes_conflict(sp, sq)]


def attaching_points(p: Primitive) -> list[tuple[int, int]]:
    """Where line endpoints attach: a circle's four axis points, a rectangle's side points."""
    if isinstance(p, Circle):
        return [(p.x + 1, p.y), (p.x - 1, p.y), (p.x, p.y + 1), (p.x, p.y - 1)]
    if isinstance(p, Rectangle):
        r = p.canonical()
        xs, ys = range(r.x1 + 1, r.x2), range(r.y1 + 1, r.y2)
        return ([(x, r.y1) for x in xs] + [(x, r.y2) for x in xs]
                + [(r.x1, y) for y in ys] + [(r.x2, y) for y in ys])
    return []


# ---------------------------------------------------------------- sampling

class _Builder:
    """A scene under construction: placed primitives, CRP tables, attaching points."""

    def __init__(self, config: SceneConfig, rand: random.Random, primitives=()):
        self.config, self.rand = config, rand
        self.primitives: list[Primitive] = []
        self.shapes: list[_Shape] = []
        self.xs: list[int] = []
        self.ys: list[int] = []
        self.attach: list[tuple[int, int]] = []
        for p in primitives:
            self.add(p)

    def _crp(self, values: list[int], lo: int, hi: int, exclude: Optional[int] = None) -> int:
        """A CRP draw restricted to [lo, hi] minus `exclude`: reuse one of the m values already
        there with probability m/(m+alpha) (each in proportion to its count), else a fresh
        uniform value."""
        rand = self.rand
        if exclude is not None or lo > self.config.coord_min or hi < self.config.coord_max:
            values = [v for v in values if lo <= v <= hi and v != exclude]
        m = len(values)
        if m and rand.random() * (m + self.config.crp_concentration) < m:
            return values[int(rand.random() * m)]
        if exclude is None or not lo <= exclude <= hi:
            return lo + int(rand.random() * (hi - lo + 1))
        v = lo + int(rand.random() * (hi - lo))
        return v + 1 if v >= exclude else v

    def _second(self, values: list[int], first: int) -> int:
        """A box's second coordinate, other than the first: within short_extent of it with
        probability short_rate (real figures hold mostly small boxes), else anywhere."""
        c = self.config
        if self.rand.random() < c.short_rate:
            return self._crp(values, max(c.coord_min, first - c.short_extent),
                             min(c.coord_max, first + c.short_extent), exclude=first)
        return self._crp(values, c.coord_min, c.coord_max, exclude=first)

    def _endpoint(self, first: Optional[tuple[int, int]]) -> tuple[int, int]:
        """A line endpoint by the attachment rule; the second endpoint, with probability
        short_rate, is drawn the same way among points within short_extent of the first."""
        c, rand = self.config, self.rand
        lo, hi = c.coord_min, c.coord_max
        points = self.attach
        if first is not None and rand.random() < c.short_rate:
            fx, fy = first
            ext = c.short_extent
            points = [p for p in points if abs(p[0] - fx) <= ext and abs(p[1] - fy) <= ext]
            lo_x, hi_x = max(lo, fx - ext), min(hi, fx + ext)
            lo_y, hi_y = max(lo, fy - ext), min(hi, fy + ext)
        else:
            lo_x, hi_x, lo_y, hi_y = lo, hi, lo, hi
        n = len(points)
        u = rand.random() * (2 + n)
        if u >= 2:
            return points[int(u) - 2]  # uniform over the n points, given u >= 2
        return self._crp(self.xs, lo_x, hi_x), self._crp(self.ys, lo_y, hi_y)

    def candidate(self, kind: str) -> Optional[Primitive]:
        """A random primitive of this kind, or None for a zero-length line."""
        c, crp = self.config, self._crp
        lo, hi = c.coord_min, c.coord_max
        if kind == "circle":
            return Circle(crp(self.xs, lo + 1, hi - 1), crp(self.ys, lo + 1, hi - 1))
        if kind == "rectangle":
            xa, ya = crp(self.xs, lo, hi), crp(self.ys, lo, hi)
            xb, yb = self._second(self.xs, xa), self._second(self.ys, ya)
            return Rectangle(min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb))
        p = self._endpoint(None)
        q = self._endpoint(p)
        if p == q:
            return None
        arrow = self.rand.random() < c.arrow_rate
        dashed = self.rand.random() < c.dashed_rate
        return Line(*p, *q, arrow, dashed).canonical()

    def fits(self, p: Primitive) -> bool:
        shape = _shape(p)
        for other in self.shapes:
            if _shapes_conflict(shape, other):
                return False
        return True

    def add(self, p: Primitive) -> None:
        self.primitives.append(p)
        self.shapes.append(_shape(p))
        coords = p.coords()
        self.xs.extend(coords[0::2])
        self.ys.extend(coords[1::2])
        self.attach.extend(attaching_points(p))


def _python_rng(rng: np.random.Generator) -> random.Random:
    """A fast scalar generator seeded from the caller's numpy generator (deterministic)."""
    return random.Random(int(rng.integers(0, 2 ** 63)))


def sample_scene(rng: np.random.Generator, config: SceneConfig = SceneConfig()) -> Spec:
    """A random scene with exactly n objects, n uniform in [min_objects, max_objects].

    Raises SceneError when max_restarts attempts all fail (only for crowded configurations).
    """
    rand = _python_rng(rng)
    n = rand.randint(config.min_objects, config.max_objects)
    for _ in range(config.max_restarts):
        builder = _Builder(config, rand)
        for _ in range(n):
            kind = KINDS[rand.randrange(3)]
            for _ in range(config.tries_per_object):
                p = builder.candidate(kind)
                if p is not None and builder.fits(p):
                    builder.add(p)
                    break
            else:
                break  # this object does not fit: start the scene again
        else:
            return Spec(builder.primitives)
    raise SceneError(f"could not place {n} non-overlapping objects in "
                     f"{config.max_restarts} attempts")


# ---------------------------------------------------------------- perturbed copies

def _moved(p: Primitive, rand: random.Random) -> Primitive:
    """p with one coordinate (or a line's arrow/dash flag) changed a little; may be invalid."""
    if isinstance(p, Line) and rand.random() < 0.25:
        if rand.random() < 0.5:
            return Line(p.x1, p.y1, p.x2, p.y2, not p.arrow, p.dashed)
        return Line(p.x1, p.y1, p.x2, p.y2, p.arrow, not p.dashed)
    coords = list(p.coords())
    coords[rand.randrange(len(coords))] += rand.choice((-2, -1, 1, 2))
    if isinstance(p, Line):
        return Line(*coords, p.arrow, p.dashed)
    return type(p)(*coords)


def _valid(p: Primitive, config: SceneConfig) -> bool:
    lo, hi = config.coord_min, config.coord_max
    if isinstance(p, Circle):
        return lo + 1 <= p.x <= hi - 1 and lo + 1 <= p.y <= hi - 1
    x1, y1, x2, y2 = p.coords()
    if not all(lo <= v <= hi for v in (x1, y1, x2, y2)):
        return False
    if isinstance(p, Rectangle):
        return x1 < x2 and y1 < y2
    return (x1, y1) != (x2, y2)


def perturb(spec: Spec, rng: np.random.Generator, config: SceneConfig = SceneConfig(),
            max_changes: int = 3) -> Spec:
    """A different spec near `spec`: 1..max_changes edits, each adding a primitive (sampled
    like the scene's own, not checked for overlap), removing one, or moving one a little.

    These are the wrong hypotheses a likelihood network must tell apart from the truth; the
    symmetric difference to `spec` is between 1 and 2 * max_changes.
    """
    rand = _python_rng(rng)
    prims = list(spec)
    changes = rand.randint(1, max_changes)
    done = 0
    while done < changes or Spec(prims) == spec:
        op = rand.choice(("add", "remove", "move")) if prims else "add"
        if op == "remove":
            prims.pop(rand.randrange(len(prims)))
        elif op == "add":
            p = _Builder(config, rand, prims).candidate(KINDS[rand.randrange(3)])
            if p is None or p in prims:
                continue
            prims.append(p)
        else:
            i = rand.randrange(len(prims))
            p = _moved(prims[i], rand).canonical()
            if not _valid(p, config) or p in prims:
                continue
            prims[i] = p
        done += 1
    return Spec(prims)
