"""Specs: the set of drawing primitives a figure contains.

Primitives are frozen dataclasses in grid units (origin bottom-left, y up). A `Spec` holds
their canonical forms as a sorted, duplicate-free tuple, so two specs that draw the same
figure compare equal. JSON follows ../shared/DESIGN.md; text follows the paper's supplement,
grown by keyword arguments for the free-form primitives (shapes.py; their written form is in
syntax.py). The paper's primitives (circles of radius 1, plain rectangles, lines) keep the
0..16 grid and their formats byte for byte; free-form ones may lie anywhere.
"""
from __future__ import annotations

import json
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Iterable, Union

from .errors import SpecError
from .shapes import Diamond, Ellipse, Polyline, Text, TwoPoints, pairs
from .syntax import (DIRECTED_KINDS, FIELD_TYPES, SIZE_FIELDS, check_arguments, parse_call,
                     split_statements, typed, written_arguments)

GRID_MIN = 0
GRID_MAX = 16

KINDS = ("circle", "rectangle", "line", "ellipse", "diamond", "path", "text")
GRID_KINDS = KINDS[:3]   # the paper's kinds, which the grid networks encode


@dataclass(frozen=True, order=True)
class Circle:
    """Circle of radius r centred at (x, y); the paper's circles have radius 1."""

    x: int
    y: int
    r: int = 1

    kind = "circle"

    def canonical(self) -> "Circle":
        return self

    def coords(self) -> tuple[int, ...]:
        return (self.x, self.y)

    def attrs(self) -> tuple:
        return (("r", self.r),) if self.r != 1 else ()

    def extent(self) -> tuple[int, int, int, int]:
        return (self.x - self.r, self.y - self.r, self.x + self.r, self.y + self.r)


@dataclass(frozen=True, order=True)
class Rectangle(TwoPoints):
    """Axis-aligned rectangle with corners (x1, y1) and (x2, y2), maybe with rounded corners."""

    x1: int
    y1: int
    x2: int
    y2: int
    rounded: bool = False

    kind = "rectangle"

    def canonical(self) -> "Rectangle":
        return Rectangle(min(self.x1, self.x2), min(self.y1, self.y2),
                         max(self.x1, self.x2), max(self.y1, self.y2), self.rounded)

    def attrs(self) -> tuple:
        return (("rounded", True),) if self.rounded else ()


@dataclass(frozen=True, order=True)
class Line(TwoPoints):
    """Segment from (x1, y1) to (x2, y2); an arrow head, if any, sits at (x2, y2)."""

    x1: int
    y1: int
    x2: int
    y2: int
    arrow: bool = False
    dashed: bool = False

    kind = "line"

    def canonical(self) -> "Line":
        """Without an arrow both directions are the same line: put the smaller endpoint first."""
        if not self.arrow and (self.x2, self.y2) < (self.x1, self.y1):
            return Line(self.x2, self.y2, self.x1, self.y1, False, self.dashed)
        return self

    def attrs(self) -> tuple:
        return ()


Primitive = Union[Circle, Rectangle, Line, Ellipse, Diamond, Polyline, Text]
CLASSES = {"circle": Circle, "rectangle": Rectangle, "line": Line, "ellipse": Ellipse,
           "diamond": Diamond, "path": Polyline, "text": Text}
KIND_INDEX = {kind: n for n, kind in enumerate(KINDS)}


def class_of(kind) -> type:
    """The class of a primitive kind; SpecError for an unknown kind."""
    if not isinstance(kind, str) or kind not in CLASSES:
        raise SpecError(f"unknown primitive kind {kind!r} (expected one of {', '.join(KINDS)})")
    return CLASSES[kind]


def make(kind: str, coords, arrow: bool = False, dashed: bool = False,
         attrs: tuple = ()) -> Primitive:
    """The primitive of this kind at `coords` (x and y alternating) with these flags and
    attributes: the inverse of (kind, coords(), flags(p), attrs()). Not validated."""
    if kind == "path":
        return Polyline(pairs(coords), arrow, dashed)
    if kind == "line":
        return Line(*coords, arrow, dashed)
    return CLASSES[kind](*coords, **dict(attrs))


def flags(p: Primitive) -> tuple[bool, bool]:
    """(arrow, dashed) of a line or path; (False, False) for the other kinds."""
    return (p.arrow, p.dashed) if p.kind in DIRECTED_KINDS else (False, False)


def is_grid_primitive(p: Primitive) -> bool:
    """Whether p is one of the paper's primitives: a circle of radius 1, a plain rectangle or
    a line. Only these live on the 16x16 grid and have tokens for the networks."""
    return p.kind in GRID_KINDS and not p.attrs()


def drawing_order_key(p: Primitive) -> tuple:
    """Circles, then rectangles, lines, ellipses, diamonds, paths and text; each left to
    right, then bottom to top."""
    head = (KIND_INDEX[p.kind], *p.coords())
    if p.kind in DIRECTED_KINDS:
        return (*head, p.arrow, p.dashed)
    attrs = p.attrs()
    return (*head, *[v for _, v in attrs]) if attrs else head


