"""The diagram benchmark's scoring (experiments/diagram_scoring.py): the ground truth scores
F1 = 1, a shifted box misses, a flow's tail is reached through arrowless strokes, data objects
and stores are not scored; the runner records a failing photo and goes on."""
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "experiments"))

from diagram_oracle import image_from_grid, oracle_document  # noqa: E402
from diagram_scoring import (flow_tolerance, nothing_found, score_document,  # noqa: E402
                             summarise)
from diagrams import main as diagrams_main, run_photo  # noqa: E402

SPLIT = REPO.parent / "shared" / "diagrams" / "hdbpmn" / "dev"
# pixels, y down: a start event, a task (short side 60: tolerance 30), a gateway, a data object
TRUTH = {"width": 400, "height": 300, "writer": "w", "split": "dev", "words": [
    {"text": "check", "box": [110, 110, 160, 130]}], "shapes": [
    {"id": "e", "type": "startEvent", "kind": "circle", "box": [20, 110, 60, 150], "label": ""},
    {"id": "t", "type": "task", "kind": "rectangle", "box": [100, 100, 200, 160], "label": ""},
    {"id": "g", "type": "exclusiveGateway", "kind": "diamond", "box": [250, 100, 310, 170],
     "label": ""},
    {"id": "d", "type": "dataObjectReference", "kind": "other", "box": [300, 200, 340, 260],
     "label": ""}], "flows": [
    {"id": "f1", "type": "sequenceFlow", "dashed": False, "points": [[60, 130], [100, 130]],
     "source": "e", "target": "t", "label": ""},
    {"id": "f2", "type": "sequenceFlow", "dashed": False,
     "points": [[200, 130], [225, 130], [225, 60], [280, 60], [280, 100]], "source": "t",
     "target": "g", "label": ""},
    {"id": "f3", "type": "association", "dashed": True,
     "points": [[280, 170], [280, 230], [300, 230]], "source": "g", "target": "d",
     "label": ""}]}
H = image_from_grid(TRUTH["height"])   # grid (x, y) -> pixel (3 + 2x, 305 - 2y), w = 2


def doc(*primitives) -> dict:
    return {"specs": [{"primitives": list(primitives), "score": 0.0}],
            "image_from_grid": H.tolist()}


def grid(x, y) -> list[int]:
    """A pixel's grid point under H (for pixels at odd columns, as all of TRUTH's are)."""
    return [round((x - 3) / 2), round((305 - y) / 2)]


def rectangle(x1, y1, x2, y2) -> dict:
    (gx1, gy1), (gx2, gy2) = grid(x1, y2), grid(x2, y1)
    return {"kind": "rectangle", "x1": gx1, "y1": gy1, "x2": gx2, "y2": gy2}


def path(*pixels, arrow=True, dashed=False) -> dict:
    return {"kind": "path", "points": [grid(*q) for q in pixels], "arrow": arrow,
            "dashed": dashed}


def test_the_ground_truth_itself_scores_f1_one():
    summary = summarise([score_document(oracle_document("x.jpg", TRUTH), TRUTH)])
    for group in ("shapes", "flows"):
        assert all(s["f1"] == 1.0 for s in summary[group].values()), summary[group]
    assert summary["shapes"]["all"]["tp"] == 3 and summary["flows"]["all"]["tp"] == 3
    assert summary["ignored"] == 1   # the data object, found as a rectangle


@pytest.mark.skipif(not SPLIT.is_dir(), reason="needs ../shared/diagrams/hdbpmn/dev")
def test_the_ground_truth_of_the_dev_photos_scores_f1_one():
    truth = json.loads((SPLIT / "ground_truth.json").read_text())
    names = sorted(truth)[:20]
    summary = summarise([score_document(oracle_document(n, truth[n]), truth[n]) for n in names])
    assert summary["shapes"]["all"]["f1"] == 1.0 and summary["flows"]["all"]["f1"] == 1.0


