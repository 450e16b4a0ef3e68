"""Scene sampler: exact counts, no overlaps, canonical order, coordinate range, CRP reuse,
attachment bias, and perturbed copies."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphics2prog.scenes import (SceneConfig, attaching_points, conflicting_pairs, perturb,
                                  primitives_conflict, sample_scene)
from graphics2prog.spec import Circle, Line, Rectangle, Spec, symmetric_difference, \
    validate_primitive


@pytest.fixture(scope="module")
def scenes():
    rng = np.random.default_rng(0)
    return [sample_scene(rng) for _ in range(2000)]


def test_counts_cover_the_configured_range(scenes):
    counts = [len(s) for s in scenes]
    assert min(counts) == 1 and max(counts) == 12
    assert 5.5 < np.mean(counts) < 7.5  # uniform on 1..12 has mean 6.5


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), n=st.integers(1, 24))
def test_exact_count_and_no_overlap(seed, n):
    spec = sample_scene(np.random.default_rng(seed), SceneConfig(min_objects=n, max_objects=n))
    assert len(spec) == n
    assert conflicting_pairs(spec) == []


def test_no_overlaps_and_valid_canonical_primitives(scenes):
    for spec in scenes:
        assert conflicting_pairs(spec) == []
        assert Spec(reversed(spec.primitives)).primitives == spec.primitives
        for p in spec:
            assert p == p.canonical()
            validate_primitive(p)
            if isinstance(p, Circle):
                assert 2 <= p.x <= 14 and 2 <= p.y <= 14
            else:
                assert all(1 <= v <= 15 for v in p.coords())


def test_kinds_flags_and_attachment_rates(scenes):
    prims = [p for s in scenes for p in s]
    for kind in ("circle", "rectangle", "line"):
        assert 0.27 < np.mean([p.kind == kind for p in prims]) < 0.40
    lines = [p for p in prims if isinstance(p, Line)]
    assert 0.42 < np.mean([p.arrow for p in lines]) < 0.58
    assert 0.10 < np.mean([p.dashed for p in lines]) < 0.20
    attached = 0
    for spec in scenes:
        points = {q for p in spec for q in attaching_points(p)}
        attached += sum((p.x1, p.y1) in points or (p.x2, p.y2) in points
                        for p in spec if isinstance(p, Line))
    assert attached / len(lines) > 0.5


def test_crp_reuses_coordinates_more_than_uniform_sampling():
    def distinct_fraction(config):
        rng = np.random.default_rng(1)
        fractions = []
        for _ in range(400):
            xs = [v for p in sample_scene(rng, config) for v in p.coords()[0::2]]
            fractions.append(len(set(xs)) / len(xs))
        return np.mean(fractions)

    fixed = dict(min_objects=8, max_objects=8)
    crp = distinct_fraction(SceneConfig(**fixed))
    uniform = distinct_fraction(SceneConfig(crp_concentration=math.inf, **fixed))
    assert crp < uniform - 0.08


def test_sampling_is_seeded():
    a = [sample_scene(np.random.default_rng(7)) for _ in range(3)]
    b = [sample_scene(np.random.default_rng(7)) for _ in range(3)]
    assert a == b


@pytest.mark.parametrize("a, b, conflict", [
    (Circle(5, 5), Circle(7, 5), False),                       # tangent chain
    (Circle(5, 5), Circle(6, 6), True),
    (Rectangle(2, 2, 8, 8), Rectangle(3, 3, 5, 5), False),     # nested
    (Rectangle(2, 2, 4, 4), Rectangle(4, 2, 6, 4), True),      # shared edge
    (Rectangle(2, 2, 4, 4), Rectangle(4, 4, 6, 6), True),      # touching corners
    (Rectangle(2, 2, 5, 5), Rectangle(4, 4, 7, 7), True),      # crossing
    (Circle(5, 5), Rectangle(4, 4, 6, 6), False),              # inscribed
    (Circle(5, 5), Rectangle(5, 2, 8, 8), True),               # edge through the circle
    (Circle(5, 5), Line(6, 5, 9, 5), False),                   # attached, leaving outwards
    (Circle(5, 5), Line(6, 5, 8, 6), False),
    (Circle(5, 5), Line(6, 5, 6, 8), True),                    # tangent at the attaching point
    (Circle(5, 5), Line(4, 5, 7, 5), True),                    # through the centre
    (Circle(5, 5), Line(3, 6, 8, 6), True),                    # tangent, not attached
    (Rectangle(3, 2, 5, 5), Line(1, 3, 3, 3), False),          # attached to a side
    (Rectangle(3, 2, 5, 5), Line(4, 3, 3, 3, arrow=True), False),  # from inside
    (Rectangle(3, 2, 5, 5), Line(1, 3, 4, 3), True),           # crosses the side
    (Rectangle(3, 2, 5, 5), Line(3, 2, 3, 4), True),           # runs along a side
    (Rectangle(3, 2, 5, 5), Line(1, 1, 9, 3), True),           # passes through a corner
    (Line(0, 0, 2, 2), Line(0, 2, 2, 0), True),                # cross
    (Line(1, 1, 3, 1), Line(3, 1, 3, 4), False),               # corner
    (Line(1, 1, 5, 1), Line(3, 1, 3, 4), False),               # T junction
    (Line(1, 1, 3, 1), Line(3, 1, 5, 1), True),                # one continues the other
    (Line(1, 1, 9, 1), Line(1, 1, 9, 2), True),                # 7 degrees apart
    (Line(0, 0, 9, 2), Line(5, 1, 5, 4), True),                # near miss (0.1 units)
    (Line(1, 1, 5, 1), Line(1, 2, 5, 2), False),               # parallel, a unit apart
])
def test_conflict_geometry(a, b, conflict):
    assert primitives_conflict(a, b) == conflict
    assert primitives_conflict(b, a) == conflict


def test_attaching_points():
    assert sorted(attaching_points(Circle(5, 5))) == [(4, 5), (5, 4), (5, 6), (6, 5)]
    assert sorted(attaching_points(Rectangle(1, 1, 3, 2))) == [(2, 1), (2, 2)]


def test_perturb_is_a_small_symmetric_difference(scenes):
    rng = np.random.default_rng(3)
    for spec in scenes[:500]:
        other = perturb(spec, rng, max_changes=3)
        assert 1 <= symmetric_difference(spec, other) <= 6
        for p in other:
            validate_primitive(p)
    assert perturb(Spec(), rng) != Spec()
    s = scenes[0]
    assert perturb(s, np.random.default_rng(5)) == perturb(s, np.random.default_rng(5))


def test_config_rejects_impossible_ranges():
    with pytest.raises(ValueError):
        SceneConfig(min_objects=5, max_objects=4)
    with pytest.raises(ValueError):
        SceneConfig(coord_min=0, coord_max=17)