class Spec:
    """An immutable set of canonical primitives, iterated in the canonical drawing order."""

    __slots__ = ("primitives", "_set")

    def __init__(self, primitives: Iterable[Primitive] = ()):
        unique = {p.canonical() for p in primitives}
        self.primitives: tuple[Primitive, ...] = tuple(sorted(unique, key=drawing_order_key))
        self._set = frozenset(unique)

    def __iter__(self):
        return iter(self.primitives)

    def __len__(self) -> int:
        return len(self.primitives)

    def __contains__(self, p) -> bool:
        return p.canonical() in self._set

    def __eq__(self, other) -> bool:
        return isinstance(other, Spec) and self._set == other._set

    def __hash__(self) -> int:
        return hash(self._set)

    def __repr__(self) -> str:
        return f"Spec({list(self.primitives)!r})"

    def as_set(self) -> frozenset:
        return self._set

    def translated(self, dx: int, dy: int) -> "Spec":
        return Spec(translate(p, dx, dy) for p in self.primitives)

    def bounds(self) -> tuple[int, int, int, int]:
        """(xmin, ymin, xmax, ymax) of the ink, radii included; zeros when empty."""
        if not self.primitives:
            return (0, 0, 0, 0)
        boxes = [p.extent() for p in self.primitives]
        return (min(b[0] for b in boxes), min(b[1] for b in boxes),
                max(b[2] for b in boxes), max(b[3] for b in boxes))


def translate(p: Primitive, dx: int, dy: int) -> Primitive:
    """p moved by (dx, dy)."""
    moved = [v + (dy if k % 2 else dx) for k, v in enumerate(p.coords())]
    return make(p.kind, moved, *flags(p), p.attrs())


# ---------------------------------------------------------------- validation

def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_primitive(p: Primitive) -> Primitive:
    """Raise SpecError unless p has integer coordinates and non-zero size, and, for the paper's
    circles and lines, lies on the 0..16 grid (free-form primitives and rectangles, which
    diagrams draw at any size, may lie anywhere)."""
    on_grid = is_grid_primitive(p) and p.kind != "rectangle"
    for value in p.coords():
        if not _is_int(value):
            raise SpecError(f"{p.kind}: coordinate {value!r} is not an integer")
        if on_grid and not GRID_MIN <= value <= GRID_MAX:
            raise SpecError(f"{p.kind}: coordinate {value} is off the grid "
                            f"({GRID_MIN}..{GRID_MAX})")
    for name, value in p.attrs():
        if name in SIZE_FIELDS and not (_is_int(value) and value >= 1):
            raise SpecError(f"{p.kind}: {name} must be a positive integer, got {value!r}")
    _validate_extent(p)
    return p


def _validate_extent(p: Primitive) -> None:
    """Boxes with area, lines and path legs with length, text with words."""
    written = f"{p.kind}({','.join(map(str, p.coords()))})"
    if p.kind in ("rectangle", "text") and (p.x1 == p.x2 or p.y1 == p.y2):
        raise SpecError(f"{written} has zero width or height")
    if p.kind == "line" and (p.x1, p.y1) == (p.x2, p.y2):
        raise SpecError(f"{written} has zero length")
    if p.kind == "path":
        if len(p.points) < 2:
            raise SpecError(f"path needs at least 2 points, got {len(p.points)}")
        if any(a == b for a, b in zip(p.points, p.points[1:])):
            raise SpecError(f"{written} repeats a point (a leg of zero length)")
    if p.kind == "text" and not (isinstance(p.text, str) and p.text.strip()):
        raise SpecError(f"{written}: the text must be a non-empty string")


# ---------------------------------------------------------------- JSON

ALWAYS_WRITTEN = ("arrow", "dashed")   # written even when false, as the paper's format does
_TYPE_WORDS = {int: "an integer", bool: "true or false", str: "a string"}


def primitive_to_dict(p: Primitive) -> dict:
    """The JSON object of a primitive; a field at its default is left out (so the paper's
    primitives are written exactly as the paper's format has them)."""
    d = {"kind": p.kind}
    for f in fields(p):
        value = getattr(p, f.name)
        if f.default is MISSING or f.name in ALWAYS_WRITTEN or value != f.default:
            d[f.name] = [list(q) for q in value] if f.name == "points" else value
    return d


def _field_value(kind: str, name: str, value):
    """A JSON field's value checked against its type (SpecError naming the field if not)."""
    if name == "points":
        if not (isinstance(value, list) and all(
                isinstance(q, list) and len(q) == 2 and all(map(_is_int, q)) for q in value)):
            raise SpecError(f"path: field points must be a list of [x, y] integer pairs, "
                            f"got {value!r}")
        return pairs([v for q in value for v in q])
    want = FIELD_TYPES.get(name, int)
    return typed(kind, f"field {name}", value, want, _TYPE_WORDS[want])


