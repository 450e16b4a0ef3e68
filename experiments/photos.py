"""Drawings photographed on graph paper: accuracy and cost against the same specs as clean inputs.

Each of the dev set's ground-truth specs is parsed as a clean 256x256 render, as a pencil
drawing at 256x256 (noise.render_noisy: what the drawing itself costs), and as a simulated
12-megapixel phone photo of that pencil drawing on graph paper (photo_sim.py) at three
difficulty levels. Photos go through the steps of `Pipeline.run_file` (`g2p infer PHOTO.jpg`),
timed one by one: JPEG decoding, the paper's grid found and removed, the drawing mapped onto
the model's grid (or, where no grid is found, the plain-paper path and registration). Scores:
top-1 exact match up to translation (a photo's spec is known only up to whole squares) and the
IoU of the top-1 spec at its best whole-square translation; seconds per photo, preprocessing
separately. Writes experiments/results/photos.{md,json} (beam) or
photos_smc.{md,json} (SMC, the default of `g2p infer`).

    python experiments/photos.py [--method beam|smc] [--limit N] [--size 4000x3000] [--seed 0]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from graphics2prog.image.drawings import load_drawing_folder
from graphics2prog.pipeline.core import InferConfig, Pipeline
from graphics2prog.noise import render_noisy
from graphics2prog.photo_sim import LEVELS, style_for, synth_photo
from graphics2prog.image.prepare import prepare
from graphics2prog.render import render_array
from graphics2prog.spec import Spec, iou, match_up_to_translation

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"


def iou_up_to_translation(found: Spec, truth: Spec) -> float:
    """The best IoU of `found` moved by whole squares (offsets that line up some primitive)."""
    offsets = {(0, 0)}
    for p in found:
        for t in truth:
            if p.kind == t.kind:
                offsets.add((t.coords()[0] - p.coords()[0], t.coords()[1] - p.coords()[1]))
    return max(iou(found.translated(dx, dy), truth) for dx, dy in offsets)


def score(best: Spec, truth: Spec, preprocess_s: float, register_s: float,
          parse_s: float) -> dict:
    return {"top1": match_up_to_translation(best, truth),
            "iou": iou_up_to_translation(best, truth), "primitives": len(best),
            "preprocess_s": preprocess_s, "register_s": register_s, "parse_s": parse_s,
            "seconds": preprocess_s + register_s + parse_s}


def run_photo(pipeline: Pipeline, path: Path) -> tuple[Spec, bool, float, float, float]:
    """`Pipeline.run_file`, step by step: (top-1 spec, found the paper's grid, seconds to
    preprocess, to register onto the grid (plain paper only), to parse)."""
    t0 = time.perf_counter()
    prepared = prepare(path)
    t1 = time.perf_counter()
    ink = pipeline.snap(prepared).ink if prepared.placed else prepared.ink
    t2 = time.perf_counter()
    best = pipeline.run_ink(ink, str(path)).best
    return best, not prepared.placed, t1 - t0, t2 - t1, time.perf_counter() - t2


def summarise(rows: list[dict]) -> dict:
    def mean(key):
        return float(np.mean([r[key] for r in rows]))

    return {"n": len(rows), "top1": mean("top1"), "mean_iou": mean("iou"),
            "seconds": mean("seconds"), "parse_s": mean("parse_s"),
            "register_s": mean("register_s"), "preprocess_s": mean("preprocess_s"),
            "preprocess_median_s": float(np.median([r["preprocess_s"] for r in rows])),
            "preprocess_p90_s": float(np.percentile([r["preprocess_s"] for r in rows], 90)),
            "on_paper_grid": mean("on_paper_grid") if "on_paper_grid" in rows[0] else None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drawings", default=str(ROOT.parent / "shared" / "drawings" / "dev"))
    ap.add_argument("--method", choices=("beam", "smc"), default="beam")
    ap.add_argument("--limit", type=int, default=0, help="first N specs only (0: all)")
    ap.add_argument("--size", default="4000x3000", help="photo size WxH (default 12 MP)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(1)
    load_at_start = round(os.getloadavg()[0], 1)
    size = tuple(int(v) for v in args.size.lower().split("x"))
    specs = [(d.name, d.spec) for d in load_drawing_folder(args.drawings) if d.spec is not None]
    specs = specs[:args.limit] if args.limit else specs
    pipeline = Pipeline(InferConfig(method=args.method, program=False, top=5, seed=args.seed))
    rows = {name: [] for name in ("clean 256x256", "pencil 256x256", *LEVELS)}
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, spec) in enumerate(tqdm(specs, desc="specs")):
            for label, ink in (("clean 256x256", render_array(spec)),
                               ("pencil 256x256",
                                render_noisy(spec, np.random.default_rng([args.seed, i])))):
                start = time.perf_counter()
                best = pipeline.run_ink(ink, name).best
                rows[label].append({"file": name, **score(best, spec, 0.0, 0.0,
                                                          time.perf_counter() - start)})
            for j, level in enumerate(LEVELS):
                photo = synth_photo(spec, np.random.default_rng([args.seed, i, j + 1]),
                                    style_for(level, size))
                path = Path(tmp) / f"{Path(name).stem}-{level}.jpg"
                photo.save(path)
                best, on_grid, *seconds = run_photo(pipeline, path)
                rows[level].append({"file": name, **score(best, spec, *seconds),
                                    "on_paper_grid": on_grid})
    summary = {label: summarise(r) for label, r in rows.items()}
    machine = {"platform": platform.platform(), "machine": platform.machine(),
               "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
               "torch": torch.__version__, "load_at_start": load_at_start}
    command = (f"python experiments/photos.py --method {args.method} --size {args.size}"
               + (f" --limit {args.limit}" if args.limit else ""))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = "photos" if args.method == "beam" else f"photos_{args.method}"
    (RESULTS / f"{stem}.json").write_text(json.dumps(
        {"machine": machine, "command": command, "summary": summary, "rows": rows},
        indent=1) + "\n")
    (RESULTS / f"{stem}.md").write_text(report(summary, machine, command, len(specs), args))
    print(report(summary, machine, command, len(specs), args))


def report(summary: dict, machine: dict, command: str, n: int, args) -> str:
    clean = summary["clean 256x256"]["top1"]
    d = InferConfig
    search = (f"beam search (width {d.beam}) for every input, clean and photographed alike"
              if args.method == "beam" else
              f"the default beam-seeded SMC ({d.time_budget:g} s budget at most, {d.particles} "
              f"particles, beam {d.beam}) for every input")
    lines = [f"# Drawings photographed on graph paper ({n} dev specs)", "",
             f"Machine: {machine['platform']}, {machine['cpu_count']} CPU cores, torch "
             f"{machine['torch']} with {machine['torch_threads']} thread(s); load average "
             f"{machine['load_at_start']} at the start (other jobs share the machine). "
             "Command: `" + command + "`.", "",
             f"Search: {search}; no program synthesis. Photos: "
             f"{args.size} JPEGs from `graphics2prog/photo_sim.py`, the spec drawn in the pencil "
             "style on graph paper and photographed (levels below); they go through the steps "
             "of `Pipeline.run_file` like `g2p infer`. Scores are up to translation: a photo's "
             "spec is known only up to whole squares.", "",
             "| input | top-1 exact | vs clean | mean IoU | on the paper's grid | "
             "preprocess s (median / p90) | register s | parse s | total s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for label, s in summary.items():
        grid = "—" if s["on_paper_grid"] is None else f"{s['on_paper_grid']:.0%}"
        prep = ("—" if s["on_paper_grid"] is None else
                f"{s['preprocess_median_s']:.2f} / {s['preprocess_p90_s']:.2f}")
        lines.append(f"| {label} | {s['top1']:.0%} | {100 * (s['top1'] - clean):+.0f} pts | "
                     f"{s['mean_iou']:.3f} | {grid} | {prep} | {s['register_s']:.2f} | "
                     f"{s['parse_s']:.2f} | {s['seconds']:.2f} |")
    photos = [s for label, s in summary.items() if label in LEVELS]
    lines += ["", "Levels (photo_sim.py `LEVELS`): easy: rotation up to 3 degrees, slight "
              "perspective, even light, little blur and noise, JPEG quality 88-95; medium: "
              "rotation up to 10 degrees, perspective, uneven light and (half the time) a soft "
              "shadow, darker major lines on a third of the sheets, more blur and noise, JPEG "
              "75-90; hard: strong perspective, sheets running out of the frame, dim light and "
              "a shadow always, heavy blur and noise, JPEG 60-80, blue pen among the inks.", "",
              f"Preprocessing per {args.size} photo (decoding included), over all "
              f"{sum(s['n'] for s in photos)} photos: median "
              f"{np.median([s['preprocess_median_s'] for s in photos]):.2f} s on one core. "
              "'on the paper's grid' = the printed grid was found; the rest went the "
              "plain-paper way (scale from the drawing, then registration)."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
