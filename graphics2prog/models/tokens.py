"""Drawing commands as token vectors: what the proposal network predicts, one command a step.

A command is 7 integer tokens (kind, x1, y1, x2, y2, arrow, dashed). kind is 0 circle,
1 rectangle, 2 line, 3 STOP. Coordinates take the 17 grid values 0..16; a circle uses
(x1, y1) for its centre. Tokens a kind does not use are 0 and masked out of the loss.
"""
from __future__ import annotations

from typing import Optional

import torch

from ..spec import GRID_MAX, Circle, Line, Primitive, Rectangle

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
    """A primitive (None for STOP) as its 7 tokens."""
    if p is None:
        return (STOP, 0, 0, 0, 0, 0, 0)
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
