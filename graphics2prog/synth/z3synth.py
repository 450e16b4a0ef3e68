"""Minimum-cost choice of candidate items with z3 (weighted MaxSAT over pseudo-boolean choices).

Variables: one per item, one per context header, and per axis one per slope value. Hard
constraints: every spec primitive is drawn by a chosen item; an item needs its context, a
context its parent; an item using slope s on an axis needs s paid for or s chosen as that
axis's one free slope; a chosen context has something in it (an item or a nested
context), and a loop context something unguarded (an unguarded item or a nested context: see
`candidates.needs_body`). Soft constraints carry the cost (3 per statement, 4 for a loop of
bound 2, 1 per paid slope), so the optimum is exactly `program_cost` of the assembled program.
"""
from __future__ import annotations

import z3

from graphics2prog.synth.candidates import (Candidates, header_cost, needs_body,
                                            needy_contexts)


def objective(chosen: list) -> int:
    """Objective of a set of items, computed independently of z3."""
    ctxs = {it.ctx[:k] for it in chosen for k in range(1, len(it.ctx) + 1)}
    slopes = [set().union(*(it.slopes[a] for it in chosen)) for a in (0, 1)]
    return (3 * len(chosen) + sum(header_cost(c[-1]) for c in ctxs)
            + sum(max(len(s) - 1, 0) for s in slopes))


def greedy(cands: Candidates) -> list:
    """A quick upper bound: repeatedly take the item covering most new primitives per cost,
    then give each loop left with only guarded items an unguarded statement (see `_repair`)."""
    todo = set(range(len(cands.prims)))
    chosen: list = []
    while todo:
        def score(it):
            gain = len(it.cover & todo)
            return gain / (objective(chosen + [it]) - objective(chosen)) if gain else -1
        best = max(cands.items, key=score)
        chosen.append(best)
        todo -= best.cover
    return _repair(cands, chosen)


def _repair(cands: Candidates, chosen: list) -> list:
    """Make every loop legal: for each loop with only guarded items, the cheaper of adding
    an unguarded item in it (or nested in it) and redrawing its items' primitives flat."""
    flat = {next(iter(it.cover)): it for it in cands.items if not it.ctx}
    for c in sorted(needy_contexts(chosen), key=str):
        if c not in needy_contexts(chosen):
            continue
        fixes = [chosen + [it] for it in cands.items
                 if not it.guard and it.ctx[:len(c)] == c]
        rest = [it for it in chosen if it.ctx[:len(c)] != c]
        drawn = set().union(*(it.cover for it in rest))
        lost = sorted(set().union(*(it.cover for it in chosen)) - drawn)
        fixes.append(rest + [flat[n] for n in lost])
        chosen = min(fixes, key=objective)
    return chosen


def solve(cands: Candidates, timeout_s: float | None = None):
    """(items, cost, proven) of a minimum-cost cover; None when z3 gave up first."""
    opt = z3.Optimize()
    if timeout_s is not None:
        opt.set("timeout", max(1, int(timeout_s * 1000)))
    choose = [z3.Bool(f"item{n}") for n in range(len(cands.items))]
    ctxs = sorted(cands.contexts(), key=lambda c: (len(c), str(c)))
    header = {c: z3.Bool(f"ctx{n}") for n, c in enumerate(ctxs)}
    covering: list = [[] for _ in cands.prims]
    slopes = ({}, {})
    for n, it in enumerate(cands.items):
        for p in it.cover:
            covering[p].append(choose[n])
        if it.ctx:
            opt.add(z3.Implies(choose[n], header[it.ctx]))
        for axis in (0, 1):
            for s in it.slopes[axis]:
                slopes[axis].setdefault(s, []).append(choose[n])
    inside: dict = {c: [] for c in ctxs}     # what can make a context non-empty
    unguarded: dict = {c: [] for c in ctxs}  # ... and give a loop an unguarded statement
    for n, it in enumerate(cands.items):
        if it.ctx:
            inside[it.ctx].append(choose[n])
            if not it.guard:
                unguarded[it.ctx].append(choose[n])
    for c in ctxs:
        if len(c) > 1:
            opt.add(z3.Implies(header[c], header[c[:-1]]))
            inside[c[:-1]].append(header[c])
            unguarded[c[:-1]].append(header[c])
    for c in ctxs:
        need = unguarded[c] if needs_body(c) else inside[c]
        opt.add(z3.Implies(header[c], z3.Or(need) if need else z3.BoolVal(False)))
        opt.add_soft(z3.Not(header[c]), header_cost(c[-1]))
    for vs in covering:
        opt.add(z3.Or(vs))
    for axis in (0, 1):
        free = []
        for s, users in slopes[axis].items():
            paid, gratis = z3.Bool(f"paid{axis}_{s}"), z3.Bool(f"free{axis}_{s}")
            free.append(gratis)
            opt.add(z3.Implies(z3.Or(users), z3.Or(paid, gratis)))
            opt.add_soft(z3.Not(paid), 1)
        if len(free) > 1:
            opt.add(z3.AtMost(*free, 1))
    for v in choose:
        opt.add_soft(z3.Not(v), 3)
    result = opt.check()
    if result != z3.sat:
        return None
    model = opt.model()
    chosen = [it for it, v in zip(cands.items, choose) if z3.is_true(model.eval(v))]
    return chosen, objective(chosen), True
