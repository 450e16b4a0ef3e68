"""Synthetic diagrams and their per-pixel stroke labels (diagram_scenes.py,
training/diagram_synth.py): seeds repeat, specs are valid, labels sit on the ink."""
import json

import numpy as np
import pytest
from PIL import Image

from graphics2prog.cli import main
from graphics2prog.diagram_scenes import (ARROW, HEAD, RECTANGLE, STROKE_CLASSES, DiagramConfig,
                                          DiagramScene, sample_diagram, scene_to_dict)
from graphics2prog.shapes import Polyline
from graphics2prog.spec import Rectangle, spec_from_dict, spec_to_dict, validate_primitive
from graphics2prog.training.diagram_photo import PhotoLook
from graphics2prog.training.diagram_synth import DiagramStyle, render_labelled

SEEDS = range(12)
# a plain photo: no table, grid, shadow, turn or perspective, so ink is where labels say
PLAIN = DiagramStyle(table_p=0.0, rotation_deg=0.0, perspective=0.0, width_px=(2.5, 3.0),
                     photo=PhotoLook(grid_p=0.0, shadow_p=0.0, light=(0.95, 1.0),
                                     noise=(0.5, 0.5), inks=("pen",)))


def _scene(seed: int) -> DiagramScene:
    return sample_diagram(np.random.default_rng(seed))


def test_class_names_keep_their_order():
    assert STROKE_CLASSES == ("background", "rectangle", "ellipse", "diamond", "arrow", "head",
                              "text", "other")


def test_seeds_repeat():
    assert _scene(3) == _scene(3)
    assert _scene(3) != _scene(4)
    scene = _scene(5)
    a = render_labelled(scene, np.random.default_rng(1), long_side=256)
    b = render_labelled(scene, np.random.default_rng(1), long_side=256)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


@pytest.mark.parametrize("seed", SEEDS)
def test_specs_validate_and_round_trip_through_json(seed):
    scene = _scene(seed)
    assert len(scene.primitives) == len(scene.classes)
    assert 60 <= scene.width <= 160 and 0.45 <= scene.height / scene.width <= 1.55
    for p in scene.primitives:
        validate_primitive(p)
    assert spec_from_dict(json.loads(json.dumps(spec_to_dict(scene.spec)))) == scene.spec
    doc = json.loads(json.dumps(scene_to_dict(scene)))
    assert spec_from_dict(doc) == scene.spec
    assert [STROKE_CLASSES.index(c) for c in doc["classes"]] == list(scene.classes)


def test_diagrams_vary_like_real_ones():
    scenes = [_scene(s) for s in range(60)]
    kinds = {p.kind for s in scenes for p in s.primitives}
    assert kinds >= {"rectangle", "circle", "ellipse", "diamond", "path", "text"}
    assert any(p.kind == "path" and p.dashed for s in scenes for p in s.primitives)
    assert any(p.kind == "path" and len(p.points) > 2 and p.arrow
               for s in scenes for p in s.primitives)
    assert set(c for s in scenes for c in s.classes) == set(range(1, len(STROKE_CLASSES))) - {HEAD}
    blank = sample_diagram(np.random.default_rng(0), DiagramConfig(blank_p=1.0))
    assert blank.primitives == ()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_labels_match_the_image_and_hold_the_drawn_classes(seed):
    scene = _scene(seed)
    rgb, labels = render_labelled(scene, np.random.default_rng(seed), long_side=512)
    assert rgb.dtype == labels.dtype == np.uint8
    assert rgb.shape == labels.shape + (3,) and max(labels.shape) == 512
    present = set(np.unique(labels).tolist())
    drawn = set(scene.classes) | ({HEAD} if any(
        getattr(p, "arrow", False) for p in scene.primitives) else set())
    assert present <= drawn | {0}
    assert drawn - present <= {HEAD}  # a head may hide under a later shape


def _plain(scene: DiagramScene, seed: int = 0):
    rgb, labels = render_labelled(scene, np.random.default_rng(seed), 512, PLAIN)
    return rgb.mean(axis=2), labels


def test_a_lone_rectangle_is_labelled_where_its_ink_is():
    scene = DiagramScene((Rectangle(20, 10, 60, 40, True),), (RECTANGLE,), 80, 50)
    grey, labels = _plain(scene)
    assert set(np.unique(labels).tolist()) == {0, RECTANGLE}
    paper = np.median(grey)
    assert grey[labels == RECTANGLE].mean() < paper - 40      # labelled pixels are inked
    dark = grey < paper - 60
    assert dark.sum() > 500 and (labels[dark] == RECTANGLE).mean() > 0.9


def test_arrows_get_head_labels_at_their_last_point():
    arrow = Polyline(((10, 25), (70, 25)), arrow=True)
    _, labels = _plain(DiagramScene((arrow,), (ARROW,), 80, 50))
    assert set(np.unique(labels).tolist()) == {0, ARROW, HEAD}
    xs_head = np.nonzero(labels == HEAD)[1]
    xs_body = np.nonzero(labels == ARROW)[1]
    assert xs_head.min() > np.percentile(xs_body, 90)         # the head is at the right end
    assert xs_head.max() >= np.nonzero(labels)[1].max() - 1
    assert 0.03 < len(xs_head) / (len(xs_head) + len(xs_body)) < 0.5


def test_outlines_beat_arrows_drawn_after_them():
    box = Rectangle(30, 10, 50, 40, True)
    through = Polyline(((10, 25), (70, 25)), arrow=False)
    _, labels = _plain(DiagramScene((box, through), (RECTANGLE, ARROW), 80, 50))
    _, box_only = _plain(DiagramScene((box,), (RECTANGLE,), 80, 50))
    assert np.all(labels[box_only == RECTANGLE] == RECTANGLE)


def test_cli_writes_image_label_and_scene_files(tmp_path):
    assert main(["data", "diagrams", "--n", "2", "--out", str(tmp_path), "--seed", "3",
                 "--long-side", "256"]) == 0
    image = np.asarray(Image.open(tmp_path / "diagram-00001.png"))
    labels = np.asarray(Image.open(tmp_path / "diagram-00001-labels.png"))
    assert image.shape == labels.shape + (3,) and labels.max() < len(STROKE_CLASSES)
    doc = json.loads((tmp_path / "diagram-00001.json").read_text())
    assert spec_from_dict(doc) == sample_diagram(np.random.default_rng([3, 1])).spec
