"""Diagram mode end to end with the shipped stroke network: the sampler's diagrams parse back,
a real dev photo gives shapes, arrows, image_from_grid and overlay.png, --no-text gives no text,
and the TikZ of a diagram compiles."""
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from graphics2prog.diagram_scenes import (DIAMOND, ELLIPSE, RECTANGLE, DiagramConfig,
                                          sample_diagram)
from graphics2prog.infer.diagram import parse_diagram
from graphics2prog.models.registry import load_stroke_net
from graphics2prog.training.diagram_synth import render_labelled

from conftest import DEV

DEV_PHOTOS = DEV.parents[1] / "diagrams" / "hdbpmn" / "dev" / "images"
SHAPE_KINDS = {"rectangle": "box", "circle": "round", "ellipse": "round", "diamond": "diamond"}


@pytest.fixture(scope="module")
def strokes():
    return load_stroke_net()


def kinds(primitives) -> Counter:
    return Counter(SHAPE_KINDS[p.kind] for p in primitives if p.kind in SHAPE_KINDS)


@pytest.mark.parametrize("seed", [3, 4])
def test_synthetic_diagrams_parse_back(strokes, seed):
    rng = np.random.default_rng(seed)
    scene = sample_diagram(rng, DiagramConfig())
    rgb, _ = render_labelled(scene, rng)
    found = parse_diagram(strokes, rgb).spec
    outline = {RECTANGLE: "box", ELLIPSE: "round", DIAMOND: "diamond"}
    want = Counter(outline[c] for p, c in zip(scene.primitives, scene.classes)
                   if c in outline and len(getattr(p, "points", ())) != 2)  # not a lane's line
    got = kinds(found)
    assert sum(want.values()) >= 3
    matched = sum((want & got).values())
    assert matched >= 0.7 * sum(want.values())          # most shapes found, by kind
    assert sum(got.values()) <= 1.3 * sum(want.values()) + 1  # and few invented
    arrows = sum(1 for p in scene.primitives if p.kind == "path" and p.arrow)
    found_arrows = sum(1 for p in found if p.kind == "path" and p.arrow)
    assert abs(found_arrows - arrows) <= max(2, 0.3 * arrows)


def dev_photo() -> Path:
    if not DEV_PHOTOS.is_dir():
        pytest.skip("../shared/diagrams is not here")
    return sorted(DEV_PHOTOS.iterdir())[0]


def test_a_dev_photo_parses_end_to_end(g2p, tmp_path):
    photo = dev_photo()
    code, out, err = g2p("infer", photo, "--mode", "diagram", "--no-text", "--json", "--quiet",
                         "--out", tmp_path)
    assert code == 0, err
    doc = json.loads(out)
    prims = doc["specs"][0]["primitives"]
    assert sum(p["kind"] in SHAPE_KINDS for p in prims) >= 3
    assert any(p["kind"] == "path" and p["arrow"] for p in prims)
    assert not any(p["kind"] == "text" for p in prims)  # --no-text
    with Image.open(photo) as im:
        width, height = im.size
    m = np.array(doc["image_from_grid"])
    corners = [m @ np.array([x, y, 1.0]) for x in (0, 1) for y in (0, 1)]
    assert all(-1 <= c[0] / c[2] <= width + 1 and -1 <= c[1] / c[2] <= height + 1
               for c in corners)
    for name in ("overlay.png", "render.png", "figure.tex", "spec.json"):
        assert (tmp_path / name).is_file()
    with Image.open(tmp_path / "overlay.png") as im:
        assert im.size[0] <= width and im.size[0] * height == pytest.approx(im.size[1] * width,
                                                                            rel=0.01)


@pytest.mark.slow
def test_a_diagram_figure_compiles(g2p, tmp_path):
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    code, _, err = g2p("infer", dev_photo(), "--mode", "diagram", "--quiet", "--out", tmp_path)
    assert code == 0, err
    tex = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                          "figure.tex"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert tex.returncode == 0, tex.stdout[-2000:]
