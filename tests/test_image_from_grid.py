"""`image_from_grid`: where the model's grid lies in the input image, through every reader (a
256x256 drawing, a photo of graph paper, a plain sheet, a scan) and registration."""
import json
from dataclasses import replace

import cv2
import numpy as np
import pytest
from PIL import Image

from graphics2prog.image.frames import MODEL_FROM_GRID
from graphics2prog.image.prepare import prepare
from graphics2prog.photo_sim import style_for, synth_photo
from graphics2prog.render import render_array
from graphics2prog.spec import Circle, Line, Rectangle, Spec, spec_from_dict

BEAM = ["--method", "beam", "--time-budget", "30", "--no-program", "--top", "1", "--quiet",
        "--json"]
SPEC = Spec([Rectangle(3, 4, 9, 9), Line(3, 12, 12, 12), Circle(12, 6)])
SIZE = (1000, 750)


def through(h: np.ndarray, xy) -> np.ndarray:
    """Points (n, 2) through the homography h."""
    q = np.c_[np.asarray(xy, np.float64), np.ones(len(xy))] @ h.T
    return q[:, :2] / q[:, 2:]


def corners(spec: Spec) -> np.ndarray:
    """Every primitive's defining points (grid units)."""
    return np.array([xy for p in spec for xy in zip(p.coords()[0::2], p.coords()[1::2])],
                    np.float64)


def photo_truth(photo) -> np.ndarray:
    """Spec grid (x, y) -> photo pixels with (0, 0) at the top-left corner, from photo_sim's
    own geometry (its grid_to_photo is in pixel centres)."""
    spec_to_sheet = np.array([[1, 0, photo.window[0]], [0, -1, photo.window[1] + 16], [0, 0, 1]])
    return np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]]) @ photo.grid_to_photo @ spec_to_sheet


def offset_on_ink(ink: np.ndarray, spec: Spec) -> tuple[int, int]:
    """The whole-square shift that lays `spec`'s clean render on `ink`."""
    best, best_score = (0, 0), -1.0
    for dx in range(-12, 13):
        for dy in range(-12, 13):
            x0, y0, x1, y1 = spec.translated(dx, dy).bounds()
            if min(x0, y0) >= 0 and max(x1, y1) <= 16:
                score = float((render_array(spec.translated(dx, dy)) * ink).sum())
                if score > best_score:
                    best, best_score = (dx, dy), score
    return best


def test_a_256_drawing_is_the_grid_itself(tmp_path, g2p):
    path = tmp_path / "drawing.png"
    Image.fromarray(np.round(255 * (1 - render_array(SPEC))).astype(np.uint8)).save(path)
    prepared = prepare(path)
    assert np.array_equal(prepared.image_from_grid, MODEL_FROM_GRID)
    assert prepared.input_rgb.shape == (256, 256, 3) and prepared.input_factor == 1.0
    code, out, _ = g2p("infer", path, *BEAM)
    assert code == 0
    assert json.loads(out)["image_from_grid"] == [[16, 0, 0], [0, -16, 256], [0, 0, 1]]


@pytest.mark.parametrize("stored", ["as taken", "turned, with its EXIF tag", "enlarged 4x"])
def test_a_graph_paper_photo_maps_each_primitive_onto_its_pixels(tmp_path, stored):
    photo = synth_photo(SPEC, np.random.default_rng(1), style_for("easy", SIZE))
    truth = photo_truth(photo)
    path = tmp_path / "photo.jpg"
    if stored == "turned, with its EXIF tag":  # which turns it upright again
        exif = Image.Exif()
        exif[0x0112] = 6
        Image.fromarray(np.rot90(photo.rgb())).save(path, quality=95, exif=exif)
    elif stored == "enlarged 4x":  # a JPEG this large is decoded at half its size
        Image.fromarray(cv2.resize(photo.rgb(), (4000, 3000))).save(path, quality=95)
        truth = np.diag([4.0, 4.0, 1.0]) @ truth
    else:
        photo.save(path)
    prepared = prepare(path)
    assert not prepared.placed
    if stored == "enlarged 4x":  # ... and the map still refers to the full size
        assert prepared.input_factor == 0.5 and prepared.input_rgb.shape == (1500, 2000, 3)
    dx, dy = offset_on_ink(prepared.ink, SPEC)
    points = corners(SPEC)
    found = through(prepared.image_from_grid, points + (dx, dy))
    assert np.abs(found - through(truth, points)).max() <= (8.0 if "4x" in stored else 2.0)


def test_a_plain_sheet_maps_through_registration(tmp_path, g2p):
    """A sheet straightened, scaled by its strokes' unit and registered (infer/register.py)."""
    spec = Spec([Rectangle(3, 5, 7, 9), Circle(11, 7), Line(7, 7, 10, 7, arrow=True)])
    photo = synth_photo(spec, np.random.default_rng(20),
                        replace(style_for("easy", SIZE), grid_alpha=(0.0, 0.0)))
    path = tmp_path / "plain.jpg"
    photo.save(path)
    code, out, _ = g2p("infer", path, *BEAM)
    assert code == 0
    doc = json.loads(out)
    found = spec_from_dict(doc["specs"][0])
    assert len(found) == len(spec)
    shift = np.subtract(found.bounds()[:2], spec.bounds()[:2])
    points = corners(spec)
    ours = through(np.array(doc["image_from_grid"]), points + shift)
    assert np.abs(ours - through(photo_truth(photo), points)).max() <= 4.0


def test_a_scan_maps_through_its_placement_and_registration(tmp_path, g2p):
    """The drawing enlarged 2.5 times at (100, 50) on a white page: grid (x, y) lies at pixel
    (100 + 40 x, 50 + 2.5 (256 - 16 y))."""
    page = np.full((800, 900), 255, np.uint8)
    big = cv2.resize(np.round(255 * (1 - render_array(SPEC))).astype(np.uint8), (640, 640),
                     interpolation=cv2.INTER_LINEAR)
    page[50:690, 100:740] = big
    path = tmp_path / "scan.png"
    Image.fromarray(page).save(path)
    truth = np.array([[40, 0, 100], [0, -40, 50 + 640], [0, 0, 1]])
    prepared = prepare(path)
    assert prepared.placed
    inked = np.argwhere(prepared.ink > 0.5)[:, ::-1] + 0.5  # model pixel centres (x, y)
    grid = through(np.linalg.inv(MODEL_FROM_GRID), inked)
    at = np.floor(through(prepared.image_from_grid, grid)).astype(int)
    assert (page[at[:, 1], at[:, 0]] < 128).mean() > 0.9  # ink maps onto ink
    code, out, _ = g2p("infer", path, *BEAM)
    doc = json.loads(out)
    found = spec_from_dict(doc["specs"][0])
    assert code == 0 and len(found) == len(SPEC)
    shift = np.subtract(found.bounds()[:2], SPEC.bounds()[:2])
    ours = through(np.array(doc["image_from_grid"]), corners(SPEC) + shift)
    assert np.abs(ours - through(truth, corners(SPEC))).max() <= 4.0
