"""`choose_mode` and `--mode`: drawings on the paper's 16-square grid against free-form
diagrams."""
import json
from dataclasses import replace

import cv2
import numpy as np
import pytest
from PIL import Image

from graphics2prog.errors import InputError
from graphics2prog.image.mode import choose_mode
from graphics2prog.image.prepare import prepare
from graphics2prog.photo_sim import style_for, synth_photo
from graphics2prog.pipeline.core import load_pipeline
from graphics2prog.spec import Circle, Line, Rectangle, Spec

BEAM = ["--method", "beam", "--time-budget", "30", "--no-program", "--top", "1", "--quiet"]
SPEC = Spec([Rectangle(3, 4, 9, 9), Line(3, 12, 12, 12), Circle(12, 6)])


def large_diagram(path, seed: int = 0) -> None:
    """Boxes in a 5 x 4 layout joined by lines, with scribbled labels, on a 1600x1200 page."""
    rng = np.random.default_rng(seed)
    page = np.full((1200, 1600), 250, np.uint8)
    centres = [(150 + 320 * i, 150 + 300 * j) for i in range(5) for j in range(4)]
    for k, (x, y) in enumerate(centres):
        cv2.rectangle(page, (x - 90, y - 50), (x + 90, y + 50), 30, 3)
        for _ in range(6):  # a label: short strokes
            x0, y0 = x - 70 + int(rng.integers(0, 120)), y - 30 + int(rng.integers(0, 50))
            cv2.line(page, (x0, y0), (x0 + int(rng.integers(5, 20)), y0 + 8), 30, 2)
        if k + 4 < len(centres):
            cv2.arrowedLine(page, (x + 90, y), (centres[k + 4][0] - 90, centres[k + 4][1]), 30, 3)
    Image.fromarray(page).save(path)


def test_every_drawing_of_the_paper_is_on_the_grid(dev_drawings, examples):
    paths = sorted(dev_drawings.glob("*.png")) + sorted(examples.glob("*.png"))
    assert len(paths) > 50
    assert [p.name for p in paths if choose_mode(prepare(p)) != "grid"] == []


@pytest.mark.parametrize("grid_alpha", [(0.35, 0.8), (0.0, 0.0)])  # graph paper, plain sheet
def test_photos_of_the_papers_drawings_are_on_the_grid(tmp_path, grid_alpha):
    path = tmp_path / "photo.jpg"
    style = replace(style_for("medium", (1000, 750)), grid_alpha=grid_alpha)
    synth_photo(SPEC, np.random.default_rng(3), style).save(path)
    assert choose_mode(prepare(path)) == "grid"


def test_a_large_canvas_drawing_is_a_diagram(tmp_path):
    path = tmp_path / "diagram.png"
    large_diagram(path)
    prepared = prepare(path)
    assert prepared.extent.span_units > 30 and choose_mode(prepared) == "diagram"


def test_the_mode_flag_dispatches(tmp_path, g2p, examples):
    path = tmp_path / "diagram.png"
    large_diagram(path)
    code, out, err = g2p("infer", path, *BEAM, "--json", "--no-text")  # auto: a diagram
    assert code == 0, err
    assert json.loads(out)["mode"] == "diagram"
    code, out, err = g2p("infer", examples / "example-1.png", *BEAM, "--json")
    assert code == 0 and json.loads(out)["mode"] == "grid"
    code, _, err = g2p("infer", path, "--mode", "plain")
    assert code == 2
    quick = load_pipeline(method="beam", beam=2, time_budget=1.0, snap=False, program=False,
                          mode="grid")  # forced onto the grid: parsed, however badly
    assert quick.run_file(path).image_from_grid.shape == (3, 3)
    with pytest.raises(InputError):
        load_pipeline(method="beam", mode="free-form")
