"""Where a spec's texts go in its TikZ (text.attach): a node's own text, the labels beside it
with their side, an arrow's labels with the leg they sit on and their side, and the free texts
that stay nodes of their own. Geometry only; tikz.py writes the commands."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from graphics2prog.spec import Spec
from graphics2prog.text.attach import attach_spec, centre, vertices
from graphics2prog.text.config import LabelConfig
from graphics2prog.text.joined import join_attached


@dataclass
class Decoration:
    """A shape's texts: `inside` (its node's text), `beside` ((side, text) pairs: TikZ label
    options) and `legs` (leg index -> (side, text): a node on that leg of a line or path)."""
    inside: str = ""
    beside: list = field(default_factory=list)
    legs: dict = field(default_factory=dict)


def side(dx: float, dy: float) -> str:
    """The TikZ anchor word for a direction (y up): its larger component decides."""
    if abs(dy) >= abs(dx):
        return "above" if dy >= 0 else "below"
    return "right" if dx > 0 else "left"


def nearest_leg(points: np.ndarray, x: float, y: float) -> tuple[int, float, float]:
    """The leg (index of its first point) of a polyline nearest to (x, y), and the offset
    (dx, dy) from the leg's nearest point to (x, y)."""
    best = (math.inf, 0, 0.0, 0.0)
    p = np.array([x, y], float)
    for k, (a, b) in enumerate(zip(points[:-1], points[1:])):
        ab = b - a
        t = float(np.clip(np.dot(p - a, ab) / max(np.dot(ab, ab), 1e-12), 0, 1))
        d = p - (a + t * ab)
        best = min(best, (float(np.hypot(*d)), k, float(d[0]), float(d[1])))
    return best[1], best[2], best[3]


def decorations(spec: Spec, config: Optional[LabelConfig] = None
                ) -> tuple[dict[int, Decoration], set[int]]:
    """(shape index -> its Decoration, the indices of the texts they took), indices into
    spec.primitives; the texts attached alike are joined first (text.join_attached)."""
    prims = spec.primitives
    found = attach_spec(spec, config)
    taken = {a.text for a in found if a.shape is not None}
    merged, atts = join_attached(prims, found, config)
    out: dict[int, Decoration] = {}
    for a in atts:
        if a.shape is None:
            continue
        d = out.setdefault(a.shape, Decoration())
        t, s = merged[a.text], prims[a.shape]
        x, y = centre(t)
        if a.role == "inside":
            d.inside = t.text
        elif a.role == "beside":
            cx, cy = centre(s)
            d.beside.append((side(x - cx, y - cy), t.text))
        else:
            leg, dx, dy = nearest_leg(vertices(s), x, y)
            d.legs[leg] = (side(dx, dy), t.text)
    return out, taken
