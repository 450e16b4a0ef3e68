"""How well beam search parses synthetic scenes, against the number of objects (1..24; the shipped
network trained on at most 12), on clean renders and on simulated hand drawings; plus beam top-1
on the dev set's ground-truth specs rendered clean and on the dev hand drawings themselves.

    python experiments/synthetic_parsing.py [CHECKPOINT] [--per-count 10] [--max-objects 24]
        [--beam 8] [--expand 6] [--dev ../shared/drawings/dev] [--out experiments/results]

CHECKPOINT is a registered weights name (default "proposal") or a checkpoint path. Writes
synthetic_parsing.{json,md,png} into --out. Errors = |predicted - true| + |true - predicted|.
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
from PIL import Image, ImageDraw

from graphics2prog.image.drawings import load_drawing_folder
from graphics2prog.image.prepare import preprocess_image
from graphics2prog.infer.beam import BeamConfig, beam_search
from graphics2prog.models.registry import load_model, resolve
from graphics2prog.models.checkpoint import load_checkpoint
from graphics2prog.noise import render_noisy
from graphics2prog.render import SpriteCache, render_array
from graphics2prog.scenes import SceneConfig, SceneError, sample_scene
from graphics2prog.spec import exact_match, iou, symmetric_difference


def parse_all(model, images, truths, config, cache):
    """Beam top-1 of each image: exact-match rate, mean errors, mean IoU, seconds per image."""
    exact, errors, ious, start = [], [], [], time.perf_counter()
    for image, truth in zip(images, truths):
        best = beam_search(model, image, config, cache)[0][0]
        exact.append(exact_match(best, truth))
        errors.append(symmetric_difference(best, truth))
        ious.append(iou(best, truth))
    n = max(1, len(truths))
    return {"n": len(truths), "exact": float(np.mean(exact)), "errors": float(np.mean(errors)),
            "iou": float(np.mean(ious)), "s_per_image": (time.perf_counter() - start) / n}


def scenes(n: int, count: int, seed: int):
    """The benchmark's scenes of n objects: (specs, clean renders, noisy renders), seeded by
    (seed, n) so every run and every script sees the same ones."""
    rng = np.random.default_rng([seed, n])
    specs = []
    for _ in range(count):
        try:
            specs.append(sample_scene(rng, SceneConfig(min_objects=n, max_objects=n)))
        except SceneError:
            continue
    clean = [render_array(s, 256) for s in specs]
    return specs, clean, [render_noisy(s, rng, 256) for s in specs]


def synthetic(model, args, config, cache):
    rows = []
    for n in range(1, args.max_objects + 1):
        specs, clean, noisy = scenes(n, args.per_count, args.seed)
        row = {"objects": n, "clean": parse_all(model, clean, specs, config, cache),
               "noisy": parse_all(model, noisy, specs, config, cache)}
        rows.append(row)
        print(f"{n:2d} objects: clean exact {row['clean']['exact']:.2f} errors "
              f"{row['clean']['errors']:.2f} | noisy exact {row['noisy']['exact']:.2f} errors "
              f"{row['noisy']['errors']:.2f}", flush=True)
    return rows


def dev_set(model, folder, config, cache):
    drawings = [d for d in load_drawing_folder(folder) if d.spec is not None]
    truths = [d.spec for d in drawings]
    return {"clean_renders": parse_all(model, [render_array(s, 256) for s in truths], truths,
                                       config, cache),
            "hand_drawings": parse_all(model, [preprocess_image(d.path) for d in drawings],
                                       truths, config, cache)}


def plot(rows, path):
    """Two panels (mean errors, exact-parse rate) against the number of objects; PIL only."""
    W, H, pad = 900, 380, 50
    img = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(img)
    colours = {"clean": (31, 119, 180), "noisy": (214, 39, 40)}
    n_max = max(r["objects"] for r in rows)
    panels = [("mean errors", "errors", max(1.0, max(r[s]["errors"] for r in rows
                                                     for s in colours))),
              ("exact-parse rate", "exact", 1.0)]
    for i, (title, key, top) in enumerate(panels):
        x0, x1, y0, y1 = pad + i * W // 2, (i + 1) * W // 2 - 20, pad, H - pad
        draw.rectangle([x0, y0, x1, y1], outline="black")
        draw.text((x0, 15), f"{title} vs objects (1..{n_max}); y max {top:.2g}", fill="black")
        draw.text((x0, y1 + 8), "1", fill="black")
        draw.text((x1 - 12, y1 + 8), str(n_max), fill="black")
        for style, colour in colours.items():
            pts = [(x0 + (x1 - x0) * (r["objects"] - 1) / max(1, n_max - 1),
                    y1 - (y1 - y0) * r[style][key] / top) for r in rows]
            draw.line(pts, fill=colour, width=2)
            for x, y in pts:
                draw.ellipse([x - 2, y - 2, x + 2, y + 2], fill=colour)
        for j, (style, colour) in enumerate(colours.items()):
            draw.text((x0 + 8, y0 + 6 + 14 * j), style, fill=colour)
    img.save(path)


def table(rows, dev, meta) -> str:
    lines = [f"# Synthetic parsing ({meta['checkpoint']})", "",
             f"Machine: {meta['machine']}; beam {meta['beam']}, expand {meta['expand']}; "
             f"{meta['per_count']} scenes per count; training throughput "
             f"{meta['train_samples_per_s']} samples/s (from the checkpoint's log).", "",
             "| objects | clean exact | clean errors | noisy exact | noisy errors | s/image |",
             "|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['objects']} | {r['clean']['exact']:.2f} | {r['clean']['errors']:.2f} "
                     f"| {r['noisy']['exact']:.2f} | {r['noisy']['errors']:.2f} "
                     f"| {r['noisy']['s_per_image']:.2f} |")
    within = [r for r in rows if r["objects"] <= 12]
    if within:
        lines += ["", f"Noisy 1..12 exact: {np.mean([r['noisy']['exact'] for r in within]):.3f}"]
    for name, d in (dev or {}).items():
        lines.append(f"Dev {name}: top-1 exact {d['exact']:.3f}, mean IoU {d['iou']:.3f}, "
                     f"errors {d['errors']:.2f} (n={d['n']})")
    return "\n".join(lines) + "\n"


def benchmark_arguments(description: str, max_objects: int) -> argparse.ArgumentParser:
    """The options this benchmark shares with the scripts that reuse its scenes and beam."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("checkpoint", nargs="?", default="proposal")
    ap.add_argument("--per-count", type=int, default=10)
    ap.add_argument("--max-objects", type=int, default=max_objects)
    ap.add_argument("--beam", type=int, default=8)
    ap.add_argument("--expand", type=int, default=6)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default="experiments/results")
    return ap


def main():
    ap = benchmark_arguments(__doc__.splitlines()[0], max_objects=24)
    ap.add_argument("--dev", default="../shared/drawings/dev")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = load_model(args.checkpoint)
    state = load_checkpoint(resolve(args.checkpoint)[0])
    config = BeamConfig(beam=args.beam, expand=args.expand, top=1, max_primitives=40)
    cache = SpriteCache(model.config.image_size)
    rows = synthetic(model, args, config, cache)
    dev = dev_set(model, args.dev, config, cache) if Path(args.dev).is_dir() else None
    meta = {"checkpoint": str(args.checkpoint), "step": state.get("step"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {args.threads} thread(s), "
                       f"load {os.getloadavg()[0]:.1f}",
            "beam": args.beam, "expand": args.expand, "per_count": args.per_count,
            "train_samples_per_s": round(state.get("metrics", {}).get("samples_per_s", 0), 1)}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "synthetic_parsing.json").write_text(
        json.dumps({"meta": meta, "rows": rows, "dev": dev}, indent=1) + "\n")
    (out / "synthetic_parsing.md").write_text(table(rows, dev, meta))
    plot(rows, out / "synthetic_parsing.png")
    print(table(rows, dev, meta))


if __name__ == "__main__":
    main()
