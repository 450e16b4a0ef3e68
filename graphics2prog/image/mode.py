"""Drawing on the paper's 16-square grid, or free-form diagram: judged from what preprocessing
measured anyway (extent.py), so the judgement costs nothing more.

The paper's drawings fit a 16 x 16 window of squares, and a 256x256 image is one such window.
A diagram reaches far wider: in the squares of its graph paper it spans several times 16. On
plain paper the unit is read off the strokes and is less sure (a table's edge or a shadow
may pass for ink and stretch a photo's span too), so there a diagram must also have many
separate strokes, as its boxes, arrows and handwritten words give it; the paper's drawings have
a few dozen at most. Thresholds from hdBPMN's train split and simulated photos of the paper's
drawings (experiments/photos.py's).
"""
from __future__ import annotations

from .prepare import Prepared
from .scan import SIZE

MODES = ("auto", "grid", "diagram")
MAX_GRID_SPAN = 22.0    # units: the paper's drawings span at most 16 (wobble and blur added)
MIN_PLAIN_STROKES = 40  # strokes of a diagram on plain paper, at least (train photos: 51 and
                        # up; simulated photos of the paper's drawings: at most 25 but one at 73)


def choose_mode(prepared: Prepared) -> str:
    """"grid" for a drawing on the paper's 16-square grid, "diagram" for a free-form diagram
    (module doc)."""
    if prepared.input_rgb is not None and prepared.input_rgb.shape[:2] == (SIZE, SIZE):
        return "grid"
    extent = prepared.extent
    on_printed_grid = prepared.grid_unit_px is not None
    if extent.span_units > MAX_GRID_SPAN and (on_printed_grid
                                             or extent.strokes >= MIN_PLAIN_STROKES):
        return "diagram"
    return "grid"
