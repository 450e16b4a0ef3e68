"""Score inference on a folder of drawings with ground truth: top-1, top-5, IoU, no-overlap, time.

The drawings run through the batch runner (batch.py): a drawing that fails is recorded with its
error and the run goes on. Where no drawing was scored, the fractions are None ("n/a"), not 0.
"""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from ..image.drawings import Drawing
from ..spec import Spec, exact_match, iou, symmetric_difference
from .batch import run_batch
from .core import InferResult, Pipeline

def score_drawing(truth: Spec, specs: list[Spec]) -> dict:
    """Metrics of one drawing's ranked specs against its ground truth."""
    top1 = specs[0] if specs else Spec()
    return {"top1": bool(specs) and exact_match(top1, truth),
            "top5": any(exact_match(s, truth) for s in specs[:5]),
            "iou": iou(top1, truth),
            "errors": symmetric_difference(top1, truth),
            "no_overlap": not any(s.as_set() & truth.as_set() for s in specs)}


def score_result(result: InferResult, drawing: Drawing) -> dict:
    """The size of the best spec and, where the drawing has ground truth, its metrics."""
    row = {"primitives": len(result.best)}
    if drawing.spec is not None:
        row.update(score_drawing(drawing.spec, [s for s, _ in result.specs]))
    return row


def score_record(pipeline: Pipeline, drawing: Drawing) -> dict:
    """`g2p eval`'s row of one drawing (the batch runner adds file and seconds)."""
    result = pipeline.run_file(drawing.path)
    return {"program_status": result.program_status, **score_result(result, drawing)}


def summarise(rows: list[dict]) -> dict:
    """Fractions over scored drawings (None where none was); seconds over all that ran."""
    scored = [r for r in rows if "top1" in r]
    seconds = [r["seconds"] for r in rows if "seconds" in r]

    def mean(key):
        return float(np.mean([r[key] for r in scored])) if scored else None

    return {"drawings": len(rows), "scored": len(scored),
            "failed": sum(1 for r in rows if "error" in r),
            "top1": mean("top1"), "top5": mean("top5"), "mean_iou": mean("iou"),
            "no_overlap": mean("no_overlap"),
            "median_s": float(np.median(seconds)) if seconds else 0.0,
            "p90_s": float(np.percentile(seconds, 90)) if seconds else 0.0}


def figure(value: Optional[float], spec: str) -> str:
    """A summary figure formatted with `spec`, or "n/a" where nothing was scored."""
    return "n/a" if value is None else format(value, spec)


def evaluate(pipeline: Pipeline, drawings: list[Drawing],
             on_row: Optional[Callable[[dict], None]] = None, workers: int = 1) -> dict:
    """Infer every drawing and score those with ground truth; {"summary", "drawings"}.

    With workers > 1 each worker process builds its own Pipeline of `pipeline.config`.
    """
    rows = run_batch(drawings, pipeline.config, score_record, workers=workers,
                     on_record=(lambda _drawing, row: on_row(row)) if on_row else None,
                     pipeline=pipeline)
    return {"summary": summarise(rows), "drawings": rows}


def format_table(report: dict) -> str:
    """The per-drawing table and the summary line that `g2p eval` prints."""
    rows = ["file            top1  top5   IoU  errors  seconds  program"]
    for r in report["drawings"]:
        if "error" in r:
            rows.append(f"{r['file']:<15} failed: {r['error']}")
        elif "top1" in r:
            rows.append(f"{r['file']:<15} {'yes' if r['top1'] else 'no':>4}  "
                        f"{'yes' if r['top5'] else 'no':>4} {r['iou']:5.2f} {r['errors']:7d} "
                        f"{r['seconds']:8.1f}  {r['program_status']}")
        else:
            rows.append(f"{r['file']:<15} (no ground truth) {r['seconds']:8.1f}")
    m = report["summary"]
    rows.append(f"top-1 {figure(m['top1'], '.1%')}  top-5 {figure(m['top5'], '.1%')}  "
                f"mean IoU {figure(m['mean_iou'], '.3f')}  "
                f"no overlap {figure(m['no_overlap'], '.1%')}  median {m['median_s']:.1f} s  "
                f"p90 {m['p90_s']:.1f} s  ({m['scored']} scored, {m['failed']} failed)")
    return "\n".join(rows) + "\n"
