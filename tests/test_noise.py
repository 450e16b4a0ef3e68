"""The pencil noise model: seeded, bounded, and ink where the clean render has ink."""
import cv2
import numpy as np
import pytest

from graphics2prog.noise import NoiseConfig, render_noisy
from graphics2prog.render import render_array
from graphics2prog.spec import Circle, Line, Rectangle, Spec

SPEC = Spec([Circle(4, 12), Rectangle(7, 9, 13, 14), Line(5, 11, 7, 11, arrow=True),
             Line(2, 2, 14, 6, dashed=True), Line(10, 9, 10, 3, arrow=True, dashed=True)])


def test_seeded_determinism():
    a = render_noisy(SPEC, np.random.default_rng(7))
    b = render_noisy(SPEC, np.random.default_rng(7))
    c = render_noisy(SPEC, np.random.default_rng(8))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("size", [256, 128])
def test_range_shape_and_type(size):
    for seed in range(5):
        a = render_noisy(SPEC, np.random.default_rng(seed), size=size)
        assert a.shape == (size, size) and a.dtype == np.float32
        assert a.min() >= 0.0 and a.max() <= 1.0 and a.max() > 0.3


def test_empty_spec_is_blank():
    assert render_noisy(Spec(), np.random.default_rng(0)).max() == 0.0


def test_ink_follows_the_clean_render():
    clean = render_array(SPEC)
    near_clean = cv2.dilate((clean > 0.2).astype(np.uint8), np.ones((15, 15), np.uint8)) > 0
    for seed in range(5):
        noisy = render_noisy(SPEC, np.random.default_rng(seed))
        assert noisy[near_clean].sum() > 0.97 * noisy.sum()   # within ~7 px of the strokes
        blur = [cv2.GaussianBlur(a, (0, 0), 3) for a in (clean, noisy)]
        assert np.corrcoef(blur[0].ravel(), blur[1].ravel())[0, 1] > 0.7
        assert np.corrcoef(clean.ravel(), noisy.ravel())[0, 1] < 0.95   # but not a copy


def test_config_controls_the_noise():
    quiet = NoiseConfig(intensity=(1.0, 1.0), translate_px=0.0, pressure=(1.0, 1.0),
                        pressure_field=0.0)
    a = render_noisy([Rectangle(2, 2, 10, 10)], np.random.default_rng(0), config=quiet)
    assert a.max() > 0.7                         # full pressure gives dark ink
    faint = NoiseConfig(intensity=(0.5, 0.5))
    b = render_noisy([Rectangle(2, 2, 10, 10)], np.random.default_rng(0), config=faint)
    assert b.max() <= 0.5 + 1e-6
