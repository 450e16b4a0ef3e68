"""Candidate blocks for set-cover synthesis.

A program's output is the union of what its primitive statements draw, each inside a nest of
at most two loops/reflections (syntax depth 3). So a program is a choice of *items* (one
primitive statement in a *context*: the path of enclosing loops and reflections) and the
context headers they need. This module enumerates every item whose output lies inside the
spec: arithmetic progressions found from pairs of same-kind primitives (forwards and
backwards), grids and triangles from two steps on disjoint coordinates, mirror pairs about
axes found from pairs, and their combinations (reflections of loops, loops of reflections,
reflections of reflections), with `if (v > 0)` guarded variants.

Spec primitives arrive as tuples (kind, flags, coords): flags are (arrow, dashed) followed by
the primitive's attributes (`attrs()`: a radius, half-axes, rounded corners, a text's words),
which the members of a loop or a mirror pair share; coords alternate x and y, so every kind,
free-form ones included, is moved and mirrored alike.

Contexts are tuples of steps: ("L", bound) with bound (n,) or (a, b) meaning a*i + b, and
("R", axis, value). Loop variables are named i, j from the outside in.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product

from graphics2prog.synth.program import Expr, Prim

MAX_BOUND = 4          # the original system's loops ran at most 4 iterations
LOOP_VARS = ("i", "j")


@dataclass(frozen=True)
class Options:
    """One search configuration: the policy's sigma = (loops, reflects, incremental, depth).

    `incremental` picks the engine: the best-first search that builds the cover one item at
    a time (astar.py), or one z3 Optimize call over all choices at once (z3synth.py).
    """

    loops: bool = True
    reflects: bool = True
    incremental: bool = True
    depth: int = 3       # 1: flat; 2: one loop/reflection; 3: two nested


@dataclass(frozen=True)
class Item:
    """One primitive statement in a context; `cover` indexes the spec primitives it draws."""

    ctx: tuple
    guard: bool
    prim: Prim
    cover: frozenset
    slopes: tuple  # (frozenset of x slopes, frozenset of y slopes)


@dataclass
class Candidates:
    prims: list                 # (kind, flags, coords) in the translated frame
    items: list = field(default_factory=list)

    def contexts(self) -> set:
        out = set()
        for it in self.items:
            for k in range(1, len(it.ctx) + 1):
                out.add(it.ctx[:k])
        return out


def needs_body(ctx: tuple) -> bool:
    """Whether the context is a loop, which must have an unguarded statement in its body:
    an unguarded item in it, or a nested context (a loop or reflection inside it)."""
    return bool(ctx) and ctx[-1][0] == "L"


def needy_contexts(items) -> set:
    """Loop contexts of a choice of items that would have no unguarded statement: every
    item in them is guarded and nothing is nested in them. A legal choice has none."""
    ctxs = {it.ctx[:k] for it in items for k in range(1, len(it.ctx) + 1)}
    fed = {it.ctx for it in items if not it.guard}
    fed |= {c[:-1] for c in ctxs}
    return {c for c in ctxs if needs_body(c) and c not in fed}


def header_cost(step: tuple) -> int:
    """3 per loop or reflection, +1 for a loop of constant bound 2."""
    return 4 if step[0] == "L" and step[1] == (2,) else 3


# ---------------------------------------------------------------- primitive tuples

def _backwards(c: tuple) -> tuple:
    """A polyline's flat coordinates (x1, y1, x2, y2, ...) run from its other end."""
    return tuple(v for k in range(len(c) - 2, -1, -2) for v in c[k:k + 2])


def canonical(kind: str, flags: tuple, c: tuple) -> tuple:
    """The spec's canonical form (spec.py) of a primitive tuple: boxes with ordered corners,
    arrowless lines and paths from their smaller end."""
    if kind in ("rectangle", "text"):
        c = (min(c[0], c[2]), min(c[1], c[3]), max(c[0], c[2]), max(c[1], c[3]))
    elif kind == "line" and not flags[0] and (c[2], c[3]) < (c[0], c[1]):
        c = (c[2], c[3], c[0], c[1])
    elif kind == "path" and not flags[0] and _backwards(c) < c:
        c = _backwards(c)
    return (kind, flags, c)


