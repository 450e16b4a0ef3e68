"""`g2p gallery`: pages and results, resume, shards and merge, a failing drawing, bad usage,
and the gallery document compiled with pdflatex when it is installed."""
import json
import shutil
import subprocess

import numpy as np
import pytest

from graphics2prog import render
from graphics2prog.cli import main
from graphics2prog.export.gallery_pages import tt_escape, write_pages
from graphics2prog.noise import render_noisy
from graphics2prog.spec import spec_from_text, spec_to_dict

# a generous ceiling: the search ends on its own, so results do not depend on the machine's speed
FAST = ["--method", "beam", "--beam", "4", "--time-budget", "30", "--synth-timeout", "5",
        "--quiet"]
SPECS = {"d-1.png": "circle(3,8); circle(7,8); circle(11,8)",
         "d-2.png": "rectangle(2,2,6,5); line(6,4,10,4,arrow = True,solid = True)",
         "d-10.png": "rectangle(4,9,8,12)"}


@pytest.fixture
def gallery(g2p):
    """g2p gallery ARGS... -> (status, stdout, stderr)."""
    return lambda *argv: g2p("gallery", *argv)


@pytest.fixture(scope="module")
def drawings(tmp_path_factory):
    """Three pencil drawings with ground truth, and a corrupt image without."""
    folder = tmp_path_factory.mktemp("drawings")
    truth = {}
    for i, (name, text) in enumerate(SPECS.items()):
        spec = spec_from_text(text)
        render.array_to_png(render_noisy(spec, np.random.default_rng(i)), folder / name)
        truth[name] = spec_to_dict(spec)
    (folder / "ground_truth.json").write_text(json.dumps(truth))
    (folder / "d-3.png").write_bytes(b"not a png at all")
    return folder


@pytest.fixture(scope="module")
def full(drawings, tmp_path_factory):
    """One gallery of the whole folder (run once, read by several tests)."""
    out = tmp_path_factory.mktemp("gallery")
    assert main(["gallery", str(drawings), "--out", str(out), *FAST]) == 0
    return out


def test_pages_and_results_of_every_drawing_in_numeric_order(full):
    doc = json.loads((full / "results.json").read_text())
    names = [d["file"] for d in doc["drawings"]]
    assert names == ["d-1.png", "d-2.png", "d-3.png", "d-10.png"]
    summary = doc["summary"]
    assert summary["drawings"] == 4 and summary["scored"] == 3 and summary["failed"] == 1
    assert 0 <= summary["top1"] <= summary["top5"] <= 1 and 0 <= summary["mean_iou"] <= 1
    row = doc["drawings"][0]
    assert {"top1", "top5", "iou", "program", "program_status", "program_cost", "seconds",
            "truth_program", "truth_program_status"} <= set(row)
    assert "for (i < 3)" in row["truth_program"]  # three circles in a row are a loop
    page = (full / "index.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "d-10.png" in page and "<table" in page
    for d in doc["drawings"]:
        for image in (d.get("drawing_png"), d.get("render_png")):
            assert image is None or ((full / image).is_file() and f'src="{image}"' in page)
    tex = (full / "gallery.tex").read_text()
    assert "\\begin{longtable}" in tex and "d-10.png" in tex


def test_a_corrupt_image_is_recorded_and_the_others_finish(full):
    doc = json.loads((full / "results.json").read_text())
    failed = {d["file"]: d for d in doc["drawings"] if "error" in d}
    assert list(failed) == ["d-3.png"] and "not an image" in failed["d-3.png"]["error"]
    assert "not an image" in (full / "index.html").read_text()


def test_a_rerun_skips_finished_drawings(full, drawings, tmp_path, gallery):
    out_dir = tmp_path / "g"
    shutil.copytree(full, out_dir)
    items = {p.name: p.stat().st_mtime_ns for p in (out_dir / "items").glob("d-1*")}
    code, out, _ = gallery(drawings, "--out", out_dir, *FAST)
    assert code == 0 and "(1 run, 3 resumed)" in out  # only the corrupt one is tried again
    assert items == {p.name: p.stat().st_mtime_ns for p in (out_dir / "items").glob("d-1*")}
    code, out, _ = gallery(drawings, "--out", out_dir, *FAST[:-1], "--timeout", "4",
                           "--quiet")
    assert code == 0 and "(4 run, 0 resumed)" in out  # other settings: done again


def test_shards_merge_into_the_same_gallery(full, drawings, tmp_path, gallery):
    parts = [tmp_path / "part1", tmp_path / "part2"]
    assert gallery(drawings, "--out", parts[0], "--shard", "1/2", *FAST)[0] == 0
    assert gallery(drawings, "--out", parts[1], "--shard", "2/2", "--workers", "2",
                   *FAST)[0] == 0
    shard_names = [{d["file"] for d in json.loads((p / "results.json").read_text())["drawings"]}
                   for p in parts]
    assert shard_names == [{"d-1.png", "d-3.png"}, {"d-2.png", "d-10.png"}]
    code, _, _ = gallery("--merge", *parts, "--out", tmp_path / "merged", "--quiet")
    assert code == 0

    def programs(folder):
        doc = json.loads((folder / "results.json").read_text())
        return [(d["file"], d.get("program"), d.get("top1")) for d in doc["drawings"]]

    assert programs(tmp_path / "merged") == programs(full)
    assert (tmp_path / "merged" / "items" / "d-2-png-render.png").is_file()


@pytest.mark.parametrize("argv", [["--shard", "3/2"], ["--shard", "1-2"], ["--shard", "0/2"]])
def test_bad_shard_is_a_usage_error(drawings, tmp_path, gallery, argv):
    code, _, err = gallery(drawings, "--out", tmp_path, *argv)
    assert code == 2 and err.count("\n") == 1 and "--shard" in err


def test_bad_folders_are_usage_errors(tmp_path, gallery):
    code, _, err = gallery(tmp_path / "missing", "--out", tmp_path / "o", "--quiet")
    assert code == 2 and err.count("\n") == 1 and "missing" in err
    code, _, err = gallery("--out", tmp_path / "o")
    assert code == 2 and "DIR is required" in err
    code, _, err = gallery("--merge", tmp_path, "--out", tmp_path / "o")
    assert code == 2 and "not a gallery" in err


def test_tt_escape_keeps_latex_specials_literal():
    assert tt_escape("for (i < 3){ a_b % c }") == ("for (i < 3){\\char123} a{\\char95}b "
                                                  "{\\char37} c {\\char125}")
    assert tt_escape("caf\u00e9 \\x") == "caf? {\\char92}x"


def pdflatex(folder):
    """Compile folder/gallery.tex; the run's result."""
    return subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                           "gallery.tex"], cwd=folder, capture_output=True, timeout=120)


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("pdflatex"), reason="pdflatex not installed")
def test_gallery_document_compiles_with_pdflatex(full, tmp_path):
    shutil.copytree(full, tmp_path / "g")
    run = pdflatex(tmp_path / "g")
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / "g" / "gallery.pdf").stat().st_size > 10_000


