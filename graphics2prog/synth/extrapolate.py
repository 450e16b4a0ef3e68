"""Extrapolation (the paper's section 4): continue every loop for one more iteration."""
from __future__ import annotations

from graphics2prog.render import save_png
from graphics2prog.synth.program import Loop, Program, Reflect, execute


def _grow(s):
    if isinstance(s, Loop):
        return Loop(s.var, s.bound.shifted(1), extrapolate(s.body), extrapolate(s.boundary))
    if isinstance(s, Reflect):
        return Reflect(s.axis, s.value, extrapolate(s.body))
    return s


def extrapolate(program: Program) -> Program:
    """The program with every loop bound grown by one (constant or affine bounds alike)."""
    return tuple(_grow(s) for s in program)


def save_extrapolation(program: Program, path) -> None:
    """Render the extrapolated program to a PNG on a canvas grown to hold it (16 px per unit,
    a one-unit margin), since a longer loop usually runs off the original 16x16 grid."""
    spec = execute(extrapolate(program))
    xmin, ymin, xmax, ymax = spec.bounds()
    dx, dy = max(0, 1 - xmin), max(0, 1 - ymin)
    units = max(16, xmax + dx + 1, ymax + dy + 1)
    save_png(spec.translated(dx, dy), path, units=units)
