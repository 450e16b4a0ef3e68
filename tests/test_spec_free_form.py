"""Free-form primitives (circles of any radius, rounded rectangles, ellipses, diamonds, paths,
text): formats, canonical forms, validation, metrics, renders, pencil noise, TikZ, synthesis,
and the grid networks' refusal to encode them."""
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from graphics2prog.cli import main
from graphics2prog.export.tikz import (program_to_tikz, spec_to_tikz, standalone_document,
                                       tex_escape)
from graphics2prog.models.tokens import encode
from graphics2prog.noise import render_noisy
from graphics2prog.render import canvas_units, render_array, save_png, save_svg
from graphics2prog.shapes import Diamond, Ellipse, Polyline, Text
from graphics2prog.spec import (Circle, Line, Rectangle, Spec, SpecError, iou,
                                is_grid_primitive, match_up_to_translation, primitive_from_dict,
                                primitive_from_text, primitive_to_dict, primitive_to_text,
                                spec_from_dict, spec_from_text, spec_to_dict, spec_to_text,
                                symmetric_difference)
from graphics2prog.synth import execute, parse_program, print_program, synthesize

SPECIALS = "& % $ # _ { } ~ ^ \\"

# one of each new primitive, with the written forms the text syntax gives them
WRITTEN = [
    (Circle(20, 4, 3), "circle(20,4,r = 3)"),
    (Rectangle(0, 0, 6, 2, rounded=True), "rectangle(0,0,6,2,rounded = True)"),
    (Ellipse(10, 12, 3, 2), "ellipse(10,12,rx = 3,ry = 2)"),
    (Diamond(30, 5, 4, 2), "diamond(30,5,rx = 4,ry = 2)"),
    (Polyline(((0, 0), (4, 0), (4, 3)), True, False), "path(0,0,4,0,4,3,arrow = True,solid = True)"),
    (Polyline(((1, 1), (1, 5), (6, 5)), False, True), "path(1,1,1,5,6,5,arrow = False,solid = False)"),
    (Text(2, 20, 12, 22, 'Start; "go" (now)\n\\ ü'),
     'text(2,20,12,22,"Start; \\"go\\" (now)\\n\\\\ ü")'),
]
NEW = [p for p, _ in WRITTEN]
DIAGRAM = Spec(NEW + [Circle(3, 3), Line(6, 1, 10, 1, arrow=True)])

coord = st.integers(-5, 40)
size = st.integers(1, 6)
points = st.lists(st.tuples(coord, coord), min_size=2, max_size=5).filter(
    lambda q: all(a != b for a, b in zip(q, q[1:])))
words = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1).filter(str.strip)
free_form = st.one_of(
    st.builds(Circle, coord, coord, st.integers(2, 6)),
    st.builds(Rectangle, coord, coord, coord, coord, st.just(True)).filter(
        lambda r: r.x1 != r.x2 and r.y1 != r.y2),
    st.builds(Ellipse, coord, coord, size, size),
    st.builds(Diamond, coord, coord, size, size),
    st.builds(Polyline, points, st.booleans(), st.booleans()),
    st.builds(Text, coord, coord, coord, coord, words).filter(
        lambda t: t.x1 != t.x2 and t.y1 != t.y2))
specs = st.lists(free_form, max_size=8).map(Spec)


# ---------------------------------------------------------------- formats

@pytest.mark.parametrize("p, text", WRITTEN)
def test_text_syntax(p, text):
    assert primitive_to_text(p) == text
    assert primitive_from_text(text) == p


def test_json_fields_follow_the_design_table():
    assert primitive_to_dict(Circle(3, 4)) == {"kind": "circle", "x": 3, "y": 4}
    assert primitive_to_dict(Circle(3, 4, 2)) == {"kind": "circle", "x": 3, "y": 4, "r": 2}
    assert primitive_to_dict(Rectangle(0, 0, 6, 2)) == {
        "kind": "rectangle", "x1": 0, "y1": 0, "x2": 6, "y2": 2}
    assert primitive_to_dict(Rectangle(0, 0, 6, 2, True)) == {
        "kind": "rectangle", "x1": 0, "y1": 0, "x2": 6, "y2": 2, "rounded": True}
    assert primitive_to_dict(Ellipse(1, 2, 3, 4)) == {
        "kind": "ellipse", "x": 1, "y": 2, "rx": 3, "ry": 4}
    assert primitive_to_dict(Diamond(1, 2, 3, 4)) == {
        "kind": "diamond", "x": 1, "y": 2, "rx": 3, "ry": 4}
    assert primitive_to_dict(Polyline(((0, 0), (4, 0), (4, 3)), True)) == {
        "kind": "path", "points": [[0, 0], [4, 0], [4, 3]], "arrow": True, "dashed": False}
    assert primitive_to_dict(Text(0, 0, 4, 1, "Go")) == {
        "kind": "text", "x1": 0, "y1": 0, "x2": 4, "y2": 1, "text": "Go"}
    # absent fields take the paper's values; r = 1 is the paper's circle
    assert primitive_from_dict({"kind": "circle", "x": 3, "y": 4, "r": 1}) == Circle(3, 4)
    assert primitive_from_dict({"kind": "path", "points": [[0, 0], [1, 1]]}) == Polyline(
        ((0, 0), (1, 1)))


