"""A contact sheet of synthetic diagram photos beside their coloured stroke labels, and the cost
of one sample (CPU seconds on this process's core).

    python experiments/diagram_samples.py [--seed 1] [--n 6] [--time 20]

writes experiments/results/diagram_samples.png.
"""
import argparse
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from graphics2prog.diagram_scenes import STROKE_CLASSES, sample_diagram
from graphics2prog.training.diagram_synth import render_labelled

OUT = Path(__file__).resolve().parent / "results" / "diagram_samples.png"
# white background; rectangle red, ellipse green, diamond blue, arrow orange, head purple,
# text dark grey, other gold
PALETTE = np.array([(255, 255, 255), (230, 25, 75), (60, 180, 75), (0, 130, 200),
                    (245, 130, 48), (145, 30, 180), (80, 80, 80), (200, 170, 0)], np.uint8)
THUMB = 360


def _pair(seed: int) -> Image.Image:
    """One photo and its labels side by side, THUMB px on the long side each."""
    rng = np.random.default_rng([seed])
    rgb, labels = render_labelled(sample_diagram(rng), rng)
    photo = Image.fromarray(rgb)
    size = (THUMB, round(THUMB * rgb.shape[0] / rgb.shape[1])) if rgb.shape[1] >= rgb.shape[0] \
        else (round(THUMB * rgb.shape[1] / rgb.shape[0]), THUMB)
    out = Image.new("RGB", (2 * THUMB + 10, THUMB), "white")
    out.paste(photo.resize(size, Image.LANCZOS), (0, 0))
    out.paste(_shrink(labels, size), (THUMB + 10, 0))
    return out


def _shrink(labels: np.ndarray, size: tuple[int, int]) -> Image.Image:
    """Coloured labels at `size`: the highest class in each block, so thin strokes stay."""
    h, w = labels.shape
    ys = (np.arange(size[1] + 1) * h / size[1]).astype(int)
    xs = (np.arange(size[0] + 1) * w / size[0]).astype(int)
    small = np.maximum.reduceat(np.maximum.reduceat(labels, ys[:-1], axis=0), xs[:-1], axis=1)
    return Image.fromarray(PALETTE[small])


def _legend(width: int) -> Image.Image:
    out = Image.new("RGB", (width, 24), "white")
    draw = ImageDraw.Draw(out)
    for i, name in enumerate(STROKE_CLASSES[1:], start=1):
        x = 10 + (i - 1) * 130
        draw.rectangle((x, 6, x + 12, 18), fill=tuple(int(v) for v in PALETTE[i]))
        draw.text((x + 18, 6), f"{i} {name}", fill="black")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--n", type=int, default=6)
    parser.add_argument("--time", type=int, default=20, help="samples to time")
    args = parser.parse_args()
    pairs = [_pair(args.seed + i) for i in range(args.n)]
    cols = 2
    w, h = pairs[0].size
    sheet = Image.new("RGB", (cols * w + 10, 24 + ((args.n + cols - 1) // cols) * (h + 10)),
                      "white")
    sheet.paste(_legend(sheet.width), (0, 0))
    for i, pair in enumerate(pairs):
        sheet.paste(pair, ((i % cols) * (w + 10), 24 + (i // cols) * (h + 10)))
    OUT.parent.mkdir(exist_ok=True)
    sheet.save(OUT, optimize=True)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB)")
    if args.time < 1:
        return
    costs = []
    for i in range(args.time):
        rng = np.random.default_rng([10_000 + i])
        scene = sample_diagram(rng)
        start = time.process_time()
        render_labelled(scene, rng)
        costs.append(time.process_time() - start)
    print(f"render_labelled at 1024 px: mean {np.mean(costs):.3f} s, median "
          f"{np.median(costs):.3f} s, max {np.max(costs):.3f} s CPU over {args.time} samples")


if __name__ == "__main__":
    main()
