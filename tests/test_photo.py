"""Photos and scans of drawings on graph paper: the grid's unit and rotation, grid removal,
and photos end to end (simulated by graphics2prog.photo_sim)."""
import json
from dataclasses import replace

import cv2
import numpy as np
import pytest

from graphics2prog.image.graph_paper import find_paper_grid, read_photo
from graphics2prog.image.prepare import prepare
from graphics2prog.image.sheet import find_sheet
from graphics2prog.photo_sim import style_for, synth_photo, table_photo
from graphics2prog.render import render_array
from graphics2prog.spec import (Circle, Line, Rectangle, Spec, match_up_to_translation,
                                spec_from_dict)

# beam search with a generous ceiling (it ends on its own), no program
BEAM = ["--method", "beam", "--time-budget", "30", "--no-program"]
SIZE = (1000, 750)  # small photos keep the tests fast; the benchmark uses 12 MP
FLAT = replace(style_for("easy", SIZE), perspective=0.0)  # a known unit and rotation
ON_LINES = Spec([Rectangle(3, 4, 9, 9), Line(3, 12, 12, 12), Line(12, 4, 12, 9, arrow=True)])


def _aligned(ink: np.ndarray, spec: Spec) -> np.ndarray:
    """The clean render of `spec` moved by whole squares to where `ink` has it."""
    best, best_score = None, -1.0
    for dx in range(-12, 13):
        for dy in range(-12, 13):
            moved = spec.translated(dx, dy)
            x0, y0, x1, y1 = moved.bounds()
            if min(x0, y0) < 0 or max(x1, y1) > 16:
                continue
            clean = render_array(moved)
            score = float((clean * ink).sum())
            if score > best_score:
                best, best_score = clean, score
    return best


@pytest.mark.parametrize("seed, colour", [(0, "blue"), (1, "grey"), (2, "green")])
def test_grid_unit_is_estimated_within_3_percent(seed, colour):
    style = replace(FLAT, grid_colours=(colour,), rotation_deg=6.0)
    photo = synth_photo(ON_LINES, np.random.default_rng(seed), style)
    fit = find_paper_grid(photo.rgb())
    assert fit is not None
    assert abs(fit.unit_px - photo.unit_px) <= 0.03 * photo.unit_px


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_deskew_recovers_a_known_rotation_within_a_degree(seed):
    photo = synth_photo(ON_LINES, np.random.default_rng(seed), FLAT)
    fit = find_paper_grid(photo.rgb())
    assert fit is not None and abs(photo.rotation_deg) > 0.5
    assert abs(fit.rotation_deg - photo.rotation_deg) <= 1.0


@pytest.mark.parametrize("seed, colour", [(6, "grey"), (7, "blue")])
def test_grid_removal_keeps_strokes_that_run_along_grid_lines(seed, colour):
    style = replace(style_for("medium", SIZE), grid_colours=(colour,), grid_alpha=(0.7, 0.8),
                    inks=("pencil",), shadow_p=0.0)
    photo = synth_photo(ON_LINES, np.random.default_rng(seed), style)
    ink = read_photo(photo.rgb()).ink
    clean = _aligned(ink, ON_LINES)
    nearby_ink = cv2.dilate(ink, np.ones((7, 7), np.uint8))  # pencil wanders a few pixels
    assert (nearby_ink[clean > 0.5] > 0.5).mean() > 0.95  # the strokes, all on grid lines, stay
    near = cv2.dilate((clean > 0.05).astype(np.uint8), np.ones((11, 11), np.uint8)) > 0
    grid = np.zeros((256, 256), bool)
    grid[::16, :] = grid[:, ::16] = True
    grid[15::16, :] = grid[:, 15::16] = True  # lines fall on pixel edges: both neighbours
    assert ink[grid & ~near].mean() < 0.02  # the printed lines themselves are gone


