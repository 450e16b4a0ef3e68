"""Score inference on a folder of drawings with ground truth: top-1, top-5, IoU, no-overlap, time.

A drawing that fails is recorded with its error and the run goes on.
"""
from __future__ import annotations

import time
from typing import Callable, Optional

import numpy as np

from ..image.drawings import Drawing
from ..errors import InputError
from ..spec import Spec, exact_match, iou, symmetric_difference
from .core import Pipeline


def score_drawing(truth: Spec, specs: list[Spec]) -> dict:
    """Metrics of one drawing's ranked specs against its ground truth."""
    top1 = specs[0] if specs else Spec()
    return {"top1": bool(specs) and exact_match(top1, truth),
            "top5": any(exact_match(s, truth) for s in specs[:5]),
            "iou": iou(top1, truth),
            "errors": symmetric_difference(top1, truth),
            "no_overlap": not any(s.as_set() & truth.as_set() for s in specs)}


def summarise(rows: list[dict]) -> dict:
    """Fractions over scored drawings; seconds over all that ran."""
    scored = [r for r in rows if "top1" in r]
    seconds = [r["seconds"] for r in rows if "seconds" in r]

    def mean(key):
        return float(np.mean([r[key] for r in scored])) if scored else 0.0

    return {"drawings": len(rows), "scored": len(scored),
            "failed": sum(1 for r in rows if "error" in r),
            "top1": mean("top1"), "top5": mean("top5"), "mean_iou": mean("iou"),
            "no_overlap": mean("no_overlap"),
            "median_s": float(np.median(seconds)) if seconds else 0.0,
            "p90_s": float(np.percentile(seconds, 90)) if seconds else 0.0}


def evaluate(pipeline: Pipeline, drawings: list[Drawing],
             on_row: Optional[Callable[[dict], None]] = None) -> dict:
    """Infer every drawing and score those with ground truth; {"summary", "drawings"}."""
    rows = []
    for drawing in drawings:
        row = {"file": drawing.name}
        start = time.perf_counter()
        try:
            result = pipeline.run_file(drawing.path)
        except Exception as e:  # noqa: BLE001 - one bad drawing must not end the batch
            row["error"] = str(e) if isinstance(e, InputError) else f"{e.__class__.__name__}: {e}"
        else:
            row["seconds"] = time.perf_counter() - start
            row["program_status"] = result.program_status
            specs = [s for s, _ in result.specs]
            row["primitives"] = len(specs[0]) if specs else 0
            if drawing.spec is not None:
                row.update(score_drawing(drawing.spec, specs))
        rows.append(row)
        if on_row:
            on_row(row)
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
    rows.append(f"top-1 {m['top1']:.1%}  top-5 {m['top5']:.1%}  mean IoU {m['mean_iou']:.3f}  "
                f"no overlap {m['no_overlap']:.1%}  median {m['median_s']:.1f} s  "
                f"p90 {m['p90_s']:.1f} s  ({m['scored']} scored, {m['failed']} failed)")
    return "\n".join(rows) + "\n"
