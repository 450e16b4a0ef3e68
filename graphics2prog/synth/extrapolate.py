"""Extrapolation (the paper's section 4): continue every loop for one more iteration."""
from __future__ import annotations

from graphics2prog.synth.program import Loop, Program, Reflect


def _grow(s):
    if isinstance(s, Loop):
        return Loop(s.var, s.bound.shifted(1), extrapolate(s.body), extrapolate(s.boundary))
    if isinstance(s, Reflect):
        return Reflect(s.axis, s.value, extrapolate(s.body))
    return s


def extrapolate(program: Program) -> Program:
    """The program with every loop bound grown by one (constant or affine bounds alike)."""
    return tuple(_grow(s) for s in program)
