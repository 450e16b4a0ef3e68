"""Free-form primitives: ellipses, diamonds, polylines and words, for diagrams beyond the paper.

The paper's primitives (`spec.Circle` of radius 1, plain `spec.Rectangle`, `spec.Line`) keep
their 16x16 grid; these add shapes of any size, polylines (kind "path", class `Polyline`)
and text on a canvas of any size, still in
integer grid units (origin bottom-left, y up). Each class answers what every primitive
answers, so the rest of the package handles all kinds alike:

- `kind`: its name in JSON and text;
- `canonical()`: one form per figure (an arrowless path runs from its smaller end, a text box
  has its corners ordered);
- `coords()`: its positions, x and y alternating, so translating or mirroring a primitive is
  the same arithmetic for every kind;
- `attrs()`: its other fields as (name, value) pairs in the written order, leaving out any
  that has its default;
- `extent()`: (xmin, ymin, xmax, ymax) of its outline.

Validation and the JSON and text formats live in spec.py, beside the paper's primitives.
"""
from __future__ import annotations

from dataclasses import dataclass


class TwoPoints:
    """What a primitive given by two corners or ends, (x1, y1) and (x2, y2), answers alike:
    a rectangle, a line, a text's box."""

    def coords(self) -> tuple[int, ...]:
        return (self.x1, self.y1, self.x2, self.y2)

    def extent(self) -> tuple[int, int, int, int]:
        return ordered_box(*self.coords())


@dataclass(frozen=True, order=True)
class _CentredShape:
    """A shape centred at (x, y) spanning rx to either side and ry above and below."""

    x: int
    y: int
    rx: int
    ry: int

    def canonical(self):
        return self

    def coords(self) -> tuple[int, ...]:
        return (self.x, self.y)

    def attrs(self) -> tuple:
        return (("rx", self.rx), ("ry", self.ry))

    def extent(self) -> tuple[int, int, int, int]:
        return (self.x - self.rx, self.y - self.ry, self.x + self.rx, self.y + self.ry)


@dataclass(frozen=True, order=True)
class Ellipse(_CentredShape):
    """Axis-aligned ellipse centred at (x, y) with half-axes rx (across) and ry (up)."""

    kind = "ellipse"


@dataclass(frozen=True, order=True)
class Diamond(_CentredShape):
    """Rhombus centred at (x, y) with corners rx to the left and right and ry above and below
    (half-diagonals): the decision box of a flowchart."""

    kind = "diamond"


@dataclass(frozen=True, order=True)
class Polyline:
    """Polyline through `points` ((x, y) pairs, at least two); an arrow head, if any, sits at
    the last point. Without an arrow both directions are the same path."""

    points: tuple[tuple[int, int], ...]
    arrow: bool = False
    dashed: bool = False

    kind = "path"

    def __post_init__(self):
        # points may arrive as lists (JSON): keep them as tuples so paths hash and compare
        object.__setattr__(self, "points", tuple(tuple(q) for q in self.points))

    def canonical(self) -> "Polyline":
        """Without an arrow, run from the smaller end (like an arrowless line)."""
        backwards = self.points[::-1]
        if not self.arrow and backwards < self.points:
            return Polyline(backwards, False, self.dashed)
        return self

    def coords(self) -> tuple[int, ...]:
        return tuple(v for q in self.points for v in q)

    def attrs(self) -> tuple:
        return ()

    def extent(self) -> tuple[int, int, int, int]:
        xs, ys = [q[0] for q in self.points], [q[1] for q in self.points]
        return (min(xs), min(ys), max(xs), max(ys))


@dataclass(frozen=True, order=True)
class Text(TwoPoints):
    """Words written in the box with corners (x1, y1) and (x2, y2)."""

    x1: int
    y1: int
    x2: int
    y2: int
    text: str

    kind = "text"

    def canonical(self) -> "Text":
        return Text(*ordered_box(*self.coords()), self.text)

    def attrs(self) -> tuple:
        return (("text", self.text),)


def ordered_box(x1: int, y1: int, x2: int, y2: int) -> tuple[int, int, int, int]:
    """A box's corners with the smaller x and y first: (xmin, ymin, xmax, ymax)."""
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def pairs(coords) -> tuple[tuple[int, int], ...]:
    """Flat coordinates (x1, y1, x2, y2, ...) as points ((x1, y1), (x2, y2), ...)."""
    return tuple(zip(coords[0::2], coords[1::2]))