@given(specs)
def test_json_and_text_round_trips(spec):
    assert spec_from_dict(json.loads(json.dumps(spec_to_dict(spec)))) == spec
    assert spec_from_text(spec_to_text(spec)) == spec


def test_canonical_forms_and_drawing_order():
    assert Spec([Polyline(((4, 3), (4, 0), (0, 0)))]) == Spec([Polyline(((0, 0), (4, 0), (4, 3)))])
    assert Spec([Polyline(((4, 3), (4, 0), (0, 0)), arrow=True)]) != Spec(
        [Polyline(((0, 0), (4, 0), (4, 3)), arrow=True)])
    assert Text(5, 6, 1, 2, "a").canonical() == Text(1, 2, 5, 6, "a")
    assert Rectangle(5, 6, 1, 2, True).canonical() == Rectangle(1, 2, 5, 6, True)
    assert Ellipse(1, 1, 2, 2) != Diamond(1, 1, 2, 2)
    assert Circle(1, 1) == Circle(1, 1, 1) and Circle(1, 1) != Circle(1, 1, 2)
    assert [p.kind for p in DIAGRAM] == ["circle", "circle", "rectangle", "line", "ellipse",
                                         "diamond", "path", "path", "text"]
    assert spec_from_text("circle(1,1); circle(1,1,r = 1)") == Spec([Circle(1, 1)])


def test_only_the_papers_primitives_are_grid_primitives():
    assert all(is_grid_primitive(p) for p in (Circle(1, 1), Rectangle(0, 0, 1, 1), Line(0, 0, 1, 1)))
    assert not any(is_grid_primitive(p) for p in NEW)


@pytest.mark.parametrize("doc, message", [
    ({"kind": "circle", "x": 17, "y": 3}, "off the grid"),   # the paper's circle keeps its grid
    ({"kind": "circle", "x": 1, "y": 3, "r": 0}, "r must be a positive integer"),
    ({"kind": "circle", "x": 1, "y": 3, "r": 1.5}, "field r must be an integer"),
    ({"kind": "rectangle", "x1": 0, "y1": 0, "x2": 2, "y2": 2, "rounded": 1}, "true or false"),
    ({"kind": "rectangle", "x1": 0, "y1": 0, "x2": 0, "y2": 2, "rounded": True}, "zero width"),
    ({"kind": "ellipse", "x": 1, "y": 1, "rx": 2}, "missing field(s): ry"),
    ({"kind": "diamond", "x": 1, "y": 1, "rx": 2, "ry": -1}, "ry must be a positive integer"),
    ({"kind": "path", "points": [[0, 0]]}, "at least 2 points"),
    ({"kind": "path", "points": [[0, 0], [1]]}, "[x, y] integer pairs"),
    ({"kind": "path", "points": [[0, 0], [0, 0]]}, "repeats a point"),
    ({"kind": "path"}, "missing field(s): points"),
    ({"kind": "text", "x1": 0, "y1": 0, "x2": 4, "y2": 1, "text": "  "}, "non-empty"),
    ({"kind": "text", "x1": 0, "y1": 0, "x2": 4, "y2": 1, "text": 7}, "must be a string"),
    ({"kind": "text", "x1": 0, "y1": 0, "x2": 4, "y2": 0, "text": "a"}, "zero width"),
    ({"kind": "hexagon"}, "expected one of circle, rectangle, line, ellipse, diamond, path"),
])
def test_json_validation_messages(doc, message):
    with pytest.raises(SpecError) as info:
        primitive_from_dict(doc)
    assert message in str(info.value)


def test_free_form_primitives_are_not_clamped_to_the_grid():
    far = {"kind": "ellipse", "x": 40, "y": 30, "rx": 8, "ry": 3}
    assert primitive_from_dict(far) == Ellipse(40, 30, 8, 3)
    assert primitive_from_dict({"kind": "circle", "x": 40, "y": 3, "r": 2}) == Circle(40, 3, 2)


