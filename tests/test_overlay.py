"""overlay.png: the parse drawn over the input where image_from_grid says, and only when the
result knows both the input and that mapping."""
import numpy as np
from PIL import Image

from graphics2prog.export.outputs import write_outputs
from graphics2prog.export.overlay import COLOURS, draw_overlay
from graphics2prog.pipeline.core import InferResult
from graphics2prog.spec import Polyline, Rectangle, Spec

# grid (x, y) -> pixel (20 + 10x, 180 - 10y), written with a homogeneous weight of 2
IMAGE_FROM_GRID = 2 * np.array([[10.0, 0, 20], [0, -10, 180], [0, 0, 1]])
WHITE = np.full((200, 300, 3), 255, np.uint8)


def near(pixel, colour, slack=60) -> bool:
    return bool(np.abs(pixel.astype(int) - colour).max() <= slack)


def test_a_rectangle_is_drawn_at_the_pixels_image_from_grid_gives():
    out = draw_overlay(WHITE, [Rectangle(2, 3, 8, 9)], IMAGE_FROM_GRID)
    assert out.shape == WHITE.shape and out.dtype == np.uint8
    # corners at columns 40 and 100, rows 150 (y = 3) and 90 (y = 9)
    for row, col in ((150, 70), (90, 70), (120, 40), (120, 100)):
        assert near(out[row, col], COLOURS["rectangle"]), (row, col, out[row, col])
    for row, col in ((120, 70), (150, 150), (40, 70)):
        assert (out[row, col] == 255).all(), (row, col)


def test_arrows_get_heads_and_dashed_strokes_gaps():
    arrow = Polyline(((2, 2), (12, 2), (12, 12)), arrow=True)
    dashed = Polyline(((14, 2), (26, 2)), dashed=True)
    out = draw_overlay(WHITE, [arrow, as_json(dashed)], IMAGE_FROM_GRID)
    # the bend at pixel (140, 160); the tip at (140, 60), its head wider than the shaft below
    assert near(out[160, 140], COLOURS["arrow"]) and near(out[62, 140], COLOURS["arrow"])
    assert near(out[69, 137], COLOURS["arrow"]) and not near(out[80, 137], COLOURS["arrow"])
    inked = [near(p, COLOURS["stroke"]) for p in out[160, 160:280]]
    assert 0.3 < np.mean(inked) < 0.9   # the dashed stroke: ink and gaps
    assert (draw_overlay(WHITE, [dashed], IMAGE_FROM_GRID)
            == draw_overlay(WHITE, [as_json(dashed)], IMAGE_FROM_GRID)).all()


def as_json(p: Polyline) -> dict:
    return {"kind": "path", "points": [list(q) for q in p.points], "dashed": p.dashed}


def test_the_photo_is_lightened_and_strokes_grow_with_its_size():
    grey = np.full((100, 100), 100, np.uint8)
    assert draw_overlay(grey, [], np.eye(3)).min() > 100
    big = np.full((4000, 3000, 3), 255, np.uint8)
    out = draw_overlay(big, [Rectangle(100, 100, 200, 200)], np.array(
        [[10.0, 0, 0], [0, -10, 4000], [0, 0, 1]]))
    column = out[:, 1500]   # crosses the edges at rows 2000 and 3000
    assert (column != 255).any(axis=1).sum() >= 2 * 8


def result_with(**extra) -> InferResult:
    result = InferResult(file="x.png", specs=[(Spec([Rectangle(2, 3, 8, 9)]), 0.0)],
                         ink=np.zeros((256, 256), np.float32))
    for name, value in extra.items():
        setattr(result, name, value)
    return result


def test_write_outputs_adds_overlay_png_only_when_the_result_knows_input_and_grid(tmp_path):
    written = write_outputs(result_with(), tmp_path / "plain")
    assert not (tmp_path / "plain" / "overlay.png").exists()
    assert all(p.name != "overlay.png" for p in written)
    half = write_outputs(result_with(image_from_grid=None, input_rgb=WHITE), tmp_path / "half")
    assert not (tmp_path / "half" / "overlay.png").exists() and len(half) == len(written)
    written = write_outputs(result_with(input_rgb=WHITE, image_from_grid=IMAGE_FROM_GRID),
                            tmp_path / "both")
    overlay = np.asarray(Image.open(tmp_path / "both" / "overlay.png"))
    assert tmp_path / "both" / "overlay.png" in written and overlay.shape == WHITE.shape
    assert near(overlay[150, 70], COLOURS["rectangle"])
