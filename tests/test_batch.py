"""The batch runner behind `g2p eval` and `g2p gallery`: records in order, a failing drawing
recorded with its error, a dying worker survived; eval's summary says n/a with nothing scored."""
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from graphics2prog.errors import InputError
from graphics2prog.image.drawings import Drawing
from graphics2prog.pipeline.batch import run_batch
from graphics2prog.pipeline.core import InferConfig
from graphics2prog.pipeline.scoring import evaluate, format_table


def drawings(*names):
    return [Drawing(name, Path(name), None) for name in names]


def record(_pipeline, drawing):
    """A module-level per-drawing function (workers unpickle it by name)."""
    if drawing.name == "bad.png":
        raise InputError("bad.png: not an image")
    if drawing.name == "boom.png":
        raise RuntimeError("went wrong")
    if drawing.name == "die.png":
        os._exit(3)
    return {"length": len(drawing.name)}


def test_records_come_in_order_and_a_bad_drawing_is_recorded():
    seen = []
    records = run_batch(drawings("a.png", "bad.png", "boom.png", "ab.png"), InferConfig(),
                        record, on_record=lambda d, r: seen.append((d.name, r)),
                        pipeline=SimpleNamespace())
    assert [r["file"] for r in records] == ["a.png", "bad.png", "boom.png", "ab.png"]
    assert records[0]["length"] == 5 and records[0]["seconds"] >= 0
    assert records[1] == {"file": "bad.png", "error": "bad.png: not an image"}
    assert records[2] == {"file": "boom.png", "error": "RuntimeError: went wrong"}
    assert seen == [(r["file"], r) for r in records]


@pytest.mark.slow
def test_a_dying_worker_fails_its_drawing_and_the_batch_goes_on():
    records = run_batch(drawings("a.png", "die.png", "abc.png"), InferConfig(method="beam"),
                        record, workers=2)
    assert [r.get("length") for r in records] == [5, None, 7]
    assert records[1] == {"file": "die.png",
                          "error": "the worker process died (exit code 3)"}


def test_eval_with_nothing_scored_says_n_a():
    def run_file(path):
        raise InputError(f"{path}: not an image")

    pipeline = SimpleNamespace(config=InferConfig(), run_file=run_file)
    report = evaluate(pipeline, drawings("x.png"))
    summary = report["summary"]
    assert summary["scored"] == 0 and summary["failed"] == 1
    assert all(summary[key] is None for key in ("top1", "top5", "mean_iou", "no_overlap"))
    table = format_table(report)
    assert "x.png: not an image" in table
    assert "top-1 n/a  top-5 n/a  mean IoU n/a  no overlap n/a" in table
