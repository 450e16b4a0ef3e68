"""What the page shows and downloads for a spec: the standalone TikZ document (of the spec's
program when there is one, else of the spec), the clean render as SVG text and as a PNG data
URL, the ink map the networks read, and a program's extrapolation.

Renders come from graphics2prog.render and the TikZ from graphics2prog.export.tikz, the same
code `g2p infer --out` uses for render.svg, render.png and figure.tex, so the page and the
command line agree. They are written into a temporary folder that is removed at once.
"""
from __future__ import annotations

import base64
import tempfile
from pathlib import Path
from typing import Optional

import numpy as np

from .. import render
from ..export.tikz import program_to_tikz, spec_to_tikz, standalone_document
from ..spec import SpecError, Spec, spec_to_dict
from ..synth import execute, extrapolate, parse_program, print_program
from ..synth.extrapolate import save_extrapolation
from ..synth.program import Loop, Reflect
from .errors import ClientError
from .uploads import TEMP_PREFIX

MAX_PROGRAM_CHARS = 20_000     # program text accepted for extrapolation
MAX_PRIMITIVES = 2_000         # most primitives an extrapolated program may draw
MAX_EXTENT = 64                # grid units an extrapolated figure may span (1024 px)


def data_url(data: bytes, mime: str) -> str:
    """Bytes as a `data:` URL, so the page can show and download them without another call."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def figure(spec: Spec, program=None) -> dict:
    """{"tikz", "svg", "png"}: the standalone TikZ document of `program` (a synth AST) or, when
    there is none, of `spec`; the clean render of `spec` as SVG text and a PNG data URL."""
    body = program_to_tikz(program) if program is not None else spec_to_tikz(spec)
    with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as folder:
        render.save_svg(spec, Path(folder) / "render.svg")
        render.save_png(spec, Path(folder) / "render.png")
        svg = (Path(folder) / "render.svg").read_text()
        png = (Path(folder) / "render.png").read_bytes()
    return {"tikz": standalone_document(body), "svg": svg, "png": data_url(png, "image/png")}


def ink_png(ink: np.ndarray) -> str:
    """The 256x256 ink map the networks read, dark on white, as a PNG data URL: the image the
    page draws the parse over (it is on the grid whatever the upload's size)."""
    with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as folder:
        render.array_to_png(ink, Path(folder) / "input.png")
        return data_url((Path(folder) / "input.png").read_bytes(), "image/png")


def extrapolation(text: Optional[str]) -> dict:
    """{"program", "primitives", "tikz", "png"} of a program (supplement syntax) with every
    loop grown by one iteration; the PNG is on a canvas grown to hold it, as `g2p infer
    --extrapolate` draws it. ClientError(400) for a malformed program or one too large to draw."""
    if not isinstance(text, str) or not text.strip():
        raise ClientError(400, "expected {\"program\": \"...\"}, a program's text")
    if len(text) > MAX_PROGRAM_CHARS:
        raise ClientError(400, f"program longer than {MAX_PROGRAM_CHARS} characters")
    try:
        program = parse_program(text)
    except SpecError as e:
        raise ClientError(400, str(e)) from None
    except RecursionError:
        raise ClientError(400, "program nested too deeply") from None
    grown = extrapolate(program)
    if _most_primitives(grown, {}) > MAX_PRIMITIVES:
        raise ClientError(400, f"the extrapolated program draws over {MAX_PRIMITIVES} "
                               "primitives")
    spec = execute(grown)
    xmin, ymin, xmax, ymax = spec.bounds()
    if max(xmax - xmin, ymax - ymin) > MAX_EXTENT:
        raise ClientError(400, f"the extrapolated figure spans over {MAX_EXTENT} grid units")
    with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as folder:
        save_extrapolation(program, Path(folder) / "extrapolated.png")
        png = (Path(folder) / "extrapolated.png").read_bytes()
    return {"program": print_program(grown), "primitives": spec_to_dict(spec)["primitives"],
            "tikz": standalone_document(program_to_tikz(grown)),
            "png": data_url(png, "image/png")}


def _most_primitives(program, largest: dict) -> int:
    """An upper bound on the primitives a program draws, without running it; `largest` maps
    each enclosing loop variable to its largest value. ClientError for an unbound variable."""
    total = 0
    for s in program:
        if isinstance(s, Loop):
            runs = max(0, _largest(s.bound, largest))
            inner = {**largest, s.var: max(0, runs - 1)}
            total += runs * (_most_primitives(s.body, inner) + _most_primitives(s.boundary, inner))
        elif isinstance(s, Reflect):
            total += 2 * _most_primitives(s.body, largest)
        else:
            for e in s.coords:
                _largest(e, largest)
            total += 1
        if total > MAX_PRIMITIVES:
            break
    return total


def _largest(e, largest: dict) -> int:
    """The largest value an affine expression takes while its variable runs from 0 up."""
    if not e.var:
        return e.const
    if e.var not in largest:
        raise ClientError(400, f"program: variable {e.var!r} is used outside its loop")
    return e.const + max(0, e.coeff) * largest[e.var]
