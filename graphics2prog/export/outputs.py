"""The files `g2p infer --out` writes: what was understood and what was seen."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from .. import render
from ..pipeline.core import InferResult
from ..spec import spec_to_dict
from .overlay import draw_overlay
from .tikz import UNIT, program_to_tikz, spec_to_tikz, standalone_document


DIAGRAM_RENDER_PX = 1600   # render side of a free-form diagram's canvas
DIAGRAM_TIKZ_CM = 18.0     # figure width of a free-form diagram in TikZ


def figure_scale(spec) -> tuple[int, int, str]:
    """(render px per 16 units, canvas units, TikZ unit) of a spec: the paper's 256 px and
    0.5 cm for a drawing on its 16-grid; a larger canvas is scaled to a page-sized figure."""
    units = render.canvas_units(spec)
    if units <= render.GRID_MAX:
        return 256, render.GRID_MAX, UNIT
    size = round(DIAGRAM_RENDER_PX * render.GRID_MAX / units)
    return size, units, f"{DIAGRAM_TIKZ_CM / units:.4g}cm"


def write_outputs(result: InferResult, out_dir) -> list[Path]:
    """render.png, render.svg, figure.tex, spec.json, program.txt and the ink map the
    networks read (input.png), so a user sees both what was understood and what was seen;
    for a photo also photo.png, the photo as mapped onto its paper's grid (or sheet); where
    the result knows the input image and where the grid lies on it, overlay.png."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    best = result.best
    size, units, unit = figure_scale(best)
    render.save_png(best, out / "render.png", size, units)
    render.save_svg(best, out / "render.svg", size, units)
    render.array_to_png(result.ink, out / "input.png")
    if result.photo is not None:
        Image.fromarray(result.photo).save(out / "photo.png")
    labelled = any(p.kind == "text" for p in best)  # the spec's TikZ writes labels on shapes
    body = (program_to_tikz(result.program, unit) if result.program is not None and not labelled
            else spec_to_tikz(best, unit))
    (out / "figure.tex").write_text(standalone_document(body, unit))
    (out / "spec.json").write_text(json.dumps(spec_to_dict(best), indent=1) + "\n")
    (out / "program.txt").write_text((result.program_text or "") + "\n")
    names = ["render.png", "render.svg", "figure.tex", "spec.json", "program.txt", "input.png"]
    names += ["photo.png"] if result.photo is not None else []
    return [out / n for n in names] + write_overlay(result, out)


def write_overlay(result: InferResult, out: Path) -> list[Path]:
    """overlay.png, the best spec drawn over the input as decoded, when the result has both
    the input (`input_rgb`) and `image_from_grid`; nothing otherwise."""
    rgb = getattr(result, "input_rgb", None)
    image_from_grid = getattr(result, "image_from_grid", None)
    if rgb is None or image_from_grid is None:
        return []
    f = getattr(result, "input_factor", 1.0)  # a large JPEG is decoded reduced
    decoded_from_grid = np.diag([f, f, 1.0]) @ np.asarray(image_from_grid, float)
    Image.fromarray(draw_overlay(rgb, list(result.best), decoded_from_grid)).save(
        out / "overlay.png")
    return [out / "overlay.png"]