def mirror_tuple(p: tuple, axis: str, value: int) -> tuple:
    kind, flags, c = p
    c = list(c)
    for k in range(0 if axis == "x" else 1, len(c), 2):  # x and y coordinates alternate
        c[k] = value - c[k]
    return canonical(kind, flags, tuple(c))


def orientations(p: tuple) -> list:
    """Coordinate orders that draw p: an arrowless line or path may be written either way."""
    kind, flags, c = p
    if kind in ("line", "path") and not flags[0]:
        return [c, _backwards(c)]
    return [c]


def _add(c, d, k=1):
    return tuple(a + k * b for a, b in zip(c, d))


class _Index:
    """Spec primitives by canonical tuple, with helpers to test membership of images."""

    def __init__(self, prims):
        self.prims = prims
        self.where = {p: n for n, p in enumerate(prims)}

    def find(self, kind, flags, coords):
        return self.where.get(canonical(kind, flags, coords))


def _slopes(steps: list) -> tuple:
    xs, ys = set(), set()
    for d in steps:
        for k, v in enumerate(d):
            if v:
                (ys if k % 2 else xs).add(v)  # x and y coordinates alternate
    return frozenset(xs), frozenset(ys)


def _template(kind, flags, base, steps) -> Prim:
    """Expressions base + var*step, each coordinate using at most one loop variable."""
    exprs = []
    for k, b in enumerate(base):
        var, coeff = None, 0
        for v, d in zip(LOOP_VARS, steps):
            if d[k]:
                var, coeff = v, d[k]
        exprs.append(Expr(b, var, coeff))
    return Prim(kind, tuple(exprs), flags[0], flags[1], tuple(flags[2:]))


# ---------------------------------------------------------------- progressions

def _chains(index: _Index) -> list:
    """(start index, start coords, step, length) of every progression of length 2..MAX_BOUND."""
    out = set()
    for a, (kind, flags, ca) in enumerate(index.prims):
        for b, (kb, fb, _) in enumerate(index.prims):
            if a == b or kb != kind or fb != flags or len(index.prims[b][2]) != len(ca):
                continue
            for cb in orientations(index.prims[b]):
                d = tuple(y - x for x, y in zip(ca, cb))
                length = 2
                while length < MAX_BOUND and index.find(kind, flags, _add(ca, d, length)) is not None:
                    length += 1
                for n in range(2, length + 1):
                    out.add((a, ca, d, n))
    return sorted(out)


def _bounds(n: int) -> list:
    """Inner loop bounds under an outer loop of n: constants and a*i + b with a = +-1."""
    out = [(m,) for m in range(2, MAX_BOUND + 1)]
    for a in (1, -1):
        for b in range(0, MAX_BOUND + 1):
            vals = [a * i + b for i in range(n)]
            if min(vals) >= 0 and max(vals) <= MAX_BOUND and max(vals) >= 2:
                out.append((a, b))
    return out


def _bound_value(bound: tuple, i: int) -> int:
    return bound[0] if len(bound) == 1 else bound[0] * i + bound[1]


def _cells(n: int, bound: tuple, guard: bool) -> list:
    lo = 1 if guard else 0
    return [(i, j) for i in range(n) for j in range(lo, _bound_value(bound, i))]


def _cover_of(index, kind, flags, base, steps, cells):
    """Indices drawn by base + i*d1 (+ j*d2) over cells, or None if any falls outside."""
    cover = set()
    for cell in cells:
        c = base
        for v, d in zip(cell, steps):
            c = _add(c, d, v)
        n = index.find(kind, flags, c)
        if n is None:
            return None
        cover.add(n)
    return cover


