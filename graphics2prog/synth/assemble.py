"""Turn a chosen set of items (see candidates.py) into a program: one node per context."""
from __future__ import annotations

from graphics2prog.synth.candidates import LOOP_VARS
from graphics2prog.synth.program import Expr, Loop, Program, Reflect


def _statement(step: tuple, depth_loops: int, items: list, children: list):
    if step[0] == "R":
        return Reflect(step[1], step[2], tuple(p for _, p in items) + tuple(children))
    bound = step[1]
    expr = Expr(bound[0]) if len(bound) == 1 else Expr(bound[1], LOOP_VARS[0], bound[0])
    body = tuple(p for g, p in items if not g) + tuple(children)
    boundary = tuple(p for g, p in items if g)
    return Loop(LOOP_VARS[depth_loops], expr, body, boundary)


def _build(ctx: tuple, by_ctx: dict, loops: int) -> tuple:
    """(items here, statements of child contexts) for the node at ctx."""
    children = sorted({c[:len(ctx) + 1] for c in by_ctx if len(c) > len(ctx) and c[:len(ctx)] == ctx})
    stmts = []
    for child in children:
        step = child[-1]
        inner = loops + int(step[0] == "L")
        sub_items, sub_children = _build(child, by_ctx, inner)
        stmts.append(_statement(step, loops, sub_items, sub_children))
    return by_ctx.get(ctx, []), stmts


def assemble(items) -> Program:
    """The program whose primitive statements are `items`, nested as their contexts say."""
    by_ctx: dict = {}
    for it in sorted(items, key=lambda it: (str(it.prim))):
        by_ctx.setdefault(it.ctx, []).append((it.guard, it.prim))
    root_items, children = _build((), by_ctx, 0)
    return tuple(children) + tuple(p for _, p in root_items)
