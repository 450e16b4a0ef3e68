"""`g2p infer` and `g2p eval` end to end: documented JSON, output files, bad input."""
import json
import shutil

import cv2
import numpy as np
import pytest
from PIL import Image

from graphics2prog.spec import load_spec, match_up_to_translation, spec_from_dict

FAST = ["--particles", "32", "--time-budget", "30", "--synth-timeout", "5", "--quiet"]


def test_infer_json_has_the_documented_fields(g2p, examples):
    code, out, _ = g2p("infer", examples / "example-1.png", "--json", *FAST)
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"file", "specs", "program", "program_status", "timings",
                        "image_from_grid", "labels", "mode"}
    assert doc["labels"] == [] and doc["mode"] == "grid"  # no words on the paper's grid
    assert doc["specs"] and all({"primitives", "score"} <= set(s) for s in doc["specs"])
    scores = [s["score"] for s in doc["specs"]]
    assert scores == sorted(scores, reverse=True)
    assert doc["program_status"] in ("optimal", "timeout", "best-so-far", "failed")
    assert isinstance(doc["program"], str)
    assert doc["timings"]["total_s"] > 0


def test_infer_out_writes_every_file(tmp_path, g2p, examples):
    code, out, _ = g2p("infer", examples / "example-3.png", "--out", tmp_path, *FAST)
    assert code == 0 and "primitives" in out
    for name in ("render.png", "render.svg", "figure.tex", "spec.json", "program.txt", "input.png"):
        assert (tmp_path / name).stat().st_size > 0
    load_spec(tmp_path / "spec.json")
    assert "tikzpicture" in (tmp_path / "figure.tex").read_text()


def test_beam_without_program(g2p, examples):
    code, out, _ = g2p("infer", examples / "example-2.png", "--method", "beam",
                       "--no-program", "--json", "--top", "3", "--quiet")
    assert code == 0
    doc = json.loads(out)
    assert doc["program"] is None and 1 <= len(doc["specs"]) <= 3


def test_a_larger_scan_parses_to_the_same_spec_up_to_translation(tmp_path, g2p, examples):
    gray = np.asarray(Image.open(examples / "example-1.png").convert("L"))
    page = np.full((900, 1000), 255, np.uint8)  # 2.7x larger, off centre, wide margins
    page[120:120 + 691, 40:40 + 691] = cv2.resize(gray, (691, 691), interpolation=cv2.INTER_CUBIC)
    Image.fromarray(page).save(tmp_path / "scan.png")
    code, out, _ = g2p("infer", tmp_path / "scan.png", "--method", "beam", "--time-budget", "30",
                       "--no-program", "--json", "--top", "1", "--quiet")
    assert code == 0
    drawn = load_spec(examples / "example-1.json")  # what the original parses to, too
    assert match_up_to_translation(spec_from_dict(json.loads(out)["specs"][0]), drawn)


def test_blank_image_gives_an_empty_spec(tmp_path, g2p):
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((256, 256), 255, np.uint8)).save(blank)
    code, out, _ = g2p("infer", blank, "--json", *FAST)
    assert code == 0
    assert json.loads(out)["specs"][0]["primitives"] == []


def test_eval_scores_a_folder_and_records_failures(tmp_path, g2p, examples):
    truth = {}
    for i in (1, 2):
        shutil.copy(examples / f"example-{i}.png", tmp_path / f"example-{i}.png")
        truth[f"example-{i}.png"] = json.loads((examples / f"example-{i}.json").read_text())
    (tmp_path / "ground_truth.json").write_text(json.dumps(truth))
    (tmp_path / "example-9.png").write_text("not an image")
    code, out, _ = g2p("eval", tmp_path, "--json", "--method", "beam", "--no-program", *FAST)
    assert code == 0
    doc = json.loads(out)
    summary = doc["summary"]
    for key in ("top1", "top5", "mean_iou", "no_overlap", "median_s", "p90_s"):
        assert 0 <= summary[key] <= (1 if key not in ("median_s", "p90_s") else 1e4)
    rows = {r["file"]: r for r in doc["drawings"]}
    assert set(rows) == {"example-1.png", "example-2.png", "example-9.png"}
    assert "error" in rows["example-9.png"]
    assert summary["scored"] == 2 and summary["failed"] == 1


@pytest.mark.parametrize("make, mentions", [
    (lambda d: d / "missing.png", "no such file"),
    (lambda d: (d / "notes.png").write_text("hello") and d / "notes.png", "notes.png"),
])
def test_bad_drawings_give_status_2(tmp_path, g2p, make, mentions):
    code, _, err = g2p("infer", make(tmp_path), "--quiet")
    assert code == 2 and mentions in err and err.count("\n") == 1


def test_corrupt_weights_give_status_2(tmp_path, g2p, examples):
    weights = tmp_path / "broken.pt"
    weights.write_bytes(b"\x00not a checkpoint")
    code, _, err = g2p("infer", examples / "example-1.png", "--weights", weights, "--quiet")
    assert code == 2 and "broken.pt" in err and err.count("\n") == 1
