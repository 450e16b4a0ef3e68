"""spec.py: canonical forms, drawing order, JSON and text round trips, metrics, validation."""
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphics2prog.spec import (
    Circle, Line, Rectangle, Spec, SpecError, exact_match, iou, load_spec_mapping,
    match_up_to_translation, primitive_from_dict, primitive_from_text, primitive_to_text,
    spec_from_dict, spec_from_text, spec_to_dict, spec_to_text, symmetric_difference,
)

coord = st.integers(0, 16)
circles = st.builds(Circle, coord, coord)
rectangles = st.builds(Rectangle, coord, coord, coord, coord).filter(
    lambda r: r.x1 != r.x2 and r.y1 != r.y2)
lines = st.builds(Line, coord, coord, coord, coord, st.booleans(), st.booleans()).filter(
    lambda l: (l.x1, l.y1) != (l.x2, l.y2))
primitives = st.one_of(circles, rectangles, lines)
specs = st.lists(primitives, max_size=12).map(Spec)


def test_rectangle_corners_are_ordered():
    assert Rectangle(5, 6, 1, 2).canonical() == Rectangle(1, 2, 5, 6)
    assert Spec([Rectangle(5, 2, 1, 6)]) == Spec([Rectangle(1, 2, 5, 6)])


def test_arrowless_line_is_undirected_but_arrow_keeps_direction():
    assert Spec([Line(5, 5, 1, 1)]) == Spec([Line(1, 1, 5, 5)])
    assert Spec([Line(5, 5, 1, 1, arrow=True)]) != Spec([Line(1, 1, 5, 5, arrow=True)])
    assert Line(5, 5, 1, 1, dashed=True).canonical() == Line(1, 1, 5, 5, dashed=True)


def test_drawing_order_circles_rectangles_lines_left_to_right_bottom_to_top():
    spec = Spec([Line(0, 0, 1, 1), Rectangle(3, 3, 4, 4), Circle(5, 2), Circle(5, 1),
                 Circle(2, 9), Rectangle(1, 3, 2, 4)])
    assert list(spec) == [Circle(2, 9), Circle(5, 1), Circle(5, 2), Rectangle(1, 3, 2, 4),
                          Rectangle(3, 3, 4, 4), Line(0, 0, 1, 1)]


def test_duplicates_collapse():
    assert len(Spec([Circle(1, 1), Circle(1, 1), Line(2, 2, 1, 1), Line(1, 1, 2, 2)])) == 2


@given(specs)
def test_json_round_trip(spec):
    assert spec_from_dict(json.loads(json.dumps(spec_to_dict(spec)))) == spec


@given(specs)
def test_text_round_trip(spec):
    assert spec_from_text(spec_to_text(spec)) == spec


def test_text_syntax_of_the_paper():
    assert primitive_to_text(Line(4, 7, 6, 9, True, False)) == "line(4,7,6,9,arrow = True,solid = True)"
    assert primitive_from_text("line(6,2,3,2,\narrow = True,solid = False)") == Line(6, 2, 3, 2, True, True)
    assert primitive_from_text("rectangle(12,9,13,11);") == Rectangle(12, 9, 13, 11)
    with pytest.raises(SpecError):
        primitive_from_text("circle(1)")


def test_metrics():
    a = Spec([Circle(1, 1), Circle(2, 2), Rectangle(0, 0, 3, 3)])
    b = Spec([Circle(1, 1), Circle(2, 2), Line(0, 0, 3, 3)])
    assert not exact_match(a, b) and exact_match(a, Spec(reversed(list(a))))
    assert iou(a, b) == pytest.approx(2 / 4)
    assert symmetric_difference(a, b) == 2
    assert iou(Spec(), Spec()) == 1.0
    assert match_up_to_translation(a, a.translated(3, 1))
    assert not match_up_to_translation(a, b)


@given(specs, specs)
def test_metric_properties(a, b):
    assert 0.0 <= iou(a, b) <= 1.0
    assert symmetric_difference(a, b) == symmetric_difference(b, a)
    assert (symmetric_difference(a, b) == 0) == exact_match(a, b) == (iou(a, b) == 1.0 or (not a and not b))


@pytest.mark.parametrize("doc, message", [
    ({"kind": "hexagon"}, "unknown primitive kind"),
    ({"kind": "rectangle", "x1": 1, "y1": 1, "x2": 2}, "missing field(s): y2"),
    ({"kind": "circle", "x": -1, "y": 3}, "off the grid"),
    ({"kind": "circle", "x": 17, "y": 3}, "off the grid"),
    ({"kind": "circle", "x": 1.5, "y": 3}, "integer"),
    ({"kind": "line", "x1": 1, "y1": 1, "x2": 3, "y2": 3, "arrow": "yes"}, "true or false"),
    ({"kind": "rectangle", "x1": 1, "y1": 1, "x2": 5, "y2": 1}, "zero width or height"),
    ("circle", "JSON object"),
])
def test_validation_messages(doc, message):
    with pytest.raises(SpecError, match=None) as info:
        primitive_from_dict(doc)
    assert message in str(info.value)


def test_dev_ground_truth_loads(dev_drawings):
    mapping = load_spec_mapping(dev_drawings / "ground_truth.json")
    assert len(mapping) == 50
    assert all(len(spec) >= 1 for spec in mapping.values())