@pytest.mark.parametrize("read, text, message", [
    (primitive_from_text, "ellipse(1,2)", "ellipse needs rx = ... and ry = ..."),
    (primitive_from_text, "circle(1,2,q = 3)", "circle has no argument 'q'"),
    (primitive_from_text, "circle(1,2,3)", "circle takes 2 coordinates, got 3"),
    (primitive_from_text, "circle(1,2,r = True)", "r must be an integer"),
    (primitive_from_text, "text(0,0,4,1)", "text takes one string"),
    (primitive_from_text, "rectangle(0,0,4,1,\"a\")", "rectangle takes no string"),
    (primitive_from_text, "path(1,2,arrow = True,solid = True)", "at least 2 points"),
    (primitive_from_text, "path(1,2,3,4)", "path needs arrow = ... and solid = ..."),
    (primitive_from_text, "line(1,2,3,4)", "line needs arrow"),
    (primitive_from_text, "circle(r = 2,1,2)", "cannot parse"),
    (primitive_from_text, "hexagon(1,2)", "unknown primitive kind"),
    # programs check their primitives the same way
    (parse_program, "ellipse(1,2,rx = 2)", "program syntax: ellipse needs ry"),
    (parse_program, "circle(1,2,r = i)", "program syntax: circle: r must be an integer"),
    (parse_program, "text(0,0,4,1,\"a\",2)", "program syntax: text: a coordinate after"),
    (parse_program, "circle(1,2,rounded = True)", "circle has no argument 'rounded'"),
])
def test_written_errors_say_what_is_wrong(read, text, message):
    with pytest.raises(SpecError) as info:
        read(text)
    assert message in str(info.value)


def test_bounds_translation_and_metrics():
    spec = Spec([Circle(10, 10, 3), Polyline(((0, 20), (5, 25))), Text(2, 1, 8, 3, "x")])
    assert spec.bounds() == (0, 1, 13, 25)
    moved = spec.translated(4, -1)
    assert Polyline(((4, 19), (9, 24))) in moved and Text(6, 0, 12, 2, "x") in moved
    assert Circle(14, 9, 3) in moved
    assert match_up_to_translation(spec, moved)
    other = Spec([Circle(10, 10, 2), Polyline(((5, 25), (0, 20))), Text(2, 1, 8, 3, "y")])
    assert iou(spec, other) == pytest.approx(1 / 5)
    assert symmetric_difference(spec, other) == 4


# ---------------------------------------------------------------- renders

def _ink(a: np.ndarray, x: float, y: float, units_px: float = 16, radius: int = 2) -> float:
    """Most ink near grid point (x, y) of a render whose origin is its bottom-left corner."""
    row, col = round(a.shape[0] - units_px * y), round(units_px * x)
    return float(a[max(row - radius, 0):row + radius + 1, max(col - radius, 0):col + radius + 1].max())


def test_each_new_primitive_leaves_ink_where_expected():
    assert _ink(render_array([Circle(8, 8, 3)]), 11, 8) == 1.0
    assert render_array([Circle(8, 8, 3)])[128, 128] == 0.0
    a = render_array([Ellipse(8, 8, 4, 2)])
    assert _ink(a, 12, 8) == 1.0 and _ink(a, 8, 10) == 1.0 and _ink(a, 8, 12) == 0.0
    d = render_array([Diamond(8, 8, 4, 2)])
    assert _ink(d, 4, 8) == 1.0 and _ink(d, 8, 10) == 1.0 and _ink(d, 4, 10) == 0.0
    p = render_array([Polyline(((2, 2), (10, 2), (10, 9)), arrow=True)])
    assert _ink(p, 6, 2) == 1.0 and _ink(p, 10, 6) == 1.0 and _ink(p, 6, 6) == 0.0
    t = render_array([Text(2, 6, 14, 10, "Hello")])
    assert t.sum() > 50 and t[:, :30].max() == 0.0 and t[:90].max() == 0.0


def test_rounded_rectangle_cuts_its_corners():
    plain = render_array([Rectangle(2, 2, 10, 8)])
    rounded = render_array([Rectangle(2, 2, 10, 8, rounded=True)])
    assert _ink(plain, 2, 2, radius=1) == 1.0 and _ink(rounded, 2, 2, radius=1) < 0.5
    assert _ink(rounded, 6, 2) == 1.0 and _ink(rounded, 2, 5) == 1.0


