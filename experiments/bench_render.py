"""Speed of the clean renderer, the pencil noise model and the sprite cache, against targets.

Targets (issue 2, CPU): render_noisy fast enough for 10^5 scenes in < 3 min on 2 cores
(<= 2.5 ms per scene of ~6.5 objects on one core); SpriteCache: extend 256 canvases of
256x256 by one primitive each in < 10 ms, compose 256 canvases of 12 primitives in < 100 ms.
Scenes here are uniform random primitives (not the scene sampler) so the script depends only
on the renderers. Writes experiments/results/render_bench.md.

    .venv/bin/python experiments/bench_render.py [--seed 0] [--repeats 5]
"""
from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from graphics2prog.noise import render_noisy
from graphics2prog.render import SpriteCache, render_array
from graphics2prog.spec import Circle, Line, Rectangle

ROOT = Path(__file__).resolve().parents[1]
BATCH, DEPTH = 256, 12


def random_primitive(rng: np.random.Generator):
    kind = rng.integers(3)
    if kind == 0:
        return Circle(*map(int, rng.integers(1, 16, 2)))
    x = np.sort(rng.choice(17, 2, replace=False))
    y = np.sort(rng.choice(17, 2, replace=False))
    if kind == 1:
        return Rectangle(int(x[0]), int(y[0]), int(x[1]), int(y[1]))
    return Line(int(x[0]), int(y[0]), int(x[1]), int(y[1]), bool(rng.random() < 0.5),
                bool(rng.random() < 0.2))


def random_scene(rng: np.random.Generator, n: int) -> list:
    return [random_primitive(rng) for _ in range(n)]


def best_ms(fn, repeats: int, sync=lambda: None) -> float:
    """Best of `repeats` wall times in ms (after one warm-up call)."""
    fn()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return 1e3 * min(times)


