"""Specs: the set of drawing primitives a figure contains.

Primitives are frozen dataclasses in grid units (origin bottom-left, y up). A `Spec` holds
their canonical forms as a sorted, duplicate-free tuple, so two specs that draw the same
figure compare equal. JSON follows ../shared/DESIGN.md; text follows the paper's supplement.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Union

from .errors import InputError

GRID_MIN = 0
GRID_MAX = 16

KINDS = ("circle", "rectangle", "line")


class SpecError(InputError):
    """A spec or primitive that cannot be read or is not valid; the message says why."""


@dataclass(frozen=True, order=True)
class Circle:
    """Circle of radius 1 centred at (x, y)."""

    x: int
    y: int

    kind = "circle"

    def canonical(self) -> "Circle":
        return self

    def coords(self) -> tuple[int, ...]:
        return (self.x, self.y)


@dataclass(frozen=True, order=True)
class Rectangle:
    """Axis-aligned rectangle with corners (x1, y1) and (x2, y2)."""

    x1: int
    y1: int
    x2: int
    y2: int

    kind = "rectangle"

    def canonical(self) -> "Rectangle":
        return Rectangle(min(self.x1, self.x2), min(self.y1, self.y2),
                         max(self.x1, self.x2), max(self.y1, self.y2))

    def coords(self) -> tuple[int, ...]:
        return (self.x1, self.y1, self.x2, self.y2)


@dataclass(frozen=True, order=True)
class Line:
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

    def coords(self) -> tuple[int, ...]:
        return (self.x1, self.y1, self.x2, self.y2)


Primitive = Union[Circle, Rectangle, Line]
KIND_INDEX = {"circle": 0, "rectangle": 1, "line": 2}


def drawing_order_key(p: Primitive) -> tuple:
    """Circles, then rectangles, then lines; each left to right, then bottom to top."""
    c = p.coords()
    flags = (p.arrow, p.dashed) if isinstance(p, Line) else ()
    return (KIND_INDEX[p.kind], c[0], c[1], *c[2:], *flags)


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
        """(xmin, ymin, xmax, ymax) of the ink, circle radius included; zeros when empty."""
        if not self.primitives:
            return (0, 0, 0, 0)
        xs, ys = [], []
        for p in self.primitives:
            if isinstance(p, Circle):
                xs += [p.x - 1, p.x + 1]
                ys += [p.y - 1, p.y + 1]
            else:
                xs += [p.x1, p.x2]
                ys += [p.y1, p.y2]
        return (min(xs), min(ys), max(xs), max(ys))


def translate(p: Primitive, dx: int, dy: int) -> Primitive:
    if isinstance(p, Circle):
        return Circle(p.x + dx, p.y + dy)
    if isinstance(p, Rectangle):
        return Rectangle(p.x1 + dx, p.y1 + dy, p.x2 + dx, p.y2 + dy)
    return Line(p.x1 + dx, p.y1 + dy, p.x2 + dx, p.y2 + dy, p.arrow, p.dashed)


# ---------------------------------------------------------------- validation

def validate_primitive(p: Primitive) -> Primitive:
    """Raise SpecError unless p lies on the 0..16 grid and has non-zero size."""
    for value in p.coords():
        if not isinstance(value, int) or isinstance(value, bool):
            raise SpecError(f"{p.kind}: coordinate {value!r} is not an integer")
        if not GRID_MIN <= value <= GRID_MAX:
            raise SpecError(f"{p.kind}: coordinate {value} is off the grid "
                            f"({GRID_MIN}..{GRID_MAX})")
    if isinstance(p, Rectangle) and (p.x1 == p.x2 or p.y1 == p.y2):
        raise SpecError(f"rectangle({p.x1},{p.y1},{p.x2},{p.y2}) has zero width or height")
    if isinstance(p, Line) and (p.x1, p.y1) == (p.x2, p.y2):
        raise SpecError(f"line({p.x1},{p.y1},{p.x2},{p.y2}) has zero length")
    return p


# ---------------------------------------------------------------- JSON

_FIELDS = {"circle": ("x", "y"), "rectangle": ("x1", "y1", "x2", "y2"),
           "line": ("x1", "y1", "x2", "y2")}


def primitive_to_dict(p: Primitive) -> dict:
    d = {"kind": p.kind}
    d.update(zip(_FIELDS[p.kind], p.coords()))
    if isinstance(p, Line):
        d["arrow"] = p.arrow
        d["dashed"] = p.dashed
    return d


def primitive_from_dict(d) -> Primitive:
    """Build and validate a primitive from its JSON object."""
    if not isinstance(d, dict):
        raise SpecError(f"a primitive must be a JSON object, got {type(d).__name__}")
    kind = d.get("kind")
    if kind not in _FIELDS:
        raise SpecError(f"unknown primitive kind {kind!r} (expected one of {', '.join(KINDS)})")
    missing = [f for f in _FIELDS[kind] if f not in d]
    if missing:
        raise SpecError(f"{kind} is missing field(s): {', '.join(missing)}")
    coords = [d[f] for f in _FIELDS[kind]]
    for f, v in zip(_FIELDS[kind], coords):
        if not isinstance(v, int) or isinstance(v, bool):
            raise SpecError(f"{kind}: field {f} must be an integer, got {v!r}")
    if kind == "circle":
        p = Circle(*coords)
    elif kind == "rectangle":
        p = Rectangle(*coords)
    else:
        flags = []
        for f in ("arrow", "dashed"):
            v = d.get(f, False)
            if not isinstance(v, bool):
                raise SpecError(f"line: field {f} must be true or false, got {v!r}")
            flags.append(v)
        p = Line(*coords, *flags)
    return validate_primitive(p)


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
    if isinstance(p, Circle):
        return f"circle({p.x},{p.y})"
    if isinstance(p, Rectangle):
        return f"rectangle({p.x1},{p.y1},{p.x2},{p.y2})"
    return (f"line({p.x1},{p.y1},{p.x2},{p.y2},arrow = {p.arrow},"
            f"solid = {not p.dashed})")


def spec_to_text(spec: Spec) -> str:
    return "\n".join(primitive_to_text(p) for p in spec)


_INT = r"\s*(-?\d+)\s*"
_BOOL = r"\s*(True|False)\s*"
_TEXT_PATTERNS = {
    "circle": re.compile(rf"circle\({_INT},{_INT}\)"),
    "rectangle": re.compile(rf"rectangle\({_INT},{_INT},{_INT},{_INT}\)"),
    "line": re.compile(rf"line\({_INT},{_INT},{_INT},{_INT},\s*arrow\s*={_BOOL},"
                       rf"\s*solid\s*={_BOOL}\)"),
}


def primitive_from_text(text: str) -> Primitive:
    """Parse one primitive in the paper's syntax (no eval)."""
    text = text.strip().rstrip(";")
    for kind, pattern in _TEXT_PATTERNS.items():
        m = pattern.fullmatch(text)
        if m:
            g = m.groups()
            if kind == "circle":
                return Circle(int(g[0]), int(g[1]))
            if kind == "rectangle":
                return Rectangle(*map(int, g))
            return Line(*map(int, g[:4]), g[4] == "True", g[5] == "False")
    raise SpecError(f"cannot parse primitive: {text!r}")


def spec_from_text(text: str) -> Spec:
    """Primitives separated by newlines or semicolons."""
    parts = [s for s in re.split(r"[;\n]+(?![^()]*\))", text) if s.strip()]
    return Spec(primitive_from_text(s) for s in parts)


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
