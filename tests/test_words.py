"""Handwritten words (graphics2prog.text): a rendered word is found and read, without_words
takes its ink out of an ink map and keeps the strokes around it, a page without words gives
none, and a missing backend says what to install."""
import shutil

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from graphics2prog.text import TextBackendMissing, TextConfig, Word, find_words, without_words
from graphics2prog.text import rapid
from graphics2prog.text.base import shipped
from graphics2prog.text.ctc import allowed_mask, decode_line
from graphics2prog.text.lexicon import best_reading, build_lexicon, reader

HAVE_RAPIDOCR = rapid.RapidOCR is not None and rapid.onnx is not None
HAVE_TESSERACT = shutil.which("tesseract") is not None
needs_rapidocr = pytest.mark.skipif(
    not HAVE_RAPIDOCR, reason="rapidocr-onnxruntime or onnx is not installed (pip install "
    "--no-deps rapidocr-onnxruntime onnxruntime pyclipper shapely pyyaml; pip install onnx)")
needs_tesseract = pytest.mark.skipif(
    not HAVE_TESSERACT, reason="the tesseract binary is not installed (apt-get install "
    "tesseract-ocr)")
ONE_THREAD = TextConfig(threads=1)
# PP-OCR's own reading, no head or lexicon
PLAIN = TextConfig(threads=1, head="", lexicon="")


def page(text: str = "", size=(640, 240), box: bool = False):
    """A white page with `text` in a 56 px font at (120, 90), and optionally a rectangle
    around it; returns the RGB array and the text's pixel box."""
    im = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(im)
    if box:
        draw.rectangle((60, 40, 580, 200), outline="black", width=4)
    bbox = (0, 0, 0, 0)
    if text:
        font = ImageFont.load_default(size=56)
        draw.text((120, 90), text, fill="black", font=font)
        bbox = draw.textbbox((120, 90), text, font=font)
    return np.asarray(im), bbox


def shapes_page():
    """Only strokes: a rectangle, a circle, an arrow's shaft."""
    im = Image.new("RGB", (640, 360), "white")
    draw = ImageDraw.Draw(im)
    draw.rectangle((40, 60, 240, 180), outline="black", width=4)
    draw.ellipse((330, 80, 420, 170), outline="black", width=4)
    draw.line((240, 120, 330, 125), fill="black", width=4)
    draw.line((420, 125, 600, 300), fill="black", width=4)
    return np.asarray(im)


def inside(point, box) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


@needs_rapidocr
@pytest.mark.parametrize("config", [ONE_THREAD, PLAIN], ids=["default", "plain"])
def test_rendered_word_is_found_and_read(config):
    rgb, bbox = page("order")
    words = find_words(rgb, config)
    assert [w.text.lower() for w in words] == ["order"]
    word = words[0]
    assert inside(word.centre, bbox) and inside(((bbox[0] + bbox[2]) / 2,
                                                 (bbox[1] + bbox[3]) / 2), word.box)
    assert 0.5 <= word.confidence <= 1.0


@needs_rapidocr
@pytest.mark.parametrize("config, text", [(ONE_THREAD, "send order"), (PLAIN, "send invoice")],
                         ids=["default", "plain"])
def test_a_line_is_cut_into_words_in_order(config, text):
    rgb, bbox = page(text, size=(900, 240))
    words = find_words(rgb, config)
    assert [w.text.lower() for w in words] == text.split()
    assert words[0].box[2] <= words[1].box[0] + 1


@needs_rapidocr
def test_float_and_grey_pictures_are_read_too():
    rgb, _ = page("order")
    grey = rgb[..., 0].astype(np.float32) / 255.0
    assert [w.text.lower() for w in find_words(grey, ONE_THREAD)] == ["order"]


@needs_rapidocr
def test_pages_without_words_give_none():
    assert find_words(page()[0], ONE_THREAD) == []
    assert find_words(shapes_page(), ONE_THREAD) == []


@needs_tesseract
def test_tesseract_backend_reads_printed_text():
    rgb, bbox = page("order")
    words = find_words(rgb, TextConfig(backend="tesseract", threads=1))
    assert [w.text.lower() for w in words] == ["order"]
    assert inside(words[0].centre, bbox)


def test_without_words_removes_the_letters_and_keeps_the_box():
    rgb, bbox = page("order", box=True)
    ink = 1.0 - rgb[..., 0].astype(np.float32) / 255.0
    word = Word(tuple(float(v) for v in bbox), "order", 1.0)
    clean = without_words(ink, [word])
    x1, y1, x2, y2 = bbox
    assert ink[y1:y2, x1:x2].sum() > 100 and clean[y1:y2, x1:x2].sum() == 0
    border = ink > 0.5
    border[y1 - 10:y2 + 10, x1 - 10:x2 + 10] = False
    assert (clean[border] > 0.5).mean() > 0.99
    assert np.array_equal(without_words(ink, []), ink)


def test_without_words_keeps_a_border_the_word_touches():
    rgb, bbox = page("order", box=True)
    ink = 1.0 - rgb[..., 0].astype(np.float32) / 255.0
    x1, y1, x2, y2 = bbox
    word = Word((x1, 36.0, x2, float(y2)), "order", 1.0)   # the box's top edge runs through it
    clean = without_words(ink, [word])
    top_edge = ink[40:44, 60:580] > 0.5
    assert (clean[40:44, 60:580][top_edge] > 0.5).mean() > 0.95
    assert clean[y1 + 4:y2, x1:x2].sum() == 0


