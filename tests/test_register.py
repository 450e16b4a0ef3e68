"""Registering a misplaced drawing onto the grid of a parse of itself."""
import cv2
import numpy as np

from graphics2prog.infer.register import agreement, align_to_spec, snap_to_grid
from graphics2prog.noise import render_noisy
from graphics2prog.render import render_array
from graphics2prog.spec import Circle, Line, Rectangle, Spec

TRUTH = Spec([Rectangle(2, 3, 6, 6), Circle(11, 5), Line(6, 4, 10, 5, arrow=True),
              Rectangle(9, 10, 14, 13), Line(4, 6, 4, 11)])


def misplacement(scale: float, dx: float, dy: float) -> np.ndarray:
    """Rescaling about the centre and shifting, as a rough placement does: (3, 3)."""
    return np.array([[scale, 0, 128 * (1 - scale) + dx], [0, scale, 128 * (1 - scale) + dy],
                     [0, 0, 1]])


def misplaced(image: np.ndarray, scale: float, dx: float, dy: float) -> np.ndarray:
    """The drawing rescaled about the centre and shifted, as a rough placement leaves it."""
    warp = misplacement(scale, dx, dy)[:2]
    return cv2.warpAffine(image, warp, (256, 256), flags=cv2.INTER_LINEAR)


def assert_maps_alike(found: np.ndarray, truth: np.ndarray, px: float) -> None:
    """Both maps take points across the canvas to within `px` of each other."""
    pts = np.array([[32, 32, 1], [224, 32, 1], [128, 128, 1], [32, 224, 1], [224, 224, 1]])
    assert np.abs(pts @ found.T - pts @ truth.T).max() <= px


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a > 0.3, b > 0.3
    return (a & b).sum() / max(1, (a | b).sum())


def test_alignment_undoes_a_few_percent_of_scale_and_half_a_unit_of_shift():
    drawing = render_noisy(TRUTH, np.random.default_rng(0))
    moved = misplaced(drawing, 1.05, 8.0, -6.0)
    found = align_to_spec(moved, TRUTH)
    assert found is not None
    aligned, to_moved = found
    # the map is the misplacement, after the pencil's own offset from the clean render
    to_drawing = align_to_spec(drawing, TRUTH)[1]
    assert_maps_alike(to_moved, misplacement(1.05, 8.0, -6.0) @ to_drawing, px=1.0)
    clean = render_array(TRUTH)
    assert overlap(aligned, clean) > overlap(moved, clean) + 0.2
    assert overlap(aligned, clean) > 0.5


def test_snapping_picks_the_placement_whose_parse_explains_the_ink():
    truth = render_array(TRUTH)
    drawing = misplaced(truth, 0.93, -7.5, -7.5)  # undone by the placement (1.07, 8, 8)

    def parse(image):  # a stand-in parser: right only on an image close to the truth
        return TRUTH if overlap(image, truth) > 0.3 else Spec([Circle(8, 8)])

    snapped, to_drawing = snap_to_grid(drawing, lambda images: [parse(i) for i in images], parse)
    assert overlap(snapped, truth) > 0.8
    assert_maps_alike(to_drawing, misplacement(0.93, -7.5, -7.5), px=1.5)
    assert agreement(snapped, TRUTH) > 0.95 > agreement(drawing, TRUTH)


def test_nothing_to_align_to():
    blank = np.zeros((256, 256), np.float32)
    assert align_to_spec(blank, Spec()) is None
    assert agreement(blank, Spec()) == 1.0
    snapped, _ = snap_to_grid(blank, lambda images: [Spec() for _ in images],
                              lambda image: Spec())
    assert not snapped.any()
