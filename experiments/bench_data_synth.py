"""Throughput of synthetic data generation (`g2p data synth`): target 10^5 scenes in < 3 min
on 2 cores.

Measures, in one run: the scene sampler alone, the pencil renderer alone, and write_shards end to
end (sampling + noisy rendering + compression + multiprocessing) with 1 and W workers. Prints
the machine and writes experiments/results/data_synth_bench.md.

    python experiments/bench_data_synth.py [--scenes 20000] [--workers 2]
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from graphics2prog.training.data import write_shards
from graphics2prog.noise import render_noisy
from graphics2prog.scenes import sample_scene

RESULTS = Path(__file__).resolve().parent / "results" / "data_synth_bench.md"


def machine() -> str:
    cpu = platform.processor() or "unknown cpu"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = "load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = "load unknown"
    return (f"{cpu}; {os.cpu_count()} logical cores visible; {load}; "
            f"Python {platform.python_version()}; numpy {np.__version__}; torch {torch.__version__}")


def per_item(fn, n: int) -> tuple[float, float]:
    """(wall, cpu) seconds per call of fn(i) over n calls."""
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        fn(i)
    return (time.perf_counter() - wall) / n, (time.process_time() - cpu) / n


def synth_rate(n: int, workers: int) -> tuple[float, float, float]:
    """(scenes/s wall, CPU s/scene of this process, bytes/scene); with 1 worker everything
    runs in this process, so its CPU time is the whole cost."""
    out = Path(tempfile.mkdtemp(prefix="g2p_bench_"))
    try:
        start, cpu = time.perf_counter(), time.process_time()
        write_shards(out, n, seed=0, workers=workers, progress=False)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        size = sum(f.stat().st_size for f in out.iterdir())
    finally:
        shutil.rmtree(out)
    return n / elapsed, cpu / n, size / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", type=int, default=20000, help="scenes for the end-to-end run")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()

    info = machine()
    print(info)
    rng = np.random.default_rng(0)
    specs = [sample_scene(rng) for _ in range(2000)]
    sample_wall, sample_cpu = per_item(lambda i: sample_scene(rng), 5000)
    render_wall, render_cpu = per_item(lambda i: render_noisy(specs[i], rng), 2000)
    one_rate, one_cpu, _ = synth_rate(max(1000, args.scenes // 4), 1)
    rate, _, bytes_per_scene = synth_rate(args.scenes, args.workers)
    projected = 1e5 / rate
    rows = [
        ("scene sampler", f"{sample_wall * 1e6:.0f} us wall, {sample_cpu * 1e6:.0f} us CPU / scene"),
        ("pencil render 256 px", f"{render_wall * 1e3:.2f} ms wall, {render_cpu * 1e3:.2f} ms CPU / scene"),
        ("sampler / render (CPU)", f"{sample_cpu / render_cpu:.2f}"),
        ("write_shards, 1 worker", f"{one_rate:.0f} scenes/s"),
        (f"write_shards, {args.workers} workers ({args.scenes} scenes)", f"{rate:.0f} scenes/s"),
        (f"speed-up {args.workers} workers vs 1", f"{rate / one_rate:.2f}x"),
        ("write_shards CPU per scene (1 worker, all in-process)", f"{one_cpu * 1e3:.2f} ms"),
        ("projected time for 10^5 scenes, measured wall rate", f"{projected:.0f} s (target < 180 s)"),
        (f"projected time for 10^5 scenes on {args.workers} idle cores (CPU time / cores)",
         f"{1e5 * one_cpu / args.workers:.0f} s"),
        ("disk per scene (compressed)", f"{bytes_per_scene / 1024:.1f} KiB"),
    ]
    lines = ["# Synthetic data throughput (`g2p data synth`)", "",
             f"Machine: {info}", "",
             "| measure | value |", "|---|---|"] + [f"| {a} | {b} |" for a, b in rows]
    lines += ["", "Wall times include whatever else the machine was running (see the load "
              "average); CPU times are this process's own.", ""]
    text = "\n".join(lines)
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