def _loop_items(index, chains) -> list:
    items = []
    for a, ca, d, length in chains:
        kind, flags, _ = index.prims[a]
        for n, guard in ((length, False), (length + 1, True)):
            if n > MAX_BOUND:
                continue
            base = _add(ca, d, -1) if guard else ca
            cover = _cover_of(index, kind, flags, base, (d,), [(i,) for i in range(int(guard), n)])
            items.append(Item((("L", (n,)),), guard, _template(kind, flags, base, (d,)),
                              frozenset(cover), _slopes([d])))
    return items


def _nested_loop_items(index, chains) -> list:
    """Grids and triangles p(i, j) = base + i*d1 + j*d2, and j-only rows, in two loops."""
    by_start: dict = {}
    for a, ca, d, length in chains:
        by_start.setdefault(a, {})[d] = max(length, by_start.get(a, {}).get(d, 0))
    items, seen = [], set()
    for a, ca, d1, len1 in chains:
        kind, flags, _ = index.prims[a]
        starts = [index.find(kind, flags, _add(ca, d1, k)) for k in range(len1)]
        steps2 = {d2 for s in starts for d2 in by_start.get(s, {})
                  if not any(x and y for x, y in zip(d1, d2))}
        for d2 in steps2:
            for bound in _bounds(len1):
                for guard in (False, True):
                    cells = _cells(len1, bound, guard)
                    if not cells:
                        continue
                    i0, j0 = cells[0]
                    base = _add(_add(ca, d1, -i0), d2, -j0)
                    key = (kind, flags, base, d1, d2, len1, bound, guard)
                    if key in seen:
                        continue
                    seen.add(key)
                    cover = _cover_of(index, kind, flags, base, (d1, d2), cells)
                    if cover is None or not any(i != cells[0][0] for i, _ in cells):
                        continue
                    ctx = (("L", (len1,)), ("L", bound))
                    items.append(Item(ctx, guard, _template(kind, flags, base, (d1, d2)),
                                      frozenset(cover), _slopes([d1, d2])))
    contexts = {it.ctx for it in items}
    for a, ca, d, length in chains:  # rows that repeat for every i: only j varies
        kind, flags, _ = index.prims[a]
        for ctx in contexts:
            n, bound = ctx[0][1][0], ctx[1][1]
            top = max(_bound_value(bound, i) for i in range(n))
            for guard in (False, True):
                if top - int(guard) != length:
                    continue
                base = _add(ca, d, -1) if guard else ca
                cover = _cover_of(index, kind, flags, base, ((0,) * len(d), d),
                                  _cells(n, bound, guard))
                if cover is not None:
                    items.append(Item(ctx, guard, _template(kind, flags, base, ((0,) * len(d), d)),
                                      frozenset(cover), _slopes([d])))
    return items


# ---------------------------------------------------------------- reflections

def _axes(index) -> dict:
    """Reflection axes ('x'|'y', value) with the primitives they map into the spec."""
    axes: dict = {}
    for p, q in product(index.prims, repeat=2):
        if p[0] != q[0] or p[1] != q[1] or p >= q:
            continue
        for axis, k in (("x", 0), ("y", 1)):
            slots = tuple(range(k, len(p[2]), 2))
            for value in {p[2][s] + q[2][t] for s in slots for t in slots}:
                if mirror_tuple(p, axis, value) == q:
                    axes.setdefault((axis, value), set()).update({index.where[p], index.where[q]})
    for axis, members in axes.items():  # primitives on the axis are their own mirror images
        members.update(n for n, p in enumerate(index.prims) if mirror_tuple(p, *axis) == p)
    return axes


def _mirrored(index, cover, axis) -> frozenset | None:
    out = set(cover)
    for n in cover:
        m = index.where.get(mirror_tuple(index.prims[n], *axis))
        if m is None:
            return None
        out.add(m)
    return frozenset(out)


