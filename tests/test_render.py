"""Clean renderer geometry, file outputs, and the sprite cache's composition."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from graphics2prog.render import (SpriteCache, array_to_png, render_array, render_uint8, save_png,
                                  save_svg)
from graphics2prog.spec import Circle, Line, Rectangle, Spec


def near(a: np.ndarray, row: int, col: int, radius: int = 2) -> float:
    """Most ink within a small window around (row, col)."""
    return float(a[max(row - radius, 0):row + radius + 1,
                   max(col - radius, 0):col + radius + 1].max())


def test_rectangle_lands_on_grid_with_y_up():
    a = render_array([Rectangle(1, 1, 3, 3)])
    assert a.shape == (256, 256) and a.dtype == np.float32
    assert near(a, 240, 16) == 1.0 and near(a, 240, 32) == 1.0   # bottom side, y = 1
    assert near(a, 208, 48) == 1.0 and near(a, 224, 16) == 1.0   # top-right corner, left side
    assert a[224, 32] == 0.0                                      # the middle is empty
    assert a[:200].max() == 0.0 and a[:, 60:].max() == 0.0        # nothing elsewhere


def test_circle_has_radius_one_unit():
    a = render_array([Circle(8, 8)])
    for row, col in ((128, 144), (128, 112), (112, 128), (144, 128)):
        assert near(a, row, col, 1) == 1.0
    assert a[120:137, 120:137].max() == 0.0
    assert a[:100].max() == 0.0


def test_line_is_thin_and_direction_free_without_arrow():
    a = render_array([Line(2, 14, 6, 14)])
    assert near(a, 32, 64, 1) == 1.0 and a[40:].max() == 0.0
    assert 1.5 <= a[:, 64].sum() <= 3.0           # about 2 px wide at 256
    assert np.array_equal(a, render_array([Line(6, 14, 2, 14)]))


def test_arrow_adds_ink_only_near_the_head():
    plain = render_array([Line(2, 8, 10, 8)])
    arrow = render_array([Line(2, 8, 10, 8, arrow=True)])
    extra = np.argwhere(arrow - plain > 0.5)
    assert len(extra) > 4
    assert np.abs(extra - [128, 160]).max() <= 10   # the head sits at (10, 8)
    flipped = render_array([Line(10, 8, 2, 8, arrow=True)])
    assert near(flipped - plain, 124, 34, 4) > 0.5 and (flipped - plain)[:, 100:].max() < 0.5


def test_dashed_line_has_gaps():
    solid = render_array([Line(2, 8, 12, 8)])[128, 40:184]
    dashed = render_array([Line(2, 8, 12, 8, dashed=True)])[128, 40:184]
    assert solid.min() == 1.0
    assert (dashed < 0.1).sum() > 30 and (dashed > 0.9).sum() > 30


def test_size_scales_the_grid():
    a = render_array([Rectangle(1, 1, 3, 3)], size=128)
    assert a.shape == (128, 128)
    assert near(a, 120, 8, 1) > 0.5 and near(a, 104, 24, 1) > 0.5   # corners (1, 1), (3, 3)
    assert a[112, 16] == 0.0 and 0.8 <= a[:, 16].sum() <= 2.2     # strokes about 1 px wide


def test_empty_spec_is_blank():
    assert render_array(Spec()).max() == 0.0


def test_png_and_svg_are_written(tmp_path):
    spec = Spec([Circle(4, 4), Line(1, 1, 9, 9, arrow=True, dashed=True)])
    save_png(spec, tmp_path / "a.png")
    img = np.asarray(Image.open(tmp_path / "a.png"))
    assert img.shape == (256, 256) and img.dtype == np.uint8
    ink = 1 - img / 255.0
    assert np.abs(ink - render_array(spec)).max() <= 1 / 255 + 1e-6
    save_svg(spec, tmp_path / "a.svg")
    text = (tmp_path / "a.svg").read_text()
    assert "<svg" in text and "path" in text
    array_to_png(np.full((8, 8), 2.0), tmp_path / "b.png")   # clipped, not wrapped
    assert np.asarray(Image.open(tmp_path / "b.png")).max() == 0


# ---------------------------------------------------------------- sprite cache

coord = st.integers(1, 15)
primitives = st.one_of(
    st.builds(Circle, coord, coord),
    st.builds(Rectangle, st.integers(0, 7), st.integers(0, 7), st.integers(8, 16),
              st.integers(8, 16)),
    st.builds(Line, st.integers(0, 7), coord, st.integers(8, 16), coord, st.booleans(),
              st.booleans()),
)
TOLERANCE = 1 / 255 + 1e-6   # 8-bit storage


@settings(max_examples=15, deadline=None)
@given(st.lists(st.lists(primitives, max_size=5), min_size=1, max_size=4))
def test_compose_equals_direct_rendering(specs):
    cache = SpriteCache(size=64, capacity=2)   # tiny capacity exercises the bank's growth
    canvases = cache.to_float(cache.compose(specs))  # (B, H, W)
    assert canvases.shape == (len(specs), 64, 64) and canvases.dtype == torch.float32
    for canvas, spec in zip(canvases, specs):
        assert np.abs(canvas.numpy() - render_array(spec, 64)).max() <= TOLERANCE


def test_extend_agrees_with_compose():
    cache = SpriteCache(size=64)
    base = [[Circle(3, 3)], [], [Rectangle(2, 2, 9, 5)]]
    new = [Line(1, 1, 8, 8, arrow=True), None, Circle(12, 12)]
    canvases = cache.compose(base)
    expected = cache.compose([b + ([n] if n else []) for b, n in zip(base, new)])
    assert torch.equal(cache.extend(canvases, new), expected)
    assert not torch.equal(canvases, expected)          # default: a new tensor
    idx = cache.indices(new)
    assert idx.dtype == torch.long and idx[1] == SpriteCache.BLANK
    cache.extend_indices(canvases, idx, out=canvases)   # in place, SMC's fast path
    assert torch.equal(canvases, expected)


def test_index_is_stable_and_canonical():
    cache = SpriteCache(size=32, capacity=2)
    i = cache.index(Line(5, 5, 1, 1))
    for k in range(5):
        cache.index(Circle(k + 2, 3))
    assert cache.index(Line(1, 1, 5, 5)) == i and len(cache) == 6
    assert cache.index(Line(5, 5, 1, 1, arrow=True)) != i   # direction matters with a head
    assert torch.equal(cache.sprite(Line(1, 1, 5, 5)),
                       torch.round(torch.from_numpy(render_array([Line(1, 1, 5, 5)], 32))
                                   * 255).to(torch.uint8))
    assert cache.sprite(None).max() == 0


def test_float_storage_matches_uint8():
    specs = [[Circle(4, 4), Line(1, 2, 9, 2, dashed=True)]]
    f = SpriteCache(size=64, dtype=torch.float32).compose(specs)
    u = SpriteCache(size=64).compose(specs)
    assert f.dtype == torch.float32
    assert (f - SpriteCache(size=64).to_float(u)).abs().max() <= TOLERANCE


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu():
    specs = [[Circle(4, 4), Rectangle(1, 1, 9, 9)], [Line(1, 1, 8, 3, arrow=True)]]
    gpu = SpriteCache(size=64, device="cuda").compose(specs)
    assert gpu.device.type == "cuda"
    assert torch.equal(gpu.cpu(), SpriteCache(size=64).compose(specs))


def test_larger_canvas_keeps_scale_and_origin():
    """units > 16 grows the canvas up and right; the 16x16 grid part is unchanged."""
    spec = Spec([Circle(3, 3), Rectangle(5, 5, 9, 8)])
    small = render_uint8(spec, 256)
    big = render_uint8(spec, 256, units=20)
    assert big.shape == (320, 320)
    assert np.array_equal(big[320 - 256:, :256], small)