def test_larger_diagrams_render_on_a_larger_canvas(tmp_path):
    spec = Spec([Ellipse(30, 20, 5, 3), Text(2, 2, 12, 5, "far & wide")])
    assert canvas_units(spec) == 36 and canvas_units(Spec([Circle(15, 15)])) == 16
    a = render_array(spec, 256, units=36)
    assert a.shape == (576, 576) and _ink(a, 35, 20) == 1.0 and _ink(a, 30, 23) == 1.0
    save_png(spec, tmp_path / "d.png", units=36)
    image = np.asarray(Image.open(tmp_path / "d.png"))
    assert image.shape == (576, 576) and image.min() < 80
    save_svg(spec, tmp_path / "d.svg", units=36)
    svg = (tmp_path / "d.svg").read_text()
    assert "576" in svg and "<path" in svg


def test_svg_draws_every_new_primitive(tmp_path):
    for p in NEW:
        save_svg([p], tmp_path / "p.svg", units=40)
        assert "<path" in (tmp_path / "p.svg").read_text(), p


def test_pencil_noise_draws_the_new_primitives_near_their_clean_render():
    spec = Spec([Circle(5, 11, 2), Rectangle(1, 1, 7, 4, True), Ellipse(11, 11, 3, 2),
                 Diamond(12, 4, 3, 2), Polyline(((2, 14), (8, 14), (8, 7)), True, True),
                 Text(1, 5, 7, 7, "A_b")])
    clean = render_array(spec)
    near = np.zeros_like(clean, dtype=bool)
    ys, xs = np.nonzero(clean > 0.2)
    for dy in range(-7, 8):
        for dx in range(-7, 8):
            near[np.clip(ys + dy, 0, 255), np.clip(xs + dx, 0, 255)] = True
    for seed in range(3):
        noisy = render_noisy(spec, np.random.default_rng(seed))
        assert np.array_equal(noisy, render_noisy(spec, np.random.default_rng(seed)))
        assert noisy.max() > 0.3 and noisy[near].sum() > 0.97 * noisy.sum()
        for p in spec:  # every primitive leaves pencil ink of its own
            assert render_noisy([p], np.random.default_rng(seed)).max() > 0.3, p
    big = render_noisy([Ellipse(30, 20, 5, 3)], np.random.default_rng(0), units=36)
    assert big.shape == (576, 576) and big[:, 380:].max() > 0.3


# ---------------------------------------------------------------- TikZ

def test_tex_escape_writes_every_special_character():
    assert tex_escape(SPECIALS) == ("\\& \\% \\$ \\# \\_ \\{ \\} \\textasciitilde{} "
                                    "\\textasciicircum{} \\textbackslash{}")
    assert tex_escape("a\nb\tc") == "a\\\\b c"
    assert tex_escape("Größe 🙂") == "Größe ?"


def test_spec_to_tikz_draws_shapes_as_nodes_and_paths_with_bends():
    body = spec_to_tikz(Spec(NEW))
    lines = body.splitlines()
    assert lines[0] == "\\node[draw, circle, inner sep=0, minimum size=3cm] (n1) at (20,4) {};"
    assert ("\\node[draw, rectangle, rounded corners=0.25cm, inner sep=0, minimum width=3cm, "
            "minimum height=1cm] (n2) at (3,1) {};") in lines
    assert ("\\node[draw, ellipse, inner sep=0, minimum width=3cm, minimum height=2cm] (n3) "
            "at (10,12) {};") in lines
    assert ("\\node[draw, diamond, inner sep=0, minimum width=4cm, minimum height=2cm] (n4) "
            "at (30,5) {};") in lines
    assert "\\draw[->] (0,0) -- (4,0) -- (4,3);" in lines
    assert "\\draw[dashed] (1,1) -- (1,5) -- (6,5);" in lines
    assert ('\\node[align=center] (n7) at (7,21) {Start; "go" (now)\\\\\\textbackslash{} ü};'
            in lines)
    doc = standalone_document(body)
    assert "\\usetikzlibrary{arrows.meta,shapes.geometric}" in doc
    assert "\\usetikzlibrary{arrows.meta}\n" in standalone_document("\\draw (0,0) circle (1);")


def test_text_node_escapes_tex_specials():
    body = spec_to_tikz(Spec([Text(0, 0, 8, 2, SPECIALS)]))
    assert body == ("\\node[align=center] (n1) at (4,1) {\\& \\% \\$ \\# \\_ \\{ \\} "
                    "\\textasciitilde{} \\textasciicircum{} \\textbackslash{}};")


