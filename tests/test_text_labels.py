"""Text primitives and their shapes (issue 18): words the project's own renderers write are
found, read and put back in grid units; attach_labels gives each text its shape (inside a box,
beside a circle, on an arrow, free); labels_to_json indexes the spec; the shipped text files
are checked by sha256."""
import json
import shutil

import numpy as np
import pytest

from graphics2prog.noise import render_noisy
from graphics2prog.render import render_array
from graphics2prog.shapes import Diamond, Polyline, Text
from graphics2prog.spec import Circle, Line, Rectangle, spec_from_text
from graphics2prog.text import (LabelConfig, TextConfig, TextWeightsError, Word, attach_labels,
                                attach_spec, group_lines, join_attached, labels_to_json,
                                read_texts, texts_in_grid, try_read_texts)
from graphics2prog.text import labels as text_labels, rapid, weights

needs_rapidocr = pytest.mark.skipif(
    rapid.RapidOCR is None or rapid.onnx is None,
    reason="rapidocr-onnxruntime or onnx is not installed (make install)")
SIZE = 512      # pixels of the 16-unit grid: 32 px a unit
ONE_THREAD = TextConfig(threads=1)


def page(ink: np.ndarray) -> np.ndarray:
    """An ink map (1 = ink) as a dark-on-white RGB page."""
    grey = np.round(255 * (1 - np.clip(ink, 0, 1))).astype(np.uint8)
    return np.repeat(grey[..., None], 3, axis=2)


@needs_rapidocr
@pytest.mark.parametrize("noisy", [False, True], ids=["clean", "pencil"])
def test_a_rendered_word_is_found_read_and_put_back_on_the_grid(noisy):
    spec = spec_from_text('rectangle(1,5,15,11,rounded = True); text(3,7,13,9,"order")')
    ink = (render_noisy(spec, np.random.default_rng(3), SIZE) if noisy
           else render_array(spec, SIZE))
    lines = read_texts(page(ink), ONE_THREAD)
    assert [w.text.lower() for w in lines] == ["order"]
    (t,) = texts_in_grid(lines, SIZE / 16, (0.0, SIZE))
    assert 2 <= t.x1 and t.x2 <= 14 and 6 <= t.y1 and t.y2 <= 10
    (a,) = attach_labels([p for p in spec if p.kind != "text"], [t])
    assert a.role == "inside" and a.shape_primitive == Rectangle(1, 5, 15, 11, True)


@needs_rapidocr
def test_a_page_of_shapes_has_no_text():
    spec = spec_from_text("rectangle(2,2,8,6); line(8,4,12,4,arrow = True,solid = True)")
    assert read_texts(page(render_array(spec, SIZE)), ONE_THREAD) == []


def test_a_missing_backend_is_one_warning_and_no_text(monkeypatch, capsys):
    monkeypatch.setattr(rapid, "RapidOCR", None)
    monkeypatch.setattr(text_labels, "_WARNED", set())  # as in a fresh process
    rapid.engine.cache_clear()  # an engine another test loaded would still read
    blank = np.full((64, 64, 3), 255, np.uint8)
    assert try_read_texts(blank) == [] and try_read_texts(blank) == []
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "text not read" in err and "pip install" in err


def test_words_are_grouped_into_lines_in_reading_order():
    words = [Word((120, 10, 180, 30), "card", 0.8), Word((0, 10, 50, 30), "Send", 0.9),
             Word((55, 12, 115, 31), "bank", 0.7), Word((0, 60, 40, 80), "yes", 1.0),
             Word((400, 10, 440, 30), "far", 1.0)]
    lines = group_lines(words)
    assert [w.text for w in lines] == ["Send bank card", "far", "yes"]
    assert lines[0].box == (0, 10, 180, 31)


def test_texts_in_grid_rounds_and_keeps_an_area():
    (t,) = texts_in_grid([Word((10, 90, 70, 98), "hi", 1.0)], 20.0, (0.0, 100.0))
    assert t == Text(0, 0, 4, 1, "hi")


SHAPES = [Rectangle(0, 0, 8, 4, True), Circle(20, 2, 2), Diamond(30, 5, 4, 2),
          Polyline(((8, 2), (13, 2), (13, 6), (18, 6)), True), Line(30, 3, 30, -3, True)]


@pytest.mark.parametrize("text, shape, role", [
    (Text(2, 1, 6, 3, "Send"), 0, "inside"),
    (Text(18, -2, 22, -1, "Start"), 1, "beside"),
    (Text(28, 8, 32, 9, "ok?"), 2, "beside"),
    (Text(14, 3, 16, 4, "yes"), 3, "edge"),
    (Text(31, -2, 33, -1, "no"), 4, "edge"),
    (Text(40, 40, 46, 41, "free"), None, "free"),
    (Text(29, 4, 31, 6, "x"), 2, "inside"),
])
def test_attach_labels(text, shape, role):
    (a,) = attach_labels(SHAPES, [text])
    assert (a.shape, a.role) == (shape, role)


def test_a_container_gives_way_to_a_label_beside_its_circle():
    pool = Rectangle(-5, -5, 50, 50)
    found = attach_labels([pool] + SHAPES, [Text(18, -2, 22, -1, "Start"),
                                            Text(40, 40, 46, 41, "Pool")])
    assert [(a.shape, a.role) for a in found] == [(2, "beside"), (0, "inside")]


def test_texts_inside_one_box_are_joined_top_to_bottom_left_to_right():
    texts = [Text(4, 1, 7, 2, "card"), Text(1, 2, 4, 3, "Send"), Text(4, 2, 7, 3, "bank"),
             Text(40, 40, 46, 41, "free")]
    merged, atts = join_attached(texts, attach_labels(SHAPES, texts))
    assert merged[0] == Text(1, 1, 7, 3, "Send bank card") and merged[1].text == "free"
    assert [(a.text, a.shape, a.role) for a in atts] == [(0, 0, "inside"), (1, None, "free")]
    assert LabelConfig().joiner == " "


def test_labels_to_json_indexes_the_spec():
    spec = spec_from_text('circle(20,2,r = 2); rectangle(0,0,8,4,rounded = True); '
                          'text(2,1,6,3,"Send"); text(18,-2,22,-1,"Start"); '
                          'text(40,40,46,41,"free")')
    kinds = [p.kind for p in spec]
    labels = labels_to_json(spec)
    assert json.loads(json.dumps(labels)) == labels
    for d in labels:
        assert kinds[d["text"]] == "text"
        assert d["shape"] is None or kinds[d["shape"]] != "text"
    by_text = {spec.primitives[d["text"]].text: (d["shape"], d["role"]) for d in labels}
    assert by_text == {"Send": (kinds.index("rectangle"), "inside"),
                       "Start": (kinds.index("circle"), "beside"), "free": (None, "free")}
    assert labels_to_json(spec, attach_spec(spec)) == labels


def test_the_shipped_text_files_are_checked_by_sha256(tmp_path):
    for name in ("text_head.npz", "text_lexicon.txt"):
        shutil.copy(weights.WEIGHTS / name, tmp_path / name)
    shutil.copy(weights.WEIGHTS / weights.MANIFEST, tmp_path / weights.MANIFEST)
    assert weights.registered("text_lexicon", tmp_path).endswith("text_lexicon.txt")
    assert weights.registered("text_head.npz", tmp_path).endswith("text_head.npz")
    with open(tmp_path / "text_lexicon.txt", "a") as f:
        f.write("tampered\n")
    with pytest.raises(TextWeightsError, match="sha256 mismatch"):
        weights.registered("text_lexicon", tmp_path)
