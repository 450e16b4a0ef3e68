"""The files `g2p infer --out` writes: what was understood and what was seen."""
from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from .. import render
from ..pipeline.core import InferResult
from ..spec import spec_to_dict
from .overlay import draw_overlay
from .tikz import program_to_tikz, spec_to_tikz, standalone_document


def write_outputs(result: InferResult, out_dir) -> list[Path]:
    """render.png, render.svg, figure.tex, spec.json, program.txt and the ink map the
    networks read (input.png), so a user sees both what was understood and what was seen;
    for a photo also photo.png, the photo as mapped onto its paper's grid (or sheet); where
    the result knows the input image and where the grid lies on it, overlay.png."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    best = result.best
    render.save_png(best, out / "render.png")
    render.save_svg(best, out / "render.svg")
    render.array_to_png(result.ink, out / "input.png")
    if result.photo is not None:
        Image.fromarray(result.photo).save(out / "photo.png")
    body = program_to_tikz(result.program) if result.program is not None else spec_to_tikz(best)
    (out / "figure.tex").write_text(standalone_document(body))
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
    Image.fromarray(draw_overlay(rgb, list(result.best), image_from_grid)).save(
        out / "overlay.png")
    return [out / "overlay.png"]
