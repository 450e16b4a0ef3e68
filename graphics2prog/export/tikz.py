"""TikZ export: a spec as plain `\\draw` commands, a program as compact editable TikZ.

Loops become `\\foreach`, `if (i > 0)` guards become `\\ifnum`, and a reflection emits its
body a second time with mirrored coordinates (x -> a - x), so the LaTeX keeps the program's
structure. Coordinates are grid units; the template sets the unit length.
"""
from __future__ import annotations

from pathlib import Path

import jinja2

from graphics2prog.spec import Circle, Rectangle, Spec
from graphics2prog.synth.program import Expr, Loop, Prim, Program, Reflect

TEMPLATES = Path(__file__).resolve().parents[2] / "latex_templates"


def _style(arrow: bool, dashed: bool) -> str:
    opts = (["->"] if arrow else []) + (["dashed"] if dashed else [])
    return f"[{','.join(opts)}]" if opts else ""


def _draw(kind: str, c: list, arrow: bool = False, dashed: bool = False) -> str:
    if kind == "circle":
        return f"\\draw ({c[0]},{c[1]}) circle (1);"
    if kind == "rectangle":
        return f"\\draw ({c[0]},{c[1]}) rectangle ({c[2]},{c[3]});"
    return f"\\draw{_style(arrow, dashed)} ({c[0]},{c[1]}) -- ({c[2]},{c[3]});"


def spec_to_tikz(spec: Spec) -> str:
    """One `\\draw` per primitive: the body of a tikzpicture."""
    lines = []
    for p in spec:
        if isinstance(p, Circle):
            lines.append(_draw("circle", [p.x, p.y]))
        elif isinstance(p, Rectangle):
            lines.append(_draw("rectangle", list(p.coords())))
        else:
            lines.append(_draw("line", list(p.coords()), p.arrow, p.dashed))
    return "\n".join(lines)


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


def _emit(program, mirrors: tuple, indent: str, out: list) -> None:
    for s in program:
        if isinstance(s, Prim):
            out.append(indent + _draw(s.kind, _coords(s, mirrors), s.arrow, s.dashed))
        elif isinstance(s, Reflect):
            out.append(f"{indent}% reflect({s.axis} = {s.value}): the body, then its mirror image")
            _emit(s.body, mirrors, indent, out)
            _emit(s.body, ((s.axis, s.value),) + mirrors, indent, out)
        else:
            _emit_loop(s, mirrors, indent, out)


def _emit_loop(s: Loop, mirrors: tuple, indent: str, out: list) -> None:
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
        _emit(s.boundary, mirrors, inner + "  ", out)
        out.append(f"{inner}\\fi")
    _emit(s.body, mirrors, inner, out)
    out.append(f"{indent}}}")
    if s.bound.var:
        out.append(f"{indent}\\fi")


def program_to_tikz(program: Program) -> str:
    """The program as a tikzpicture body with \\foreach, \\ifnum and mirrored coordinates."""
    out: list = []
    _emit(program, (), "", out)
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


def standalone_document(body: str, unit: str = "0.5cm", line_width: str = "0.6mm") -> str:
    """A complete pdflatex document (standalone class) around a tikzpicture body."""
    return latex_template("standalone.tex.j2").render(body=body, unit=unit,
                                                      line_width=line_width)
