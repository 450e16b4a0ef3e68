"""Drawing commands as token vectors: what the proposal network predicts, one command a step.

A command is 7 integer tokens (kind, x1, y1, x2, y2, arrow, dashed). kind is 0 circle,
1 rectangle, 2 line, 3 STOP. Coordinates take the 17 grid values 0..16; a circle uses
(x1, y1) for its centre. Tokens a kind does not use are 0 and masked out of the loss.
"""
from __future__ import annotations

from typing import Optional

import torch

from ..spec import (GRID_MAX, Circle, Line, Primitive, Rectangle, SpecError, is_grid_primitive,
                    primitive_to_text)

STOP = 3
NUM_KINDS = 4
NUM_COORDS = GRID_MAX + 1
TOKEN_NAMES = ("kind", "x1", "y1", "x2", "y2", "arrow", "dashed")
NUM_TOKENS = len(TOKEN_NAMES)
TOKEN_SIZES = (NUM_KINDS, NUM_COORDS, NUM_COORDS, NUM_COORDS, NUM_COORDS, 2, 2)

# which tokens each kind uses, kind included: (NUM_KINDS, NUM_TOKENS)
TOKEN_MASK = torch.tensor([
    [1, 1, 1, 0, 0, 0, 0],  # circle
    [1, 1, 1, 1, 1, 0, 0],  # rectangle
    [1, 1, 1, 1, 1, 1, 1],  # line
    [1, 0, 0, 0, 0, 0, 0],  # STOP
], dtype=torch.bool)


def encode(p: Optional[Primitive]) -> tuple[int, ...]:
    """A primitive (None for STOP) as its 7 tokens. Only the paper's primitives have tokens:
    SpecError for a free-form one (a circle of another radius, a rounded rectangle, an
    ellipse, a diamond, a path, text), which the grid networks cannot draw."""
    if p is None:
        return (STOP, 0, 0, 0, 0, 0, 0)
    if not is_grid_primitive(p):
        raise SpecError(f"{primitive_to_text(p)}: the grid networks encode only the paper's "
                        f"primitives (circles of radius 1, plain rectangles, lines)")
    if isinstance(p, Circle):
        return (0, p.x, p.y, 0, 0, 0, 0)
    if isinstance(p, Rectangle):
        return (1, p.x1, p.y1, p.x2, p.y2, 0, 0)
    return (2, p.x1, p.y1, p.x2, p.y2, int(p.arrow), int(p.dashed))


def decode(tokens) -> Optional[Primitive]:
    """The inverse of encode; None for STOP."""
    kind, x1, y1, x2, y2, arrow, dashed = (int(t) for t in tokens)
    if kind == STOP:
        return None
    if kind == 0:
        return Circle(x1, y1)
    if kind == 1:
        return Rectangle(x1, y1, x2, y2)
    return Line(x1, y1, x2, y2, bool(arrow), bool(dashed))


def allowed(tokens: torch.Tensor, t: int) -> torch.Tensor:
    """Which values token t may take given earlier tokens, so decoding yields only valid,
    canonical commands: unused tokens are 0; a rectangle has x2 > x1 and y2 > y1; a line has
    non-zero length; an arrowless line has its smaller endpoint first (else it needs an arrow).

    Args: tokens (B, NUM_TOKENS) with tokens[:, :t] set. Returns (B, TOKEN_SIZES[t]) bool.
    """
    B = tokens.shape[0]
    values = torch.arange(TOKEN_SIZES[t], device=tokens.device).expand(B, -1)  # (B, V)
    if t == 0:
        return torch.ones_like(values, dtype=torch.bool)
    kind = tokens[:, 0:1]
    ok = torch.where(TOKEN_MASK.to(tokens.device)[kind[:, 0], t].unsqueeze(1),
                     torch.ones_like(values, dtype=torch.bool), values == 0)  # (B, V)
    rect, line = kind == 1, kind == 2
    if t in (1, 2):  # a rectangle's first corner leaves room for the second
        ok &= ~rect | (values < NUM_COORDS - 1)
    if t in (3, 4):  # rectangle corners ordered; line endpoints distinct
        ok &= ~rect | (values > tokens[:, t - 2:t - 1])
        if t == 4:
            same = (tokens[:, 3:4] == tokens[:, 1:2]) & (values == tokens[:, 2:3])
            ok &= ~line | ~same
    if t == 5:  # an arrowless line runs from its smaller endpoint
        backwards = (tokens[:, 3] < tokens[:, 1]) | (
            (tokens[:, 3] == tokens[:, 1]) & (tokens[:, 4] < tokens[:, 2]))
        ok &= ~(line & backwards.unsqueeze(1)) | (values == 1)
    return ok