def primitive_from_dict(d) -> Primitive:
    """Build and validate a primitive from its JSON object."""
    if not isinstance(d, dict):
        raise SpecError(f"a primitive must be a JSON object, got {type(d).__name__}")
    kind = d.get("kind")
    known = fields(class_of(kind))
    missing = [f.name for f in known if f.default is MISSING and f.name not in d]
    if missing:
        raise SpecError(f"{kind} is missing field(s): {', '.join(missing)}")
    values = {f.name: _field_value(kind, f.name, d[f.name]) for f in known if f.name in d}
    return validate_primitive(CLASSES[kind](**values))


def spec_to_dict(spec: Spec) -> dict:
    return {"primitives": [primitive_to_dict(p) for p in spec]}


def spec_from_dict(doc) -> Spec:
    if not isinstance(doc, dict) or not isinstance(doc.get("primitives"), list):
        raise SpecError('a spec must be a JSON object with a "primitives" list')
    return Spec(primitive_from_dict(d) for d in doc["primitives"])


def load_json(path) -> object:
    """Read a JSON file, turning I/O and syntax problems into SpecError."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise SpecError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(f"{path}: cannot read ({e.__class__.__name__})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise SpecError(f"{path}: invalid JSON ({e.msg}, line {e.lineno})") from None


def load_spec(path) -> Spec:
    try:
        return spec_from_dict(load_json(path))
    except SpecError as e:
        raise SpecError(str(e) if str(e).startswith(str(path)) else f"{path}: {e}") from None


def load_spec_mapping(path) -> dict[str, Spec]:
    """A file mapping names to spec documents, like ground_truth.json."""
    return _spec_mapping(load_json(path), path)


def load_specs(path) -> tuple[bool, dict[str, Spec]]:
    """A spec document (-> (True, {"": spec})) or a mapping of them (-> (False, mapping))."""
    doc = load_json(path)
    if isinstance(doc, dict) and "primitives" in doc:
        try:
            return True, {"": spec_from_dict(doc)}
        except SpecError as e:
            raise SpecError(f"{path}: {e}") from None
    return False, _spec_mapping(doc, path)


def _spec_mapping(doc, path) -> dict[str, Spec]:
    if not isinstance(doc, dict) or "primitives" in doc:
        raise SpecError(f"{path}: expected a JSON object mapping names to specs")
    out = {}
    for name, d in doc.items():
        try:
            out[name] = spec_from_dict(d)
        except SpecError as e:
            raise SpecError(f"{path}: {name}: {e}") from None
    return out


def save_spec(spec: Spec, path) -> None:
    Path(path).write_text(json.dumps(spec_to_dict(spec), indent=1) + "\n")


# ---------------------------------------------------------------- text (paper syntax)

def primitive_to_text(p: Primitive) -> str:
    """`circle(9,10)`, `line(4,7,6,9,arrow = True,solid = True)`, `ellipse(5,5,rx = 3,ry = 2)`,
    `text(0,0,4,1,"Start")`: the paper's syntax grown by keyword arguments (syntax.py)."""
    args = [str(v) for v in p.coords()] + written_arguments(type(p), *flags(p), p.attrs())
    return f"{p.kind}({','.join(args)})"


def spec_to_text(spec: Spec) -> str:
    return "\n".join(primitive_to_text(p) for p in spec)


def primitive_from_text(text: str) -> Primitive:
    """Parse one primitive in the paper's syntax, grown by keyword arguments (no eval); not
    validated (see validate_primitive)."""
    kind, coords, keywords, strings = parse_call(text.strip().rstrip(";").strip())
    return make(kind, coords, *check_arguments(class_of(kind), len(coords), keywords, strings))


def spec_from_text(text: str) -> Spec:
    """Primitives separated by newlines or semicolons."""
    return Spec(primitive_from_text(s) for s in split_statements(text))


# ---------------------------------------------------------------- metrics

def exact_match(a: Spec, b: Spec) -> bool:
    return a.as_set() == b.as_set()


def iou(a: Spec, b: Spec) -> float:
    """|A∩B| / |A∪B|; two empty specs agree perfectly."""
    sa, sb = a.as_set(), b.as_set()
    union = len(sa | sb)
    return 1.0 if union == 0 else len(sa & sb) / union


def symmetric_difference(a: Spec, b: Spec) -> int:
    sa, sb = a.as_set(), b.as_set()
    return len(sa - sb) + len(sb - sa)


def match_up_to_translation(a: Spec, b: Spec) -> bool:
    """Exact match after moving both specs so their ink starts at the origin."""
    if len(a) != len(b):
        return False
    ax, ay, _, _ = a.bounds()
    bx, by, _, _ = b.bounds()
    return a.translated(-ax, -ay) == b.translated(-bx, -by)
