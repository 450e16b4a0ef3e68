"""Robust input: the same drawing shifted, rescanned larger, photographed, or blank.

For each drawing whose top-1 parse of the original is exact, checks that
- shifted by one grid unit (16 px) it parses to the truth shifted by one unit;
- scanned at 1024x1024 with wide margins it parses to the truth up to translation;
- as a photo-like JPEG (grey paper, uneven lighting, sensor noise, 800x600) it does too;
and that a blank page gives an empty spec. Writes experiments/results/robustness.md.

    python experiments/robustness.py [--drawings DIR] [--limit N]
"""
from __future__ import annotations

import argparse
import os
import platform
import tempfile
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from graphics2prog.image.drawings import load_drawing_folder
from graphics2prog.pipeline.core import InferConfig, Pipeline
from graphics2prog.spec import Spec, match_up_to_translation

ROOT = Path(__file__).resolve().parents[1]


def shifted(gray: np.ndarray, spec: Spec) -> tuple[np.ndarray, int, int]:
    """The page moved by one unit towards the side with room; returns (image, dx, dy)."""
    xmin, ymin, xmax, ymax = spec.bounds()
    dx = 1 if xmax <= 15 else -1 if xmin >= 1 else 0
    dy = 0 if dx else (1 if ymax <= 15 else -1)
    moved = np.full_like(gray, 255)
    h, w = gray.shape
    sx, sy = 16 * dx, -16 * dy  # pixel offsets (y up in grid units, down in rows)
    moved[max(0, sy):h + min(0, sy), max(0, sx):w + min(0, sx)] = \
        gray[max(0, -sy):h + min(0, -sy), max(0, -sx):w + min(0, -sx)]
    return moved, dx, dy


def rescanned(gray: np.ndarray) -> np.ndarray:
    """4x larger with a wide white margin on two sides, as a flatbed scan might give."""
    big = cv2.resize(gray, (1024 - 200, 1024 - 200), interpolation=cv2.INTER_CUBIC)
    page = np.full((1024, 1024), 255, np.uint8)
    page[150:150 + big.shape[0], 50:50 + big.shape[1]] = big
    return page


def photographed(gray: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Grey paper, a lighting gradient, noise, 800x600, RGB; JPEG happens when saved."""
    ink = 1.0 - cv2.resize(gray, (512, 512), interpolation=cv2.INTER_CUBIC) / 255.0
    page = np.zeros((600, 800))
    page[44:556, 144:656] = ink
    yy, xx = np.mgrid[0:600, 0:800]
    light = 0.55 + 0.35 * (xx / 800) * (0.6 + 0.4 * yy / 600)
    photo = light * (1.0 - 0.85 * page) + rng.normal(0, 0.02, page.shape)
    rgb = np.stack([photo * 0.97, photo * 0.95, photo * 0.9], -1)
    return np.clip(rgb * 255, 0, 255).astype(np.uint8)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drawings", default=str(ROOT.parent / "shared" / "drawings" / "dev"))
    ap.add_argument("--limit", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", min(2, os.cpu_count() or 1))))
    pipeline = Pipeline(InferConfig(program=False, seed=args.seed))
    rng = np.random.default_rng(args.seed)
    drawings = [d for d in load_drawing_folder(args.drawings) if d.spec is not None]
    counts = {"exact originals": 0, "shift": 0, "rescan": 0, "photo": 0}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for d in tqdm(drawings, desc="drawings"):
            if counts["exact originals"] >= args.limit:
                break
            if pipeline.run_file(d.path).best != d.spec:
                continue
            counts["exact originals"] += 1
            gray = np.asarray(Image.open(d.path).convert("L"))
            moved, dx, dy = shifted(gray, d.spec)
            Image.fromarray(moved).save(tmp / "shift.png")
            counts["shift"] += pipeline.run_file(tmp / "shift.png").best == d.spec.translated(dx, dy)
            Image.fromarray(rescanned(gray)).save(tmp / "scan.png")
            counts["rescan"] += match_up_to_translation(pipeline.run_file(tmp / "scan.png").best, d.spec)
            Image.fromarray(photographed(gray, rng)).save(tmp / "photo.jpg", quality=70)
            counts["photo"] += match_up_to_translation(pipeline.run_file(tmp / "photo.jpg").best, d.spec)
        Image.fromarray(np.full((256, 256), 250, np.uint8)).save(tmp / "blank.png")
        blank = pipeline.run_file(tmp / "blank.png").best
    n = max(1, counts["exact originals"])
    lines = ["# Robust input", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}. "
             f"Command: `python experiments/robustness.py --limit {args.limit}`; default `g2p infer` "
             "settings. Each check runs on the drawings whose original parses exactly.", "",
             "| check | same spec |", "|---|---|",
             f"| originals parsed exactly (of those tried) | {counts['exact originals']} |",
             f"| shifted by one unit -> truth shifted by one unit | {counts['shift']}/{n} |",
             f"| 1024x1024 rescan with margins -> truth up to translation | {counts['rescan']}/{n} |",
             f"| photo-like 800x600 JPEG -> truth up to translation | {counts['photo']}/{n} |",
             f"| blank page -> empty spec | {'yes' if len(blank) == 0 else f'no ({len(blank)} primitives)'} |"]
    out = ROOT / "experiments" / "results" / "robustness.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
