"""Which shape a text belongs to, by geometry alone (grid units, y up).

A text whose centre lies in a box, circle, ellipse or diamond is that node's text ("inside"),
the innermost such node; a node that holds other shapes (a pool, a lane) is a container, and a
text in it that lies close to an arrow or beside a circle, ellipse or diamond goes to that
instead. Close to a line or path: the arrow's label ("edge"); close outside a circle, ellipse or
diamond: that node's label ("beside") -- an event's or gateway's name, written next to it.
Close means within LabelConfig.edge / .beside text heights of the outline, and the nearest
wins. Anything else is free text."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from ..shapes import Text, ordered_box
from ..spec import Primitive, Spec
from .config import LabelConfig

NODE_KINDS = ("rectangle", "circle", "ellipse", "diamond")   # shapes that hold text
BESIDE_KINDS = ("circle", "ellipse", "diamond")              # labelled beside their outline
EDGE_KINDS = ("line", "path")
ROLES = ("inside", "beside", "edge", "free")
STEP = 0.25         # outlines are sampled this often (grid units) to measure distances
ARC_POINTS = 72     # points around a circle or an ellipse


@dataclass(frozen=True)
class Attachment:
    """Text `text` (index into the texts given) belongs to shape `shape` (index into the
    shapes given; None for free text) in `role` (ROLES); the primitives themselves ride
    along, so the attachment can be found again in any spec that holds them."""
    text: int
    shape: Optional[int]
    role: str
    text_primitive: Text
    shape_primitive: Optional[Primitive] = None


def centre(p) -> tuple[float, float]:
    """The middle of a primitive's extent."""
    x1, y1, x2, y2 = p.extent()
    return (x1 + x2) / 2, (y1 + y2) / 2


def text_height(t: Text) -> float:
    """A text box's smaller side (its letters' height, whichever way it runs), 1 at least."""
    x1, y1, x2, y2 = ordered_box(*t.coords())
    return max(min(x2 - x1, y2 - y1), 1)


def contains(p: Primitive, x: float, y: float) -> bool:
    """Whether point (x, y) lies in (or on) the node p."""
    cx, cy = centre(p)
    if p.kind == "rectangle":
        x1, y1, x2, y2 = p.extent()
        return x1 <= x <= x2 and y1 <= y <= y2
    if p.kind == "circle":
        return (x - cx) ** 2 + (y - cy) ** 2 <= p.r ** 2
    if p.kind == "ellipse":
        return ((x - cx) / p.rx) ** 2 + ((y - cy) / p.ry) ** 2 <= 1
    return abs(x - cx) / p.rx + abs(y - cy) / p.ry <= 1     # diamond


def area(p: Primitive) -> float:
    """A node's area, to find the innermost of nested nodes."""
    x1, y1, x2, y2 = p.extent()
    factor = {"rectangle": 1.0, "diamond": 0.5}.get(p.kind, math.pi / 4)
    return factor * (x2 - x1) * (y2 - y1)


def vertices(p: Primitive) -> np.ndarray:
    """The outline's corners (n, 2), closed for nodes: a line's or path's points, a box's or
    diamond's corners, a circle or ellipse as ARC_POINTS points."""
    if p.kind in EDGE_KINDS:
        return np.array(p.coords(), float).reshape(-1, 2)
    x1, y1, x2, y2 = p.extent()
    cx, cy = centre(p)
    if p.kind == "rectangle":
        pts = [(x1, y1), (x2, y1), (x2, y2), (x1, y2), (x1, y1)]
    elif p.kind == "diamond":
        pts = [(x1, cy), (cx, y1), (x2, cy), (cx, y2), (x1, cy)]
    else:
        a = np.linspace(0, 2 * math.pi, ARC_POINTS + 1)
        return np.stack([cx + (x2 - cx) * np.cos(a), cy + (y2 - cy) * np.sin(a)], axis=1)
    return np.array(pts, float)


def outline(p: Primitive) -> np.ndarray:
    """Points (n, 2) along p's outline, at most STEP apart."""
    v = vertices(p)
    parts = [v[:1]]
    for a, b in zip(v[:-1], v[1:]):
        n = max(1, int(math.ceil(np.linalg.norm(b - a) / STEP)))
        parts.append(a + np.outer(np.arange(1, n + 1) / n, b - a))
    return np.concatenate(parts)


