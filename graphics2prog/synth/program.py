"""Graphics programs (the paper's Table 2 DSL): AST, executor, printer, cost, translation.

A program is a tuple of statements. Expressions are affine in at most one loop variable
(`E -> Z*Var + Z`). A loop `for (v < bound){ if (v > 0){ boundary }; body }` runs the
boundary only from its second iteration on; `reflect(x = a){ body }` draws the body and its
mirror image (x -> a - x). Executing gives a `Spec`; coordinates may leave 0..16 because
programs are compared in the frame whose smallest x and y are 0.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

from graphics2prog.spec import CLASSES, Spec, flags, make
from graphics2prog.syntax import written_arguments


@dataclass(frozen=True)
class Expr:
    """coeff * var + const; var is None for a constant."""

    const: int
    var: Optional[str] = None
    coeff: int = 0

    def value(self, env: dict) -> int:
        return self.const + (self.coeff * env[self.var] if self.var else 0)

    def shifted(self, d: int) -> "Expr":
        return Expr(self.const + d, self.var, self.coeff)

    def __str__(self) -> str:
        if not self.var or self.coeff == 0:
            return str(self.const)
        if self.const == 0:
            return f"{self.coeff} * {self.var}"
        return f"{self.coeff} * {self.var} + {self.const}"


def const(c: int) -> Expr:
    return Expr(c)


@dataclass(frozen=True)
class Prim:
    """A primitive statement of any spec kind: coords are Exprs (x and y alternating);
    attrs the primitive's other fields as constants ((name, value) pairs, as `attrs()`)."""

    kind: str
    coords: tuple
    arrow: bool = False
    dashed: bool = False
    attrs: tuple = ()


@dataclass(frozen=True)
class Loop:
    var: str
    bound: Expr
    body: tuple
    boundary: tuple = ()


@dataclass(frozen=True)
class Reflect:
    axis: str  # "x" or "y"
    value: int
    body: tuple


Statement = Union[Prim, Loop, Reflect]
Program = tuple  # of Statement


# ---------------------------------------------------------------- execution

def mirror(p, axis: str, value: int):
    """Mirror image of a primitive about x = value or y = value (canonical form)."""
    k0 = 0 if axis == "x" else 1
    c = [value - v if k % 2 == k0 else v for k, v in enumerate(p.coords())]
    return make(p.kind, c, *flags(p), p.attrs()).canonical()


def _run(stmts, env: dict, out: list) -> None:
    for s in stmts:
        if isinstance(s, Prim):
            out.append(make(s.kind, [e.value(env) for e in s.coords], s.arrow, s.dashed,
                            s.attrs))
        elif isinstance(s, Loop):
            for v in range(s.bound.value(env)):
                inner = {**env, s.var: v}
                if v > 0:
                    _run(s.boundary, inner, out)
                _run(s.body, inner, out)
        else:
            drawn: list = []
            _run(s.body, env, drawn)
            out.extend(drawn)
            out.extend(mirror(p, s.axis, s.value) for p in drawn)


def execute(program: Program) -> Spec:
    """Run a program and return the set of primitives it draws."""
    out: list = []
    _run(program, {}, out)
    return Spec(out)


# ---------------------------------------------------------------- printing

def _prim_text(s: Prim) -> str:
    """The spec's text of the primitive, with expressions for coordinates; a line's flags go
    on a line of their own, as the paper's programs have them."""
    args = [str(e) for e in s.coords]
    rest = written_arguments(CLASSES[s.kind], s.arrow, s.dashed, s.attrs)
    if s.kind == "line":
        return f"line({','.join(args)},\n{','.join(rest)})"
    return f"{s.kind}({','.join(args + rest)})"


def _indented(program: Program) -> str:
    """A block's body, two spaces deeper than its header, so nesting reads at a glance."""
    return "\n".join("  " + line for line in print_program(program).splitlines())


