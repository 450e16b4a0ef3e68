"""The written form of primitives, shared by spec text (spec.py) and program text (synth).

A primitive is written as its kind, then its coordinates, then keyword arguments, in the
syntax of the paper's supplement: `line(4,7,6,9,arrow = True,solid = True)`. Free-form
primitives add keywords and one string: `circle(3,4,r = 2)`, `rectangle(0,0,4,2,rounded =
True)`, `ellipse(5,5,rx = 3,ry = 2)`, `diamond(5,5,rx = 3,ry = 2)`,
`path(0,0,4,0,4,3,arrow = True,solid = False)`, `text(0,0,4,1,"Start")` (a JSON string).

What a kind takes is read off its dataclass (passed in, so this module knows no classes):
its fields without a type in FIELD_TYPES are positions, the others attributes, and a field's
default is the value an absent argument takes.
"""
from __future__ import annotations

import json
import re
from dataclasses import MISSING, fields

from .errors import SpecError

# the type of every field that is not a position (positions are integers, a path's points
# integer pairs); any field with a default may be left out
FIELD_TYPES = {"r": int, "rx": int, "ry": int, "rounded": bool, "arrow": bool, "dashed": bool,
               "text": str}
SIZE_FIELDS = ("r", "rx", "ry")
DIRECTED_KINDS = ("line", "path")    # kinds with an arrow head and a dash pattern
FLAG_KEYWORDS = ("arrow", "solid")   # how lines and paths write their arrow and dashed fields
STRING = r'"(?:[^"\\]|\\.)*"'        # a JSON string literal: how text writes its words

_CALL = re.compile(r"([A-Za-z_]\w*)\((.*)\)", re.S)
_ARGUMENT = re.compile(rf"\s*(?:({STRING})|([A-Za-z_]\w*)\s*=\s*(-?\d+|True|False)|(-?\d+))\s*")
_PIECE = re.compile(rf'{STRING}|[()]|[;\n]|[^"();\n]+|"')


def is_directed(cls) -> bool:
    """Whether the kind has an arrow head and a dash pattern (lines and paths)."""
    return cls.kind in DIRECTED_KINDS


def written_arguments(cls, arrow: bool, dashed: bool, attrs: tuple) -> list[str]:
    """The arguments written after the coordinates: `r = 2`, `rounded = True`, `rx = 3`,
    text's words as a JSON string, and a line's or path's `arrow = ..`, `solid = ..`."""
    out = [json.dumps(value, ensure_ascii=False) if isinstance(value, str)
           else f"{name} = {value}" for name, value in attrs]
    if is_directed(cls):
        out += [f"arrow = {arrow}", f"solid = {not dashed}"]
    return out


def read_string(literal: str) -> str:
    """The text of a JSON string literal (STRING); SpecError when it is malformed."""
    try:
        return json.loads(literal)
    except json.JSONDecodeError:
        raise SpecError(f"bad string {literal}") from None


def _check_counts(cls, count: int, strings: list) -> None:
    """SpecError unless `count` coordinates and `strings` suit the kind."""
    positions = sum(f.name not in FIELD_TYPES for f in fields(cls))
    if cls.kind == "path" and (count < 4 or count % 2):
        raise SpecError(f"path takes the x and y of at least 2 points, got {count} numbers")
    if cls.kind != "path" and count != positions:
        raise SpecError(f"{cls.kind} takes {positions} coordinates, got {count}")
    takes_string = any(f.name == "text" for f in fields(cls))
    if len(strings) != takes_string:
        raise SpecError('text takes one string, e.g. text(0,0,4,1,"Start")' if takes_string
                        else f"{cls.kind} takes no string")


def typed(kind: str, label: str, value, want: type, word: str):
    """`value` if it is a `want` (an int that is not a bool, for int); else SpecError saying
    `{kind}: {label} must be {word}, got {value!r}`."""
    if not isinstance(value, want) or (want is int and isinstance(value, bool)):
        raise SpecError(f"{kind}: {label} must be {word}, got {value!r}")
    return value


def _keyword_value(kind: str, name: str, value):
    """A keyword argument's value checked against its type."""
    if name in SIZE_FIELDS:
        return typed(kind, name, value, int, "an integer")
    return typed(kind, name, value, bool, "True or False")


def check_arguments(cls, count: int, keywords: dict, strings: list) -> tuple:
    """(arrow, dashed, attrs) of a primitive of class `cls` written with `count` coordinates,
    `keywords` (name -> int or bool) and `strings`; SpecError says what is wrong.

    Lines and paths need both `arrow` and `solid`, as the paper writes them; an attribute
    without a default (an ellipse's rx and ry) is needed too. An attribute at its default is
    dropped, so attrs equals the built primitive's `attrs()`."""
    _check_counts(cls, count, strings)
    attributes = [f for f in fields(cls) if f.name in FIELD_TYPES and f.name != "text"]
    directed = is_directed(cls)
    names = FLAG_KEYWORDS if directed else tuple(f.name for f in attributes)
    unknown = sorted(set(keywords) - set(names))
    if unknown:
        takes = f" (it takes {', '.join(names)})" if names else ""
        raise SpecError(f"{cls.kind} has no argument {unknown[0]!r}{takes}")
    needed = names if directed else [f.name for f in attributes if f.default is MISSING]
    absent = [name for name in needed if name not in keywords]
    if absent:
        raise SpecError(f"{cls.kind} needs {' and '.join(f'{n} = ...' for n in absent)}")
    values = {name: _keyword_value(cls.kind, name, v) for name, v in keywords.items()}
    if directed:
        return values["arrow"], not values["solid"], ()
    attrs = tuple((f.name, values[f.name]) for f in attributes
                  if f.name in values and (f.default is MISSING or values[f.name] != f.default))
    return False, False, attrs + tuple(("text", s) for s in strings)


def parse_call(text: str) -> tuple[str, list, dict, list]:
    """(kind, coordinates, keywords, strings) of `kind(1,2,r = 3)` or `text(0,0,4,1,"Go")`:
    integer coordinates first, then keywords and strings."""
    m = _CALL.fullmatch(text)
    if not m:
        raise SpecError(f"cannot parse primitive: {text!r}")
    body, coords, keywords, strings, pos = m.group(2), [], {}, [], 0
    while True:
        arg = _ARGUMENT.match(body, pos)
        if not arg or (arg.group(4) is not None and (keywords or strings)):
            raise SpecError(f"cannot parse primitive: {text!r}")
        literal, name, value, number = arg.groups()
        if literal is not None:
            strings.append(read_string(literal))
        elif name is not None:
            keywords[name] = int(value) if value not in ("True", "False") else value == "True"
        else:
            coords.append(int(number))
        pos = arg.end()
        if pos == len(body):
            return m.group(1), coords, keywords, strings
        if body[pos] != ",":
            raise SpecError(f"cannot parse primitive: {text!r}")
        pos += 1


def split_statements(text: str) -> list[str]:
    """Split at semicolons and newlines outside parentheses and string literals."""
    parts, current, depth = [], [], 0
    for m in _PIECE.finditer(text):
        piece = m.group()
        if piece in (";", "\n") and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        depth += (piece == "(") - (piece == ")")
        current.append(piece)
    parts.append("".join(current))
    return [s for s in parts if s.strip()]