def box_distance(points: np.ndarray, t: Text) -> float:
    """The least distance from the points (n, 2) to the text's box (0 for a point in it)."""
    x1, y1, x2, y2 = ordered_box(*t.coords())
    dx = np.maximum(np.maximum(x1 - points[:, 0], points[:, 0] - x2), 0)
    dy = np.maximum(np.maximum(y1 - points[:, 1], points[:, 1] - y2), 0)
    return float(np.hypot(dx, dy).min())


def holds_others(shapes: Sequence[Primitive], i: int) -> bool:
    """Whether node i wholly holds another shape (it is a pool or a lane, not a task)."""
    x1, y1, x2, y2 = shapes[i].extent()
    return any(j != i and s.kind != "text" and x1 <= e[0] and y1 <= e[1] and e[2] <= x2 and e[3] <= y2
               and e != (x1, y1, x2, y2)
               for j, (s, e) in enumerate((s, s.extent()) for s in shapes))


def _nearest(shapes: Sequence[Primitive], t: Text, config: LabelConfig
             ) -> Optional[tuple[int, str]]:
    """The closest arrow or beside-labelled node within reach of t, with its role; between
    outlines that both touch the box, the one nearer its centre."""
    x, y = centre(t)
    h = text_height(t)
    best: Optional[tuple[float, float, int, str]] = None
    for i, s in enumerate(shapes):
        if s.kind in EDGE_KINDS:
            role, reach = "edge", config.edge * h
        elif s.kind in BESIDE_KINDS and not contains(s, x, y):
            role, reach = "beside", config.beside * h
        else:
            continue
        points = outline(s)
        d = box_distance(points, t)
        if d <= reach:
            key = (d, float(np.hypot(points[:, 0] - x, points[:, 1] - y).min()), i, role)
            best = key if best is None else min(best, key)
    return None if best is None else best[2:]


def _attach_one(shapes: Sequence[Primitive], t: Text, containers: list[bool],
                config: LabelConfig) -> tuple[Optional[int], str]:
    x, y = centre(t)
    holders = [i for i, s in enumerate(shapes) if s.kind in NODE_KINDS and contains(s, x, y)]
    inner = min(holders, key=lambda i: area(shapes[i])) if holders else None
    if inner is not None and not containers[inner]:
        return inner, "inside"
    near = _nearest(shapes, t, config)
    if near is not None:
        return near
    return (inner, "inside") if inner is not None else (None, "free")


def attach_labels(shapes: Sequence[Primitive], texts: Sequence[Text],
                  config: Optional[LabelConfig] = None) -> list[Attachment]:
    """One Attachment per text, in the texts' order (see the module's docstring for the
    rules). Shapes of kind "text" among `shapes` are ignored."""
    config = config or LabelConfig()
    containers = [s.kind in NODE_KINDS and holds_others(shapes, i) for i, s in enumerate(shapes)]
    out = []
    for k, t in enumerate(texts):
        i, role = _attach_one(shapes, t, containers, config)
        out.append(Attachment(k, i, role, t, None if i is None else shapes[i]))
    return out


def attach_spec(spec: Spec, config: Optional[LabelConfig] = None) -> list[Attachment]:
    """attach_labels for a spec's own text primitives and shapes, with both indices into
    spec.primitives."""
    prims = spec.primitives
    shape_at = [i for i, p in enumerate(prims) if p.kind != "text"]
    text_at = [i for i, p in enumerate(prims) if p.kind == "text"]
    found = attach_labels([prims[i] for i in shape_at], [prims[i] for i in text_at], config)
    return [Attachment(text_at[a.text], None if a.shape is None else shape_at[a.shape], a.role,
                       a.text_primitive, a.shape_primitive) for a in found]


def labels_to_json(spec: Spec, attachments: Optional[Sequence[Attachment]] = None,
                   config: Optional[LabelConfig] = None) -> list[dict]:
    """The `labels` of `g2p infer --json`: {"text": i, "shape": j, "role": ...} per text
    primitive of the spec, i and j indices into spec.primitives (shape null and role "free"
    for free text), in text order. Attachments default to attach_spec(spec); given ones are
    found again by their primitives, and any whose text the spec lacks is left out."""
    if attachments is None:
        attachments = attach_spec(spec, config)
    index = {p: i for i, p in enumerate(spec.primitives)}
    out = []
    for a in attachments:
        ti = index.get(a.text_primitive.canonical())
        if ti is None:
            continue
        si = None if a.shape_primitive is None else index.get(a.shape_primitive.canonical())
        out.append({"text": ti, "shape": si, "role": a.role if si is not None else "free"})
    return sorted(out, key=lambda d: d["text"])
