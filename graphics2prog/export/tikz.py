"""TikZ export: a spec as plain `\\draw` commands, a program as compact editable TikZ.

Loops become `\\foreach`, `if (i > 0)` guards become `\\ifnum`, and a reflection emits its
body a second time with mirrored coordinates (x -> a - x), so the LaTeX keeps the program's
structure. Coordinates are grid units; the template sets the unit length (UNIT). The paper's
primitives are `\\draw` paths; free-form shapes (circles of another radius, ellipses,
diamonds, rounded rectangles) are drawn nodes of their size (in UNIT), named n1, n2, ... by
their line, paths are `\\draw` polylines with their bends, and text is a node whose words
have TeX's special characters escaped.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import jinja2

from graphics2prog.render import ROUND_UNITS
from graphics2prog.spec import DIRECTED_KINDS, Primitive, Spec, flags
from graphics2prog.synth.program import Expr, Loop, Prim, Program, Reflect
from graphics2prog.text.config import LabelConfig

from .tikz_labels import Decoration, decorations

TEMPLATES = Path(__file__).resolve().parents[2] / "latex_templates"


UNIT = "0.5cm"   # one grid unit in the figure; shapes drawn as nodes give their sizes in it
# the share of a node's width its text may fill before it wraps (a diamond's middle is narrow)
TEXT_ROOM = {"rectangle": 0.9, "circle": 0.7, "ellipse": 0.7, "diamond": 0.5}
_GEOMETRIC = re.compile(r"\\node\[draw, (ellipse|diamond)")   # shapes of shapes.geometric
_TEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
                "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                "\\": r"\textbackslash{}", "<": r"\textless{}", ">": r"\textgreater{}",
                "|": r"\textbar{}", "\n": r"\\", "\t": " "}
_NO_GLYPH = "\u00d0\u00d7\u00de\u00f0\u00f7\u00fe"   # Latin-1 letters OT1 fonts lack, and × ÷


def tex_escape(text: str) -> str:
    """Words for a TikZ node under pdflatex: TeX's special characters & % $ # _ { } ~ ^, the
    backslash and < > | (which OT1 fonts draw as other glyphs) print as themselves, a newline
    breaks the line (text nodes are align=center), and a character pdflatex's default fonts
    cannot draw (outside ASCII and the accented Latin-1 letters) becomes '?', so the figure
    always compiles."""
    out = []
    for ch in text:
        if ch in _TEX_SPECIAL:
            out.append(_TEX_SPECIAL[ch])
        elif " " <= ch <= "~" or ("\u00c0" <= ch <= "\u00ff" and ch not in _NO_GLYPH):
            out.append(ch)
        else:
            out.append("?")
    return "".join(out)


def _style(arrow: bool, dashed: bool) -> str:
    opts = (["->"] if arrow else []) + (["dashed"] if dashed else [])
    return f"[{','.join(opts)}]" if opts else ""


def _length(units: float, unit: str) -> str:
    """`units` grid units as a TeX length: 3 at 0.5cm -> 1.5cm."""
    value, name = re.fullmatch(r"([0-9.]+)\s*([a-z]+)", unit).groups()
    return f"{units * float(value):g}{name}"


def _bare(c: str) -> str:
    """A coordinate without the braces that protect an expression inside `( , )`."""
    return c[1:-1] if c.startswith("{") else c


def _mid(a: str, b: str) -> str:
    """The midpoint of two coordinates (numbers, or pgfmath expressions in loops)."""
    try:
        return f"{(int(a) + int(b)) / 2:g}"
    except ValueError:
        return f"{{(({_bare(a)})+({_bare(b)}))/2}}"


def _span(a: str, b: str, unit: str) -> str:
    """The distance between two coordinates as a TeX length."""
    try:
        return _length(abs(int(b) - int(a)), unit)
    except ValueError:
        return f"{{abs(({_bare(b)})-({_bare(a)}))*{unit}}}"


def _shape_node(kind: str, c: list, attrs: dict, name: str, unit: str, text: str = "",
                options: str = "") -> str:
    """A circle of any radius, an ellipse, a diamond or a rectangle as a drawn node of that
    shape and size (`inner sep=0`, so its outline is the spec's), holding `text` (TeX-ready)
    with extra `options` (", ..."); the paper's circles and rectangles take this form only to
    carry text."""
    at = (c[0], c[1])
    if kind == "rectangle":
        at = (_mid(c[0], c[2]), _mid(c[1], c[3]))
        shape = "rectangle"
        if attrs.get("rounded"):
            shape += f", rounded corners={_length(ROUND_UNITS, unit)}"
        size = (f"minimum width={_span(c[0], c[2], unit)}, "
                f"minimum height={_span(c[1], c[3], unit)}")
    elif kind == "circle":
        shape, size = "circle", f"minimum size={_length(2 * attrs.get('r', 1), unit)}"
    else:
        shape = kind
        size = (f"minimum width={_length(2 * attrs['rx'], unit)}, "
                f"minimum height={_length(2 * attrs['ry'], unit)}")
    return (f"\\node[draw, {shape}, inner sep=0, {size}{options}] ({name}) at "
            f"({at[0]},{at[1]}) {{{text}}};")


def _draw(kind: str, c: list, arrow: bool = False, dashed: bool = False, attrs: tuple = (),
          name: str = "n1", unit: str = UNIT) -> str:
    """One primitive as a TikZ command; `c` are its coordinates as TikZ numbers or
    expressions. The paper's primitives are paths; free-form shapes and text are nodes named
    `name`."""
    a = dict(attrs)
    if kind == "circle" and "r" not in a:
        return f"\\draw ({c[0]},{c[1]}) circle (1);"
    if kind == "rectangle" and not a.get("rounded"):
        return f"\\draw ({c[0]},{c[1]}) rectangle ({c[2]},{c[3]});"
    if kind in DIRECTED_KINDS:
        points = " -- ".join(f"({x},{y})" for x, y in zip(c[0::2], c[1::2]))
        return f"\\draw{_style(arrow, dashed)} {points};"
    if kind == "text":
        at = f"({_mid(c[0], c[2])},{_mid(c[1], c[3])})"
        return f"\\node[align=center] ({name}) at {at} {{{tex_escape(a['text'])}}};"
    return _shape_node(kind, c, a, name, unit)


def _text_width(p, unit: str) -> str:
    """Room for a node's text: it wraps within TEXT_ROOM of the node's width."""
    x1, _, x2, _ = p.extent()
    return _length(round(TEXT_ROOM[p.kind] * (x2 - x1), 2), unit)


def _label_option(where: str, text: str) -> str:
    """A TikZ `label` option: `text` written on side `where` of its node."""
    body = tex_escape(text)
    if "\n" in text:
        return f", label={{[align=center]{where}:{{{body}}}}}"
    return f", label={where}:{{{body}}}"


def _labelled(p: Primitive, d: Decoration, name: str, unit: str) -> str:
    """A shape with its texts: an arrow with a node on each labelled leg, a node holding its
    text with its labels beside it."""
    c = [str(v) for v in p.coords()]
    if p.kind in DIRECTED_KINDS:
        parts = [f"({c[0]},{c[1]})"]
        for k, (x, y) in enumerate(zip(c[2::2], c[3::2])):
            parts.append(f"-- ({x},{y})")
            if k in d.legs:
                where, text = d.legs[k]
                parts.append(f"node[midway, {where}] {{{tex_escape(text)}}}")
        return f"\\draw{_style(*flags(p))} {' '.join(parts)};"
    options = "".join(_label_option(where, text) for where, text in d.beside)
    if d.inside:
        options = f", align=center, text width={_text_width(p, unit)}" + options
    return _shape_node(p.kind, c, dict(p.attrs()), name, unit, tex_escape(d.inside), options)


def spec_to_tikz(spec: Spec, unit: str = UNIT, labels: Optional[LabelConfig] = None) -> str:
    """One command per primitive: the body of a tikzpicture whose unit is `unit`. A text
    attached to a shape (text.attach_labels) is written with it: in its node, as a label
    beside it, or on the arrow's leg; free text is a node of its own."""
    decor, taken = decorations(spec, labels)
    out = []
    for k, p in enumerate(spec, 1):
        if k - 1 in taken:
            continue
        if k - 1 in decor:
            out.append(_labelled(p, decor[k - 1], f"n{k}", unit))
        else:
            out.append(_draw(p.kind, list(p.coords()), *flags(p), p.attrs(), f"n{k}", unit))
    return "\n".join(out)


def _expr(e: Expr) -> str:
    if not e.var or not e.coeff:
        return str(e.const)
    term = f"\\{e.var}" if e.coeff == 1 else f"-\\{e.var}" if e.coeff == -1 else f"{e.coeff}*\\{e.var}"
    return f"{term}{e.const:+d}" if e.const else term


def _mirror(value: int, text: str) -> str:
    try:
        return str(value - int(text))
    except ValueError:
        return f"{{{value}-({text})}}"


def _coords(s: Prim, mirrors: tuple) -> list:
    c = [_expr(e) for e in s.coords]
    for axis, value in mirrors:
        for k in range(0 if axis == "x" else 1, len(c), 2):
            c[k] = _mirror(value, c[k])
    return [x if x.lstrip("-").isdigit() or x.startswith("{") else f"{{{x}}}" for x in c]


def _emit(program, mirrors: tuple, indent: str, out: list, unit: str) -> None:
    """Append the body's lines to `out`; a node is named by its line (n1, n2, ...)."""
    for s in program:
        if isinstance(s, Prim):
            out.append(indent + _draw(s.kind, _coords(s, mirrors), s.arrow, s.dashed, s.attrs,
                                      f"n{len(out) + 1}", unit))
        elif isinstance(s, Reflect):
            out.append(f"{indent}% reflect({s.axis} = {s.value}): the body, then its mirror image")
            _emit(s.body, mirrors, indent, out, unit)
            _emit(s.body, ((s.axis, s.value),) + mirrors, indent, out, unit)
        else:
            _emit_loop(s, mirrors, indent, out, unit)


def _emit_loop(s: Loop, mirrors: tuple, indent: str, out: list, unit: str) -> None:
    inner = indent + "  "
    if s.bound.var:
        top = f"\\{s.var}max"
        out.append(f"{indent}\\pgfmathtruncatemacro{{{top}}}{{{_expr(s.bound.shifted(-1))}}}")
        out.append(f"{indent}\\ifnum{top}>-1")  # pgffor counts down for {0,...,-1}
        out.append(f"{indent}\\foreach \\{s.var} in {{0,...,{top}}} {{")
    else:
        if s.bound.const <= 0:
            return
        out.append(f"{indent}\\foreach \\{s.var} in {{0,...,{s.bound.const - 1}}} {{")
    if s.boundary:
        out.append(f"{inner}\\ifnum\\{s.var}>0")
        _emit(s.boundary, mirrors, inner + "  ", out, unit)
        out.append(f"{inner}\\fi")
    _emit(s.body, mirrors, inner, out, unit)
    out.append(f"{indent}}}")
    if s.bound.var:
        out.append(f"{indent}\\fi")


def program_to_tikz(program: Program, unit: str = UNIT) -> str:
    """The program as a tikzpicture body with \\foreach, \\ifnum and mirrored coordinates."""
    out: list = []
    _emit(program, (), "", out, unit)
    return "\n".join(out)


def latex_template(name: str) -> jinja2.Template:
    """A template of latex_templates/, whose delimiters (<% %>, << >>, <# #>) leave LaTeX's
    braces and percent signs alone. Nothing is escaped: callers pass LaTeX-ready text."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             block_start_string="<%", block_end_string="%>",
                             variable_start_string="<<", variable_end_string=">>",
                             comment_start_string="<#", comment_end_string="#>",
                             keep_trailing_newline=True, autoescape=False)
    return env.get_template(name)


def standalone_document(body: str, unit: str = UNIT, line_width: str = "0.6mm") -> str:
    """A complete pdflatex document (standalone class) around a tikzpicture body, loading
    shapes.geometric only when the body has an ellipse or a diamond node. `unit` must be the
    one the body was written with."""
    libraries = ",shapes.geometric" if _GEOMETRIC.search(body) else ""
    return latex_template("standalone.tex.j2").render(body=body, unit=unit,
                                                      line_width=line_width,
                                                      libraries=libraries)
