"""Hand-drawing accuracy against the number of samples, for the full model and its lesions.

For each configuration (neurally guided SMC with the learned likelihood; SMC with blurred pixel
distance instead; beam search instead of SMC) and each sample count (SMC particles, one sweep;
beam width), every drawing of the folder is parsed and its top specs scored against ground
truth: top-1, top-5 and top-100 exact match, and the IoU of the top-1 spec. Writes
experiments/results/hand_drawings.{md,json,png}.

    python experiments/hand_drawings.py [--drawings ../shared/drawings/dev] [--quick]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from graphics2prog.image.drawings import load_drawing_folder
from graphics2prog.infer.beam import BeamConfig, beam_search
from graphics2prog.infer.smc import SMCConfig, smc
from graphics2prog.models.registry import load_likelihood, load_model
from graphics2prog.image.prepare import preprocess_image
from graphics2prog.pipeline.scoring import score_drawing
from graphics2prog.spec import exact_match

from plotting import line_panels

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"


def parse(method, model, likelihood, ink, samples, seed):
    if method == "beam":
        return [s for s, _ in beam_search(model, ink, BeamConfig(beam=samples, top=100))]
    config = SMCConfig(particles=samples, rounds=1, time_budget=120.0, seed=seed)
    return [h.spec for h in smc(model, likelihood, ink, config, top=100)]


def score(truth, specs) -> dict:
    """The evaluation's top-1/top-5/IoU, plus top-100."""
    row = score_drawing(truth, specs)
    return {"top1": row["top1"], "top5": row["top5"],
            "top100": any(exact_match(s, truth) for s in specs[:100]), "iou": row["iou"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drawings", default=str(ROOT.parent / "shared" / "drawings" / "dev"))
    ap.add_argument("--quick", action="store_true", help="fewer sample counts")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    drawings = [d for d in load_drawing_folder(args.drawings) if d.spec is not None]
    inks = [preprocess_image(d.path) for d in drawings]
    model = load_model("proposal")
    counts = {"smc": [16, 64] if args.quick else [16, 64, 256], "beam": [4, 16]}
    configs = [("NN + SMC, learned L", "smc", load_likelihood("likelihood")),
               ("NN + SMC, pixel L", "smc", load_likelihood("pixel")),
               ("NN + beam", "beam", None)]
    rows = []
    for name, method, likelihood in configs:
        for samples in counts[method]:
            start, scores = time.perf_counter(), []
            for d, ink in tqdm(list(zip(drawings, inks)), desc=f"{name} x{samples}", leave=False):
                scores.append(score(d.spec, parse(method, model, likelihood, ink, samples,
                                                  args.seed)))
            row = {"config": name, "samples": samples,
                   "seconds_per_drawing": (time.perf_counter() - start) / len(drawings)}
            row.update({k: float(np.mean([s[k] for s in scores])) for k in scores[0]})
            rows.append(row)
            print(json.dumps(row))
    machine = f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}"
    lines = [f"# Hand drawings: accuracy against samples ({len(drawings)} drawings)", "",
             f"Machine: {machine}. Command: `python experiments/hand_drawings.py"
             f"{' --quick' if args.quick else ''}`. "
             "Samples = SMC particles (one sweep) or beam width.", "",
             "| configuration | samples | top-1 | top-5 | top-100 | IoU | s/drawing |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['config']} | {r['samples']} | {r['top1']:.0%} | {r['top5']:.0%} | "
              f"{r['top100']:.0%} | {r['iou']:.3f} | {r['seconds_per_drawing']:.2f} |"
              for r in rows]
    lines += ["", "The paper (100 drawings, 1000 particles): top-1 63%, top-5 70%."]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "hand_drawings.md").write_text("\n".join(lines) + "\n")
    (RESULTS / "hand_drawings.json").write_text(json.dumps(rows, indent=1) + "\n")
    panels = []
    for key in ("top1", "top5", "iou"):
        series = {}
        for name, method, _ in configs:
            series[name] = [r[key] for r in rows if r["config"] == name]
        panels.append({"title": key, "x": [1, 2, 3], "ymax": 1.0,
                       "xlabels": ["few", "more", "most"], "series": series})
    line_panels(panels, RESULTS / "hand_drawings.png")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