def test_program_tikz_of_free_form_statements_in_a_loop():
    program = parse_program('for (i < 3){ rectangle(4 * i,0,4 * i + 3,2,rounded = True); '
                            'text(4 * i,0,4 * i + 3,2,"step") }; ellipse(2,6,rx = 2,ry = 1)')
    body = program_to_tikz(program)
    assert "at ({((4*\\i)+(4*\\i+3))/2},1)" in body
    assert "minimum width={abs((4*\\i+3)-(4*\\i))*0.5cm}" in body
    assert "\\node[draw, ellipse, inner sep=0, minimum width=2cm, minimum height=1cm]" in body


# ---------------------------------------------------------------- programs and synthesis

def test_program_text_round_trips_new_primitives():
    program = parse_program("\n".join(text for _, text in WRITTEN))
    assert execute(program) == Spec(NEW)
    assert parse_program(print_program(program)) == program
    looped = parse_program('for (i < 3){ circle(5 * i,2,r = 2); text(5 * i,5,5 * i + 4,6,"a;b") }')
    assert Circle(10, 2, 2) in execute(looped) and Text(10, 5, 14, 6, "a;b") in execute(looped)
    mirrored = execute(parse_program("reflect(x = 20){ path(0,0,4,0,4,3,arrow = True,solid = True) }"))
    assert Polyline(((20, 0), (16, 0), (16, 3)), True) in mirrored


def test_synthesis_draws_unlike_free_form_primitives_one_statement_each():
    spec = Spec([Circle(1, 1), Circle(4, 1), Circle(7, 1)] + NEW)
    result = synthesize(spec, timeout=20)
    assert result.program is not None and execute(result.program) == spec
    assert execute(parse_program(result.text)) == spec
    assert result.text.startswith("for (i < 3)")                  # the paper's circles loop
    assert result.cost == 3 * 2 + 3 * len(NEW)                    # no two new ones alike
    assert result.status == "optimal"


def test_a_row_of_equal_boxes_joined_by_arrows_becomes_a_loop():
    boxes = [Ellipse(3 + 8 * i, 20, 3, 2) for i in range(3)]
    arrows = [Polyline(((6 + 8 * i, 20), (8 + 8 * i, 20)), arrow=True) for i in range(2)]
    labels = [Text(1 + 8 * i, 19, 5 + 8 * i, 21, word) for i, word in enumerate(("in", "do", "out"))]
    spec = Spec(boxes + arrows + labels)
    result = synthesize(spec, timeout=30)
    assert execute(result.program) == spec and execute(parse_program(result.text)) == spec
    assert result.text.count("ellipse(") == 1 and result.text.count("path(") == 1
    assert result.text.startswith("for (i < 3)") and "if (i > 0)" in result.text
    assert result.cost == 3 * 3 + 3 * len(labels)     # one loop, its two statements, the words
    column = Spec([Rectangle(0, 4 * j, 4, 4 * j + 2, rounded=True) for j in range(4)]
                  + [Line(2, 4 * j + 2, 2, 4 * j + 4, arrow=True) for j in range(3)])
    program = synthesize(column, timeout=30).text
    assert program.count("rectangle(") == 1 and program.count("line(") == 1
    assert "rounded = True" in program and execute(parse_program(program)) == column


def test_synthesis_of_a_free_form_spec_alone():
    spec = Spec([Ellipse(40, 30, 3, 2), Text(30, 1, 36, 3, "{x}")])
    result = synthesize(spec, timeout=5)
    assert execute(result.program) == spec and result.statements == 2


def test_cli_synth_and_render_of_a_free_form_spec(tmp_path, capsys):
    path = tmp_path / "diagram.json"
    path.write_text(json.dumps(spec_to_dict(DIAGRAM)))
    assert main(["synth", str(path), "--json", "--timeout", "10"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert execute(parse_program(doc["program"])) == DIAGRAM
    out = tmp_path / "diagram.png"
    assert main(["render", str(path), "-o", str(out), "--size", "64"]) == 0
    assert np.asarray(Image.open(out)).shape == (4 * 35, 4 * 35)   # 34 units and a margin


# ---------------------------------------------------------------- the grid networks

@pytest.mark.parametrize("p", NEW)
def test_grid_tokens_refuse_free_form_primitives(p):
    with pytest.raises(SpecError, match="the grid networks encode only"):
        encode(p)
    assert encode(Circle(3, 4)) == (0, 3, 4, 0, 0, 0, 0)