def bench_cache(device: str, threads: int, rng: np.random.Generator,
                repeats: int) -> list[tuple]:
    """Rows (what, ms, target ms) for the sprite cache on one device and torch thread count."""
    torch.set_num_threads(threads)
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    scenes = [random_scene(rng, DEPTH) for _ in range(BATCH)]
    rows = []
    # float32 storage only as the single-thread reference: it is the slow option everywhere
    for dtype in (torch.uint8, torch.float32) if threads == 1 else (torch.uint8,):
        cache = SpriteCache(device=device, dtype=dtype)
        start = time.perf_counter()
        canvases = cache.compose(scenes)  # (B, H, W), rasterises every sprite once
        cold = 1e3 * (time.perf_counter() - start)
        new = [random_primitive(rng) for _ in range(BATCH)]
        idx = cache.indices(new)  # (B,)
        name = str(dtype).replace("torch.", "") + f" {threads}T" * (device == "cpu")
        rows += [
            (f"{device} {name}: extend {BATCH} in place (extend_indices, out=)",
             best_ms(lambda: cache.extend_indices(canvases, idx, out=canvases), repeats, sync),
             10.0),
            (f"{device} {name}: extend {BATCH} to a new tensor (extend)",
             best_ms(lambda: cache.extend(canvases, new), repeats, sync), 10.0),
            (f"{device} {name}: compose {BATCH}x{DEPTH} from cached sprites",
             best_ms(lambda: cache.compose(scenes), repeats, sync), 100.0),
            (f"{device} {name}: compose {BATCH}x{DEPTH} cold ({len(cache)} sprites rasterised)",
             cold, None),
        ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "experiments" / "results" / "render_bench.md"))
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)

    machine = (f"{platform.platform()}, {platform.processor() or platform.machine()}, "
               f"{os.cpu_count()} CPUs, torch {torch.__version__} with "
               f"{torch.get_num_threads()} threads, python {platform.python_version()}"
               + (f", CUDA: {torch.cuda.get_device_name(0)}" if torch.cuda.is_available()
                  else ", no CUDA"))
    load_start = os.getloadavg()[0]
    print(machine)

    cv2.setNumThreads(1)  # one core per scene, as one data-synth worker per core runs it
    per_count = {}
    for n in (1, 3, 6, 9, 12):
        scenes = [random_scene(rng, n) for _ in range(100)]
        clean = best_ms(lambda: [render_array(s) for s in scenes], 2) / len(scenes)
        noisy = best_ms(lambda: [render_noisy(s, rng) for s in scenes], 2) / len(scenes)
        per_count[n] = (clean, noisy)
        print(f"{n:2d} objects: render_array {clean:.2f} ms, render_noisy {noisy:.2f} ms")
    mix = [random_scene(rng, int(n)) for n in rng.integers(1, 13, 300)]
    mix_ms = best_ms(lambda: [render_noisy(s, rng) for s in mix], 2) / len(mix)
    cpu_start = time.process_time()
    for s in mix:
        render_noisy(s, rng)
    mix_cpu_ms = 1e3 * (time.process_time() - cpu_start) / len(mix)
    projected_s = mix_ms * 1e5 / 1e3 / 2
    print(f"1..12 objects (mean 6.5): render_noisy {mix_ms:.2f} ms/scene -> 10^5 scenes on "
          f"2 cores ~ {projected_s:.0f} s (target < 180 s, noise only); "
          f"process CPU time {mix_cpu_ms:.2f} ms/scene")

    threads = torch.get_num_threads()
    rows = [row for t in sorted({1, threads}) for row in bench_cache("cpu", t, rng, args.repeats)]
    if torch.cuda.is_available():
        rows += bench_cache("cuda", threads, rng, args.repeats)
    torch.set_num_threads(threads)
    base = {r[0].split(":")[1]: r[1] for r in rows if r[0].startswith("cpu uint8 1T")}
    lines = [
        "# Renderer benchmark", "",
        f"Machine: {machine}. Load average (1 min) {load_start:.1f} at the start and "
        f"{os.getloadavg()[0]:.1f} at the end of the run (other jobs share the machine).", "",
        "Produced by `experiments/bench_render.py`; random scenes of uniform primitives, "
        f"seed {args.seed}; times are the best of a few runs at 256x256.", "",
        "## Clean and noisy rendering (one core, per scene)", "",
        "| objects | render_array ms | render_noisy ms | noisy / clean |", "|---|---|---|---|",
        *[f"| {n} | {c:.2f} | {z:.2f} | {z / c:.2f} |" for n, (c, z) in per_count.items()],
        "", f"Uniform 1..12 objects: render_noisy **{mix_ms:.2f} ms/scene** (target <= 2.5); "
        f"10^5 scenes on 2 cores ~ **{projected_s:.0f} s** of noise rendering (target: the "
        f"whole `g2p data synth` under 180 s). Process CPU time: {mix_cpu_ms:.2f} ms/scene "
        "(less sensitive to other load on the machine).", "",
        f"## SpriteCache ({BATCH} canvases of 256x256)", "",
        "| operation | ms | target ms | vs cpu uint8 1 thread |", "|---|---|---|---|",
    ]
    for what, ms, target in rows:
        ratio = ms / base[what.split(":")[1]] if what.split(":")[1] in base else float("nan")
        lines.append(f"| {what} | {ms:.1f} | {target if target else '-'} | {ratio:.2f} |")
        print(f"{what}: {ms:.1f} ms" + (f" (target < {target:g})" if target else ""))
    lines += ["", "uint8 canvases (255 = ink) are the default storage: the same gather + max "
              "moves a quarter of the bytes of float32; `SpriteCache.to_float` converts for "
              "the models. `nT` = torch intra-op threads; on a loaded 2-core machine the "
              "2-thread runs vary a lot (threads wait for each other), so SMC on a shared "
              "small CPU should prefer `torch.set_num_threads(1)`.", ""]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
