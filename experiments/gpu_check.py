"""The GPU figures, in one short run on a lent accelerator (experiments/gpu_check.sh):

1. `g2p infer` latency on the dev drawings on the device: warm (one pipeline, every drawing)
   and cold (a fresh process for a few drawings, start and model loading included), program
   synthesis off, the default search settings;
2. SMC particle-steps per second: 1,024 particles, one round per drawing, no time limit;
3. proposal-network training samples per second at batch 256 (bf16 autocast on CUDA), data
   drawn on the fly by DataLoader workers.

Writes experiments/results/gpu.md (and gpu.json); `--device cpu` runs the same on the CPU.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from graphics2prog.image.drawings import load_drawing_folder
from graphics2prog.image.prepare import prepare
from graphics2prog.infer.beam import beam_search
from graphics2prog.infer.config import BeamConfig, SMCConfig
from graphics2prog.infer.smc import smc
from graphics2prog.pipeline.config import InferConfig
from graphics2prog.pipeline.core import Pipeline
from graphics2prog.spec import exact_match
from graphics2prog.training.config import TrainConfig
from graphics2prog.training.proposal import train_proposal

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"


def warm_latency(pipeline: Pipeline, drawings) -> dict:
    """Seconds per drawing in one process (after one warm-up drawing), and top-1."""
    pipeline.run_file(drawings[0].path)
    seconds, hits = [], []
    for d in drawings:
        start = time.perf_counter()
        result = pipeline.run_file(d.path)
        seconds.append(time.perf_counter() - start)
        hits.append(exact_match(result.best, d.spec))
    return {"median_s": float(np.median(seconds)), "p95_s": float(np.percentile(seconds, 95)),
            "top1": float(np.mean(hits)), "drawings": len(drawings)}


def cold_latency(drawings, device: str) -> dict:
    """Seconds of a whole `g2p infer` process per drawing."""
    seconds = []
    for d in drawings:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "graphics2prog.cli", "infer", str(d.path),
                        "--no-program", "--json", "--quiet", "--device", device],
                       check=True, capture_output=True)
        seconds.append(time.perf_counter() - start)
    return {"median_s": float(np.median(seconds)), "drawings": len(drawings)}


def smc_rate(pipeline: Pipeline, drawings, particles: int = 1024) -> dict:
    """Particle-steps per second of one SMC round per drawing (the proposal's samples count)."""
    steps = [0]
    sample = pipeline.proposal.sample

    def counted(*args, **kwargs):
        tokens, logp = sample(*args, **kwargs)
        steps[0] += len(tokens)
        return tokens, logp

    pipeline.proposal.sample = counted
    config = SMCConfig(particles=particles, rounds=1, settle=0, time_budget=600.0)
    elapsed = 0.0
    for d in drawings:
        ink = prepare(d.path).ink
        seeds = beam_search(pipeline.proposal, ink, BeamConfig())
        if pipeline.device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        smc(pipeline.proposal, pipeline.likelihood, ink, config, device=pipeline.device,
            seeds=seeds)
        if pipeline.device.type == "cuda":
            torch.cuda.synchronize()
        elapsed += time.perf_counter() - start
    pipeline.proposal.sample = sample
    return {"particles": particles, "particle_steps_per_s": steps[0] / elapsed,
            "drawings": len(drawings)}


def training_rate(device: str, steps: int) -> dict:
    """Samples per second of `steps` proposal training steps at batch 256."""
    with tempfile.TemporaryDirectory() as tmp:
        metrics = train_proposal(TrainConfig(batch=256, max_steps=steps, val_every=0,
                                             device=device, workers=min(8, os.cpu_count() or 1),
                                             out=str(Path(tmp) / "proposal.pt"), quiet=True))
    return {"batch": 256, "steps": steps, "samples_per_s": metrics["samples_per_s"],
            "bf16": device == "cuda"}


def machine(device: str) -> str:
    name = torch.cuda.get_device_name() if device == "cuda" else platform.processor() or "cpu"
    return (f"{name}; {os.cpu_count()} CPUs; torch {torch.__version__}; "
            f"Python {platform.python_version()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drawings", default=str(ROOT.parent / "shared" / "drawings" / "dev"))
    ap.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    ap.add_argument("--cold", type=int, default=5, help="drawings run cold")
    ap.add_argument("--smc", type=int, default=10, help="drawings of the SMC rate")
    ap.add_argument("--train-steps", type=int, default=60)
    args = ap.parse_args()
    drawings = [d for d in load_drawing_folder(args.drawings) if d.spec is not None]
    pipeline = Pipeline(InferConfig(program=False, device=args.device))
    doc = {"machine": machine(args.device), "device": args.device,
           "warm": warm_latency(pipeline, drawings),
           "cold": cold_latency(drawings[:args.cold], args.device),
           "smc": smc_rate(pipeline, drawings[:args.smc]),
           "training": training_rate(args.device, args.train_steps)}
    text = "\n".join([
        f"# GPU check ({doc['device']})", "", f"Machine: {doc['machine']}.", "",
        "| figure | measured | target |", "|---|---|---|",
        f"| `g2p infer` warm, median / p95 over {doc['warm']['drawings']} dev drawings "
        f"(top-1 {doc['warm']['top1']:.0%}) | {doc['warm']['median_s']:.3f} / "
        f"{doc['warm']['p95_s']:.3f} s | median ≤ 0.5 s |",
        f"| `g2p infer` cold, median over {doc['cold']['drawings']} | "
        f"{doc['cold']['median_s']:.2f} s | |",
        f"| SMC, {doc['smc']['particles']} particles | "
        f"{doc['smc']['particle_steps_per_s']:,.0f} particle-steps/s | |",
        f"| proposal training, batch 256{' bf16' if doc['training']['bf16'] else ''} | "
        f"{doc['training']['samples_per_s']:,.0f} samples/s | |", ""])
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if args.device == "cuda" else "_cpu"
    (RESULTS / f"gpu{suffix}.json").write_text(json.dumps(doc, indent=1) + "\n")
    (RESULTS / f"gpu{suffix}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
