"""Real hand drawings beside noisy renders of their ground truth, to judge the noise model.

Writes data/noise_vs_hand.png: one row per drawing of ../shared/drawings/dev —
real drawing | render_noisy (seed A) | render_noisy (seed B) | clean render.
The drawings are evaluation data; they are only read from the shared folder.

    .venv/bin/python experiments/noise_vs_hand.py [--rows 8] [--seed 0]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from graphics2prog.noise import render_noisy
from graphics2prog.render import render_array
from graphics2prog.spec import load_spec_mapping

ROOT = Path(__file__).resolve().parents[1]
DRAWINGS = ROOT.parent / "shared" / "drawings" / "dev"
COLUMNS = ("hand drawing", "noise, seed A", "noise, seed B", "clean render")
LABEL_H = 14


def crop_box(arrays, pad: int = 6) -> tuple[int, int, int, int]:
    """Bounding box (r0, r1, c0, c1) of the ink in any of the arrays, padded."""
    ink = np.any([a > 0.2 for a in arrays], axis=0)
    rows, cols = np.nonzero(ink)
    size = ink.shape[0]
    return (max(rows.min() - pad, 0), min(rows.max() + pad, size),
            max(cols.min() - pad, 0), min(cols.max() + pad, size))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=float, default=1.0, help="zoom of every cell")
    parser.add_argument("--out", default=str(ROOT / "data" / "noise_vs_hand.png"))
    args = parser.parse_args()

    truth = load_spec_mapping(DRAWINGS / "ground_truth.json")
    rng = np.random.default_rng(args.seed)
    names = sorted(truth, key=lambda n: int(n.split("-")[1].split(".")[0]))
    names = [names[i] for i in rng.choice(len(names), args.rows, replace=False)]

    cells = []
    for name in names:
        hand = 1.0 - np.asarray(Image.open(DRAWINGS / name).convert("L"), np.float32) / 255
        noisy = [render_noisy(truth[name], np.random.default_rng([args.seed, i, s]))
                 for i, s in enumerate((1, 2))]
        row = [hand, *noisy, render_array(truth[name])]
        r0, r1, c0, c1 = crop_box(row)
        cells.append((name, [a[r0:r1, c0:c1] for a in row]))

    scale = args.scale
    heights = [int(max(a.shape[0] for a in row) * scale) + LABEL_H for _, row in cells]
    width = int(max(max(a.shape[1] for a in row) for _, row in cells) * scale) + 8
    sheet = Image.new("L", (width * len(COLUMNS), sum(heights) + LABEL_H), 255)
    draw = ImageDraw.Draw(sheet)
    for j, title in enumerate(COLUMNS):
        draw.text((j * width + 4, 0), title, fill=0)
    y = LABEL_H
    for (name, row), h in zip(cells, heights):
        for j, a in enumerate(row):
            img = Image.fromarray(np.round(255 * (1 - np.clip(a, 0, 1))).astype(np.uint8))
            img = img.resize((max(int(a.shape[1] * scale), 1), max(int(a.shape[0] * scale), 1)),
                             Image.LANCZOS)
            sheet.paste(img, (j * width + 4, y + LABEL_H))
        draw.text((4, y + 1), name, fill=96)
        draw.line([(0, y), (sheet.width, y)], fill=200)
        y += h
    for j in range(1, len(COLUMNS)):
        draw.line([(j * width, LABEL_H), (j * width, sheet.height)], fill=200)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, optimize=True)
    print(f"wrote {args.out} ({Path(args.out).stat().st_size // 1024} KiB, {len(cells)} rows)")


if __name__ == "__main__":
    main()