def _reflect_items(index, axes, loop_items, opts) -> list:
    items = []
    for axis, members in axes.items():
        step = ("R",) + axis
        for n in sorted(members):
            kind, flags, c = index.prims[n]
            cover = _mirrored(index, {n}, axis)
            if opts.depth >= 2:
                items.append(Item((step,), False, _template(kind, flags, c, ()), cover,
                                  (frozenset(), frozenset())))
            if opts.depth >= 3:
                for axis2 in axes:
                    if axis2 != axis:
                        both = _mirrored(index, cover, axis2) if cover else None
                        if both:  # axis2 mirrors last: outer (may add nothing: shares a header)
                            items.append(Item((("R",) + axis2, step), False,
                                              _template(kind, flags, c, ()), both,
                                              (frozenset(), frozenset())))
        if opts.depth >= 3 and opts.loops:
            for it in loop_items:
                if len(it.ctx) == 1 and it.cover <= members:
                    cover = _mirrored(index, it.cover, axis)
                    if cover and len(cover) > len(it.cover):
                        items.append(Item((step, it.ctx[0]), it.guard, it.prim, cover, it.slopes))
                        if not it.guard:  # a guard belongs to the innermost loop
                            items.append(Item((it.ctx[0], step), False, it.prim, cover, it.slopes))
    return items


# ---------------------------------------------------------------- all together

def _key(it: Item) -> tuple:
    """A deterministic order (set iteration order is not: string hashing is salted)."""
    exprs = tuple((e.const, e.var or "", e.coeff) for e in it.prim.coords)
    return (-len(it.cover), len(it.ctx), it.ctx, it.guard, tuple(sorted(it.cover)),
            it.prim.kind, exprs, it.prim.arrow, it.prim.dashed)


def _prune(items: list) -> list:
    """Drop items that another item in the same or an enclosing context makes redundant:
    it draws at least as much with no slope the other does not use.

    Every loop needs an unguarded statement in its body (see `needs_body`), so swapping an
    unguarded item for another one must not leave a loop with only guarded statements: an
    unguarded item is dropped only for an unguarded one, and only for one in an enclosing
    context when no loop context between the two has guarded candidates. A guarded item can
    always go (what kept its loop valid stays).
    """
    guarded = {it.ctx for it in items if it.guard}
    kept: list = []
    kept_by_ctx: dict = {}
    for it in sorted(set(items), key=_key):
        mask = sum(1 << n for n in it.cover)
        xs, ys = it.slopes
        # an unguarded item may give way to one in it.ctx[:k] only if k >= free_from: no
        # context it.ctx[:m], k < m, has guarded candidates
        free_from = max((d for d in range(1, len(it.ctx) + 1) if it.ctx[:d] in guarded),
                        default=0)
        if not any(km & mask == mask and kx <= xs and ky <= ys
                   and (it.guard or (not kg and k >= free_from))
                   for k in range(len(it.ctx) + 1)
                   for km, kx, ky, kg in kept_by_ctx.get(it.ctx[:k], ())):
            kept.append(it)
            kept_by_ctx.setdefault(it.ctx, []).append((mask, xs, ys, it.guard))
    return kept


def generate(prims: list, opts: Options = Options()) -> Candidates:
    """Every useful item for the spec whose primitives (translated frame) are `prims`."""
    index = _Index(prims)
    items = [Item((), False, _template(k, f, c, ()), frozenset({n}), (frozenset(), frozenset()))
             for n, (k, f, c) in enumerate(prims)]
    loop_items: list = []
    if opts.loops and opts.depth >= 2:
        chains = _chains(index)
        loop_items = _loop_items(index, chains)
        items += loop_items
        if opts.depth >= 3:
            items += _nested_loop_items(index, chains)
    if opts.reflects and opts.depth >= 2:
        items += _reflect_items(index, _axes(index), loop_items, opts)
    return Candidates(prims, _prune(items))