def test_without_words_keeps_the_box_a_word_nearly_fills():
    im = Image.new("RGB", (640, 240), "white")
    draw = ImageDraw.Draw(im)
    draw.line((100, 70, 500, 76), fill="black", width=4)         # hand-drawn: a little slanted
    draw.line((100, 170, 500, 166), fill="black", width=4)
    draw.line((100, 70, 100, 170), fill="black", width=4)
    draw.line((500, 76, 500, 166), fill="black", width=4)
    font = ImageFont.load_default(size=56)
    draw.text((160, 85), "order", fill="black", font=font)
    text = draw.textbbox((160, 85), "order", font=font)
    ink = 1.0 - np.asarray(im)[..., 0].astype(np.float32) / 255.0
    x1, y1, x2, y2 = text
    found = Word((x1 - 10.0, y1 - 10.0, x2 + 10.0, y2 + 10.0), "order", 1.0)
    clean = without_words(ink, [found])
    assert clean[y1 + 6:y2, x1:x2].sum() < 0.02 * ink[y1 + 6:y2, x1:x2].sum()
    for rows, cols in (((66, 82), (110, 490)), ((160, 176), (110, 490)),
                       ((80, 160), (94, 108)), ((80, 160), (494, 508))):
        edge = ink[slice(*rows), slice(*cols)] > 0.5
        assert (clean[slice(*rows), slice(*cols)][edge] > 0.5).mean() > 0.95


def test_word_scaled_maps_its_box():
    word = Word((10.0, 20.0, 30.0, 40.0), "a", 0.9).scaled(0.5, dx=1, dy=2)
    assert word.box == (6.0, 12.0, 16.0, 22.0) and word.height == 10.0


def test_restricted_ctc_decoding_tiles_the_line():
    alphabet = ["blank", "a", "b", "中", " "]
    allowed = allowed_mask(alphabet, "ab")
    seq = [1, 0, 1, 2, 4, 3, 2, 0, 0, 0]      # "ab", space, "中b"
    probs = np.full((len(seq), len(alphabet)), 0.01)
    probs[np.arange(len(seq)), seq] = 0.9
    probs[5, 2] = 0.5                         # second best at the Chinese character: "b"
    words = decode_line(probs, alphabet, allowed, covered=1.0)
    assert [w.text for w in words] == ["aab", "b"]
    assert words[0].start == 0.0 and words[-1].end == 1.0
    assert words[0].end == words[1].start


def test_a_missing_head_or_lexicon_file_is_named():
    with pytest.raises(FileNotFoundError, match="no-such-head.npz"):
        shipped("no-such-head.npz")
    assert shipped("text_lexicon.txt").endswith("weights/text_lexicon.txt")


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown text backend"):
        find_words(page()[0], TextConfig(backend="nope"))


def test_missing_backends_say_what_to_install(monkeypatch):
    monkeypatch.setattr(rapid, "RapidOCR", None)
    rapid.engine.cache_clear()
    with pytest.raises(TextBackendMissing, match="pip install"):
        find_words(page()[0], TextConfig(threads=1))
    rapid.engine.cache_clear()
    monkeypatch.undo()
    monkeypatch.setattr(rapid, "onnx", None)
    rapid.feature_session.cache_clear()
    if HAVE_RAPIDOCR:
        with pytest.raises(TextBackendMissing, match="pip install onnx"):
            find_words(page("order")[0], TextConfig(threads=1))
    rapid.feature_session.cache_clear()
    with pytest.raises(TextBackendMissing, match="apt-get install tesseract-ocr"):
        find_words(page()[0], TextConfig(backend="tesseract", tesseract_cmd="no-such-binary"))


def _columns(text: str, alphabet: list[str], p: float = 0.9) -> np.ndarray:
    """Class probabilities of a line that reads `text` one character per column, blanks
    between, each column sure of its character with probability p."""
    rows = []
    for c in text:
        for k in (alphabet.index(c), 0):
            row = np.full(len(alphabet), (1 - p) / (len(alphabet) - 1))
            row[k] = p
            rows.append(row)
    return np.array(rows)


def test_lexicon_corrects_a_misread_word_and_splits_a_missing_space():
    alphabet = ["blank"] + list("abcdefghijklmnopqrstuvwxyz") + [" "]
    allowed = allowed_mask(alphabet, "abcdefghijklmnopqrstuvwxyz")
    r = reader(build_lexicon(["send", "welcome", "pack", "order"]), alphabet)
    misread = _columns("ordcr", alphabet, p=0.6)
    misread[6, alphabet.index("e")] = 0.35          # the "c" might have been an "e"
    assert best_reading(misread, allowed, r, margin=1.0, split_penalty=2.0) == [("order", 1.0)]
    joined = best_reading(_columns("sendwelcome", alphabet), allowed, r, 1.0, 2.0)
    assert [w for w, _ in joined] == ["send", "welcome"] and 7 / 22 <= joined[0][1] <= 8 / 22


def test_lexicon_keeps_a_clear_word_it_does_not_know():
    alphabet = ["blank"] + list("abcdefghijklmnopqrstuvwxyz") + [" "]
    allowed = allowed_mask(alphabet, "abcdefghijklmnopqrstuvwxyz")
    r = reader(build_lexicon(["send", "welcome", "pack", "order"]), alphabet)
    assert best_reading(_columns("invoice", alphabet, p=0.95), allowed, r, 0.5, 2.0) is None
