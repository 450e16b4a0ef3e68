"""The `g2p` command: outputs of the foundation commands and every kind of bad input."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from graphics2prog.spec import load_spec


@pytest.fixture
def example(examples):
    return examples / "example-1.json"


def assert_bad_input(g2p, *argv, mentions=""):
    code, out, err = g2p(*argv)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("g2p")
    assert mentions in err
    assert "Traceback" not in err


@pytest.mark.parametrize("suffix", [".png", ".svg", ".tex"])
def test_render_writes_each_format(tmp_path, g2p, example, suffix):
    out = tmp_path / f"figure{suffix}"
    code, _, _ = g2p("render", example, "-o", out)
    assert code == 0 and out.stat().st_size > 100


def test_render_png_is_dark_ink_on_white(tmp_path, g2p, example):
    out = tmp_path / "f.png"
    assert g2p("render", example, "-o", out, "--size", 128)[0] == 0
    image = np.asarray(Image.open(out).convert("L"))
    assert image.shape == (128, 128)
    assert np.median(image) > 240 and image.min() < 80


def test_render_noisy_is_seeded(tmp_path, g2p, example):
    a, b, c = (tmp_path / n for n in ("a.png", "b.png", "c.png"))
    g2p("render", example, "-o", a, "--noisy", "--seed", 1)
    g2p("render", example, "-o", b, "--noisy", "--seed", 1)
    g2p("render", example, "-o", c, "--noisy", "--seed", 2)
    pixels = [np.asarray(Image.open(p)) for p in (a, b, c)]
    assert np.array_equal(pixels[0], pixels[1])
    assert not np.array_equal(pixels[0], pixels[2])


def test_sample_json_is_one_list_of_specs(g2p):
    code, out, _ = g2p("sample", "--n", 3, "--seed", 4, "--objects", "2-5", "--json")
    assert code == 0
    docs = json.loads(out)
    assert len(docs) == 3
    assert all(2 <= len(d["primitives"]) <= 5 for d in docs)
    assert g2p("sample", "--n", 3, "--seed", 4, "--objects", "2-5", "--json")[1] == out


def test_sample_writes_pictures_and_specs(tmp_path, g2p):
    assert g2p("sample", "--n", 2, "-o", tmp_path)[0] == 0
    for i in range(2):
        assert (tmp_path / f"scene-{i}.png").exists()
        assert (tmp_path / f"scene-{i}-clean.png").exists()
        load_spec(tmp_path / f"scene-{i}.json")


def test_data_synth_writes_shards(tmp_path, g2p):
    code, _, _ = g2p("data", "synth", "--scenes", 6, "--out", tmp_path / "d", "--workers", 1,
                     "--quiet")
    assert code == 0
    assert list((tmp_path / "d").glob("*.npz"))


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_missing_spec_file(tmp_path, g2p):
    assert_bad_input(g2p, "render", tmp_path / "nope.json", "-o", tmp_path / "x.png",
                     mentions="no such file")


def test_invalid_json(tmp_path, g2p):
    path = write(tmp_path, "bad.json", "{not json")
    assert_bad_input(g2p, "render", path, "-o", tmp_path / "x.png", mentions="invalid JSON")


@pytest.mark.parametrize("doc, mentions", [
    ({"shapes": []}, "primitives"),
    ({"primitives": [{"kind": "triangle"}]}, "unknown primitive kind"),
    ({"primitives": [{"kind": "circle", "x": 3}]}, "missing"),
    ({"primitives": [{"kind": "circle", "x": 3, "y": 40}]}, "off the grid"),
    ({"primitives": [{"kind": "rectangle", "x1": 3, "y1": 3, "x2": 3, "y2": 5}]}, "zero"),
    ({"primitives": [{"kind": "line", "x1": 1, "y1": 1, "x2": 1, "y2": 1}]}, "zero length"),
    ({"primitives": [{"kind": "circle", "x": "3", "y": 4}]}, "integer"),
])
def test_wrong_schema(tmp_path, g2p, doc, mentions):
    path = write(tmp_path, "spec.json", json.dumps(doc))
    assert_bad_input(g2p, "render", path, "-o", tmp_path / "x.png", mentions=mentions)


def test_non_image_output_suffix(tmp_path, g2p, example):
    assert_bad_input(g2p, "render", example, "-o", tmp_path / "x.gif", mentions=".png")


@pytest.mark.parametrize("argv", [
    ["sample", "--n", "0"],
    ["sample", "--objects", "5-2"],
    ["frobnicate"],
    [],
])
def test_bad_usage(g2p, argv):
    assert_bad_input(g2p, *argv)


def test_console_script_exit_status(tmp_path):
    """The installed `g2p` entry point maps bad input to status 2 with one line."""
    g2p = Path(sys.executable).with_name("g2p")
    result = subprocess.run([str(g2p), "render", str(tmp_path / "none.json"), "-o", "x.png"],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "no such file" in result.stderr


def test_synth_json_and_extrapolation(tmp_path, g2p):
    spec = tmp_path / "row.json"
    spec.write_text(json.dumps({"primitives": [
        {"kind": "circle", "x": x, "y": 3} for x in (2, 6, 10, 14)]}))
    out = tmp_path / "more.png"
    code, stdout, _ = g2p("synth", spec, "--json", "--extrapolate", out, "--quiet")
    assert code == 0
    doc = json.loads(stdout)
    assert set(doc) == {"program", "cost", "status", "time_s"}
    assert doc["status"] == "optimal" and "for" in doc["program"]
    image = np.asarray(Image.open(out).convert("L"))
    assert image.shape[0] > 256  # five circles reach past the 16-unit grid
