"""Spec -> minimum-cost graphics program (the paper's Table 2 DSL), under a hard deadline.

    result = synthesize(spec, timeout=60)
    result.text, result.cost, result.status

Costs are the original system's, times 3 so they are integers (see `program_cost`): divide by
3 for the paper's units. Status: "optimal" (proven minimum within the DSL fragment searched:
loops up to 4 iterations, syntax depth 3), "timeout" (the deadline came first; the best program
found so far is returned), "best-so-far" (the search stopped without a proof for another
reason, e.g. z3 gave up), "failed" (no program; never expected, the flat program is a
fallback).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional

from graphics2prog.spec import Spec, flags
from graphics2prog.synth.candidates import Options
from graphics2prog.synth.extrapolate import extrapolate
from graphics2prog.synth.parser import parse_program
from graphics2prog.synth.program import (Program, execute, flat_program, has_guard_only_loop,
                                         origin_offset, print_program, program_cost,
                                         statement_count, translate_program)
from graphics2prog.synth.policy import SearchPolicy
from graphics2prog.synth.search import run_with_deadline

__all__ = ["SynthesisResult", "Options", "synthesize", "parse_program", "execute",
           "print_program", "program_cost", "statement_count", "extrapolate",
           "translate_program", "has_guard_only_loop"]


@dataclass
class SynthesisResult:
    program: Optional[Program]
    text: Optional[str]
    cost: Optional[int]          # program_cost: the paper's cost times 3
    status: str                  # optimal | timeout | best-so-far | failed
    time_s: float
    proven_optimal: bool
    statements: Optional[int] = None
    error: Optional[str] = None

    def to_json(self) -> dict:
        return {"program": self.text, "cost": self.cost, "status": self.status,
                "time_s": round(self.time_s, 4)}


def _prims(spec: Spec) -> list:
    """The spec as candidates.py's tuples (kind, (arrow, dashed, *attributes), coords)."""
    return [(p.kind, (*flags(p), *p.attrs()), p.coords()) for p in spec]


def synthesize(spec: Spec, timeout: float = 60.0, policy=None,
               options: Options = Options()) -> SynthesisResult:
    """The cheapest program that draws exactly `spec`, found within `timeout` seconds.

    Args:
        spec: the primitives to draw (any frame; the search runs with the smallest x and y
            at 0 and translates the program back).
        timeout: hard wall-clock limit; the worker doing the search is killed at it.
        policy: None searches the whole DSL fragment (`options`); a `policy.SearchPolicy`
            (or "learned" for the shipped one) time-shares the configurations it rates
            likely to be fastest (bias-optimal).
        options: the DSL fragment and engine when no policy is given.
    Returns:
        A SynthesisResult whose program has been executed and checked against the spec,
        and never has a loop whose body is only its `if (i > 0)` part (`has_guard_only_loop`).
        Free-form primitives (shapes.py) join loops and reflections like the paper's: the
        members of a loop share their kind, flags and attributes (a row of equal ellipses,
        of boxes with the same words), so words that differ stay one statement each.
    """
    start = time.monotonic()
    dx, dy = origin_offset(spec)
    target = spec.translated(dx, dy)
    best = {"program": flat_program(target), "proven": len(spec) <= 1}
    best["cost"] = program_cost(best["program"])

    def accept(found) -> None:
        if found.cost < best["cost"] or (found.proven and found.cost <= best["cost"]):
            if execute(found.program) == target and not has_guard_only_loop(found.program):
                best.update(program=found.program, cost=found.cost, proven=found.proven)

    error = None
    finished, timed_out = True, False
    if not best["proven"]:
        if policy is None:
            finished, timed_out, error = run_with_deadline(_prims(target), options, timeout, accept)
        else:
            if policy == "learned":
                policy = SearchPolicy.load()
            finished, timed_out, error = policy.run(_prims(target), timeout, accept)
    program = translate_program(best["program"], -dx, -dy)
    elapsed = time.monotonic() - start
    if execute(program) != spec or has_guard_only_loop(program):
        return SynthesisResult(None, None, None, "failed", elapsed, False, error="check failed")
    status = ("optimal" if best["proven"] else "timeout" if timed_out else "best-so-far")
    return SynthesisResult(program, print_program(program), program_cost(program), status,
                           elapsed, best["proven"], statement_count(program), error)