def test_photos_of_graph_paper_parse_end_to_end(tmp_path, g2p):
    specs = [ON_LINES,
             Spec([Circle(4, 8), Rectangle(8, 6, 12, 10), Line(5, 8, 8, 8, arrow=True)])]
    for i, (spec, level) in enumerate(zip(specs, ("easy", "medium"))):
        path = tmp_path / f"photo-{i}.jpg"
        synth_photo(spec, np.random.default_rng(10 + i), style_for(level, SIZE)).save(path)
        code, out, _ = g2p("infer", path, *BEAM, "--json",
                           "--top", "1", "--quiet", "--out", tmp_path / f"out-{i}")
        assert code == 0
        assert match_up_to_translation(spec_from_dict(json.loads(out)["specs"][0]), spec)
        assert (tmp_path / f"out-{i}" / "photo.png").stat().st_size > 0
        assert (tmp_path / f"out-{i}" / "input.png").stat().st_size > 0


def test_a_photo_of_plain_paper_is_straightened_and_registered(tmp_path, g2p):
    spec = Spec([Rectangle(3, 5, 7, 9), Circle(11, 7), Line(7, 7, 10, 7, arrow=True)])
    style = replace(style_for("easy", SIZE), grid_alpha=(0.0, 0.0))
    path = tmp_path / "plain.jpg"
    synth_photo(spec, np.random.default_rng(20), style).save(path)
    code, out, _ = g2p("infer", path, *BEAM, "--json",
                       "--top", "1", "--quiet")
    assert code == 0
    assert match_up_to_translation(spec_from_dict(json.loads(out)["specs"][0]), spec)


def test_no_drawing_or_no_paper_gives_an_empty_spec(tmp_path, g2p):
    blank = tmp_path / "blank-sheet.jpg"
    synth_photo(Spec(), np.random.default_rng(30), style_for("medium", SIZE)).save(blank)
    table = tmp_path / "table.jpg"
    table.write_bytes(table_photo(np.random.default_rng(31), style_for("medium", SIZE)))
    for path in (blank, table):
        code, out, err = g2p("infer", path, *BEAM, "--json", "--quiet")
        assert code == 0 and "Traceback" not in err
        assert json.loads(out)["specs"][0]["primitives"] == []


def test_a_given_grid_unit_narrows_the_search(tmp_path):
    photo = synth_photo(ON_LINES, np.random.default_rng(40), style_for("easy", SIZE))
    path = tmp_path / "photo.jpg"
    photo.save(path)
    prepared = prepare(path, grid_unit=1.1 * photo.unit_px)
    assert not prepared.placed and prepared.rectified.shape == (512, 512, 3)
    assert abs(prepared.grid_unit_px - photo.unit_px) <= 0.05 * photo.unit_px
    assert prepare(path, grid_unit=3.0 * photo.unit_px).placed  # no grid that coarse


def test_sample_writes_a_photo_beside_each_scene(tmp_path, g2p):
    code, _, _ = g2p("sample", "--n", "1", "--seed", "2", "-o", tmp_path, "--photo",
                     "easy")
    assert code == 0
    assert (tmp_path / "scene-0-photo.jpg").read_bytes()[:2] == b"\xff\xd8"
    code, _, err = g2p("sample", "--photo")
    assert code == 2 and err.count("\n") == 1


def test_simulated_photos_are_repeatable():
    a = synth_photo(ON_LINES, np.random.default_rng(50), style_for("hard", (400, 300)))
    b = synth_photo(ON_LINES, np.random.default_rng(50), style_for("hard", (400, 300)))
    assert a.jpeg == b.jpeg and np.allclose(a.grid_to_photo, b.grid_to_photo)


def test_a_lighting_gradient_is_not_the_edge_of_a_sheet():
    yy, xx = np.mgrid[0:600, 0:800]
    lit = 0.55 + 0.35 * (xx / 800) * (0.6 + 0.4 * yy / 600)  # paper filling the frame
    page = np.repeat((255 * lit)[..., None], 3, -1).astype(np.uint8)
    assert find_sheet(page) == (None, None)
    on_table = np.full((600, 800, 3), 70, np.uint8)  # the same light on a sheet on a table
    on_table[100:500, 150:650] = page[100:500, 150:650]
    corners, _ = find_sheet(on_table)
    assert corners is not None and np.allclose(corners[0], (150, 100), atol=6)