def _stmt_text(s) -> str:
    if isinstance(s, Prim):
        return _prim_text(s)
    if isinstance(s, Reflect):
        return f"reflect({s.axis} = {s.value}){{\n{_indented(s.body)}\n}}"
    bound = str(s.bound) if not s.bound.var else f"({s.bound.coeff}*{s.bound.var} + {s.bound.const})"
    text = f"for ({s.var} < {bound}){{\n"
    if s.boundary:
        guard = f"if ({s.var} > 0){{\n{_indented(s.boundary)}\n}}"
        text += "\n".join("  " + line for line in guard.splitlines()) + "\n"
    return text + (f"{_indented(s.body)}\n}}" if s.body else "}")


def print_program(program: Program) -> str:
    """The supplement's syntax, each block's body indented; `parse_program` reads it back."""
    return ";\n".join(_stmt_text(s) for s in program)


# ---------------------------------------------------------------- cost

def _walk(program, counts: dict, slopes: tuple) -> None:
    for s in program:
        counts["statements"] += 1
        if isinstance(s, Prim):
            for k, e in enumerate(s.coords):
                if e.var and e.coeff:
                    slopes[k % 2].add(e.coeff)  # x and y coordinates alternate
        elif isinstance(s, Loop):
            counts["loop2"] += int(s.bound.var is None and s.bound.const == 2)
            _walk(s.boundary, counts, slopes)
            _walk(s.body, counts, slopes)
        else:
            _walk(s.body, counts, slopes)


def program_cost(program: Program) -> int:
    """The original system's cost, times 3 so that it is an integer.

    3 per statement (primitive, loop, reflection; an `if` guard is free), +1 per loop whose
    bound is the constant 2, and per axis one per distinct non-zero slope beyond the first
    (slopes of loop bounds not counted). Defined for any program, but a loop with only an
    `if (i > 0)` part is outside the DSL (see `has_guard_only_loop`).
    """
    counts = {"statements": 0, "loop2": 0}
    slopes: tuple = (set(), set())
    _walk(program, counts, slopes)
    extra = sum(max(len(s) - 1, 0) for s in slopes)
    return 3 * counts["statements"] + counts["loop2"] + extra


def has_guard_only_loop(program: Program) -> bool:
    """Whether some loop (at any depth) has an empty unguarded body.

    `for (i < n){ if (i > 0){ A } }` draws A only for i = 1..n-1: it is A's loop of n - 1
    iterations in disguise, and with n = 3 it would dodge the +1 for a loop of constant
    bound 2. The DSL therefore requires every loop to have at least one unguarded statement
    (a primitive, a loop or a reflection); the synthesizer never returns a program for which
    this is True. The executor, printer, parser and `program_cost` still accept such
    programs (the cost is then computed by the same rules), so that they can be inspected.
    """
    for s in program:
        if isinstance(s, Loop):
            if not s.body or has_guard_only_loop(s.body) or has_guard_only_loop(s.boundary):
                return True
        elif isinstance(s, Reflect) and has_guard_only_loop(s.body):
            return True
    return False


def statement_count(program: Program) -> int:
    counts = {"statements": 0, "loop2": 0}
    _walk(program, counts, (set(), set()))
    return counts["statements"]


# ---------------------------------------------------------------- translation

def _translate_stmt(s, dx: int, dy: int):
    if isinstance(s, Prim):
        coords = tuple(e.shifted(dy if k % 2 else dx) for k, e in enumerate(s.coords))
        return Prim(s.kind, coords, s.arrow, s.dashed, s.attrs)
    if isinstance(s, Loop):
        return Loop(s.var, s.bound, translate_program(s.body, dx, dy),
                    translate_program(s.boundary, dx, dy))
    shift = 2 * (dx if s.axis == "x" else dy)
    return Reflect(s.axis, s.value + shift, translate_program(s.body, dx, dy))


def translate_program(program: Program, dx: int, dy: int) -> Program:
    """The program that draws the same figure moved by (dx, dy)."""
    return tuple(_translate_stmt(s, dx, dy) for s in program)


def origin_offset(spec: Spec) -> tuple[int, int]:
    """(dx, dy) moving the spec so its smallest x and y (circle radius counted) are 0."""
    x0, y0, _, _ = spec.bounds()
    return -x0, -y0


def flat_program(spec: Spec) -> Program:
    """One statement per primitive: always a correct (if expensive) program."""
    return tuple(Prim(p.kind, tuple(const(c) for c in p.coords()), *flags(p), p.attrs())
                 for p in spec)