def test_a_shifted_box_misses_and_a_slightly_moved_one_matches():
    task = TRUTH["shapes"][1]["box"]
    shifted = score_document(doc(rectangle(task[0] + 60, task[1], task[2] + 60, task[3])),
                             TRUTH)["shapes"]["rectangle"]
    assert shifted == {"tp": 0, "fp": 1, "fn": 1}
    moved = score_document(doc(rectangle(task[0] + 10, task[1], task[2] + 10, task[3])),
                           TRUTH)["shapes"]["rectangle"]
    assert moved == {"tp": 1, "fp": 0, "fn": 0}


def test_kinds_must_agree_and_ellipses_count_as_circles():
    ellipse = {"kind": "ellipse", "x": grid(40, 130)[0], "y": grid(40, 130)[1], "rx": 10,
               "ry": 10}
    counts = score_document(doc(ellipse, {**ellipse, "kind": "diamond"}), TRUTH)["shapes"]
    assert counts["circle"]["tp"] == 1 and counts["diamond"] == {"tp": 0, "fp": 1, "fn": 1}


def test_shapes_over_data_objects_and_stores_are_ignored():
    counts = score_document(doc(rectangle(300, 200, 340, 260)), TRUTH)
    assert counts["ignored"] == 1
    assert all(c["fp"] == 0 for c in counts["shapes"].values())
    assert sum(c["fn"] for c in counts["shapes"].values()) == 3   # the data object is no miss


def test_a_tail_reached_through_arrowless_strokes_finds_the_flow():
    assert flow_tolerance(TRUTH) == 30.0
    head = path([225, 61], [281, 61], [281, 101])
    alone = score_document(doc(head), TRUTH)["flows"]["solid"]
    assert alone == {"tp": 0, "fp": 1, "fn": 2}   # its own tail is 70 px from the flow's
    legs = [path([201, 131], [225, 131], arrow=False),
            {"kind": "line", "x1": grid(225, 131)[0], "y1": grid(225, 131)[1],
             "x2": grid(225, 61)[0], "y2": grid(225, 61)[1], "arrow": False},
            path([101, 11], [151, 11], arrow=False)]   # a stroke elsewhere is not followed
    chained = score_document(doc(head, *legs), TRUTH)["flows"]["solid"]
    assert chained == {"tp": 1, "fp": 0, "fn": 1}


def test_heads_must_be_near_and_dashed_flows_are_counted_apart():
    backwards = path([99, 131], [61, 131])
    assert score_document(doc(backwards), TRUTH)["flows"]["solid"]["tp"] == 0
    dashed = path([281, 171], [301, 231], dashed=True)
    counts = score_document(doc(dashed), TRUTH)["flows"]
    assert counts["dashed"] == {"tp": 1, "fp": 0, "fn": 0}


def test_a_failed_photo_is_recorded_and_misses_everything(tmp_path):
    failing = [sys.executable, "-c", "import sys; sys.exit('no diagram here')"]
    row = run_photo(tmp_path / "x.jpg", TRUTH, failing, [], tmp_path, timeout=60)
    assert row["status"] == 1 and row["error"] == "no diagram here"
    assert row["shape_f1"] == 0.0 and row["counts"] == nothing_found(TRUTH)
    missed = summarise([row["counts"]])
    assert missed["shapes"]["all"]["fn"] == 3 and missed["flows"]["all"]["fn"] == 3


@pytest.mark.skipif(not SPLIT.is_dir(), reason="needs ../shared/diagrams/hdbpmn/dev")
def test_the_runner_in_oracle_mode_scores_one_and_keeps_the_worst_overlays(tmp_path, capsys):
    diagrams_main(["--oracle", "--limit", "1", "--out", str(tmp_path)])
    result = json.loads((tmp_path / "diagrams_oracle.json").read_text())
    assert result["summary"]["shapes"]["all"]["f1"] == 1.0
    assert result["summary"]["flows"]["all"]["f1"] == 1.0
    assert result["rows"][0]["peak_rss_mb"] > 10 and result["timing"]["failed"] == 0
    assert len(list((tmp_path / "diagrams_oracle_worst").glob("*.jpg"))) == 1
    assert "| shapes | 1.000 (1.000 / 1.000) |" in capsys.readouterr().out