def write_items(folder, items):
    """A gallery folder holding just these items."""
    (folder / "items").mkdir()
    for item in items:
        (folder / "items" / f"{item['key']}.json").write_text(json.dumps(item))


@pytest.fixture
def odd_items(tmp_path):
    """Items with no spec, a solver timeout and an error full of LaTeX and HTML specials."""
    write_items(tmp_path, [{"file": "a<b>&%.png", "key": "a-b-png", "specs": [], "program": None,
              "program_status": "skipped", "seconds": 1.0},
             {"file": "b.png", "key": "b-png", "specs": [{"primitives": [], "score": 0.0}],
              "program": "for (i < 3){\ncircle(3 * i + 1,1)\n}", "program_status": "timeout",
              "program_cost": 12, "synth_s": 10.0, "seconds": 12.0},
             {"file": "c_#1.png", "key": "c-1-png", "error": "ValueError: {x} \\ 100% $ ~^"}])
    return tmp_path


def test_pages_show_the_supplements_messages_and_escape_text(odd_items):
    summary = write_pages(odd_items, title="t&t_")
    assert summary["drawings"] == 3 and summary["failed"] == 1
    assert summary["program_status"] == {"skipped": 1, "timeout": 1}
    page = (odd_items / "index.html").read_text()
    assert "Sampled no finished traces" in page and "Solver timeout" in page
    assert "a&lt;b&gt;&amp;%.png" in page and "a<b>" not in page
    assert "for (i &lt; 3){" in page and "ValueError: {x} \\ 100% $ ~^" in page


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("pdflatex"), reason="pdflatex not installed")
def test_escaped_pages_compile_with_pdflatex(odd_items):
    write_pages(odd_items, title="t&t_")
    run = pdflatex(odd_items)
    assert run.returncode == 0, run.stdout[-2000:]


def test_with_nothing_scored_the_pages_say_n_a(odd_items):
    summary = write_pages(odd_items)
    assert summary["scored"] == 0
    doc = json.loads((odd_items / "results.json").read_text())
    for key in ("top1", "top5", "mean_iou", "no_overlap"):
        assert summary[key] is None and doc["summary"][key] is None
    page = (odd_items / "index.html").read_text()
    assert "<td>Top-1 exact</td><td>n/a</td>" in page
    assert "Mean IoU of top-1 & n/a \\\\" in (odd_items / "gallery.tex").read_text()
