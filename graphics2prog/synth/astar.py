"""Exact best-first (A*) search for a minimum-cost cover by candidate items.

A state is what is still to draw, the context headers already paid for and the slopes used
on each axis; its cost so far counts statements, headers and slopes exactly as
`program_cost` does. Each step branches on the undrawn primitive with the fewest items that
draw it. The heuristic is the fractional set-cover bound on the statements still needed
(every primitive pays its share of the cheapest item drawing it, rounded up to whole
statements); it ignores headers and slopes, so it never overestimates and the first
complete state popped is optimal.

Every loop must have an unguarded statement in its body (`candidates.needs_body`), so the
state also holds the loop contexts that have only guarded items so far ("needy"). An item
satisfies its context if unguarded and every context strictly enclosing it (those now have a
nested statement). A state is complete when nothing is left to draw and no loop is needy;
with everything drawn but a loop needy, the search branches on the items that would satisfy
it (redundant in what they draw, but they make the program legal). Needy loops are never
nested in one another and no item satisfies two, so each still needs its own item: the
heuristic is the larger of the cover bound and 3 per needy loop.
"""
from __future__ import annotations

import heapq
import math
from itertools import count

from graphics2prog.synth.candidates import Candidates, header_cost, needs_body


class _Problem:
    def __init__(self, cands: Candidates):
        self.items = cands.items
        self.masks = [sum(1 << n for n in it.cover) for it in self.items]
        self.heads = [tuple(it.ctx[:k] for k in range(1, len(it.ctx) + 1)) for it in self.items]
        self.by_prim: list = [[] for _ in cands.prims]
        for n, it in enumerate(self.items):
            for p in it.cover:
                self.by_prim[p].append(n)
        self.full = (1 << len(cands.prims)) - 1
        self._h: dict = {}
        # loop contexts an item satisfies (strict prefixes; its own when unguarded) and
        # the one it makes needy when new (its own, when guarded)
        self.satisfies = [frozenset(h for h in hs[:-1] if needs_body(h)) |
                          (frozenset({it.ctx}) if it.ctx and not it.guard and needs_body(it.ctx)
                           else frozenset())
                          for it, hs in zip(self.items, self.heads)]
        self.satisfiers: dict = {}
        for n, sat in enumerate(self.satisfies):
            for h in sat:
                self.satisfiers.setdefault(h, []).append(n)

    def bound(self, todo: int) -> int:
        """Lower bound on the cost of drawing the primitives in `todo`."""
        if todo in self._h:
            return self._h[todo]
        total, rest = 0.0, todo
        while rest:
            low = rest & -rest
            p = low.bit_length() - 1
            rest ^= low
            total += min(3.0 / (self.masks[n] & todo).bit_count() for n in self.by_prim[p])
        value = 3 * math.ceil(total / 3 - 1e-9)
        self._h[todo] = value
        return value

    def pick(self, todo: int) -> int:
        best, size, rest = -1, None, todo
        while rest:
            low = rest & -rest
            p = low.bit_length() - 1
            rest ^= low
            if size is None or len(self.by_prim[p]) < size:
                best, size = p, len(self.by_prim[p])
        return best


def search(cands: Candidates, upper: int | None = None, should_stop=lambda: False,
           check_every: int = 4096):
    """(items, cost, proven): an optimal cover, or None if stopped or nothing beats `upper`."""
    prob = _Problem(cands)
    heads_of = [tuple((h, header_cost(h[-1])) for h in hs) for hs in prob.heads]
    tick = count()
    empty = frozenset()
    start = (prob.full, empty, empty, empty, empty)
    heap = [(prob.bound(prob.full), 0, next(tick), start, None)]  # ties: deepest first
    best_g = {start: 0}
    limit = math.inf if upper is None else upper
    while heap:
        f, neg_g, _, state, trail = heapq.heappop(heap)
        g = -neg_g
        if best_g.get(state, math.inf) < g:
            continue
        todo, heads, xs, ys, needy = state
        if not todo and not needy:
            chosen = []
            while trail:
                n, trail = trail
                chosen.append(cands.items[n])
            return chosen, g, True
        if next(tick) % check_every == 0 and should_stop():
            return None
        base_x = len(xs) - 1 if xs else 0
        base_y = len(ys) - 1 if ys else 0
        if todo:
            branches = prob.by_prim[prob.pick(todo)]
        else:  # all drawn, a loop still needs an unguarded statement
            branches = prob.satisfiers.get(min(needy, key=str), [])
        for n in branches:
            it = cands.items[n]
            sx, sy = it.slopes
            g2 = g + 3
            new_heads = heads
            for h, c in heads_of[n]:
                if h not in heads:
                    g2 += c
                    new_heads = new_heads | {h}
            nx = xs | sx if sx else xs
            ny = ys | sy if sy else ys
            g2 += (len(nx) - 1 if nx else 0) - base_x + (len(ny) - 1 if ny else 0) - base_y
            needy2 = needy - prob.satisfies[n] if needy else needy
            if it.guard and it.ctx not in heads:
                needy2 = needy2 | {it.ctx}
            rest = todo & ~prob.masks[n]
            f2 = g2 + max(prob.bound(rest) if rest else 0, 3 * len(needy2))
            if f2 >= limit:
                continue
            state2 = (rest, new_heads, nx, ny, needy2)
            if best_g.get(state2, math.inf) <= g2:
                continue
            best_g[state2] = g2
            heapq.heappush(heap, (f2, -g2, next(tick), state2, (n, trail)))
    return None
