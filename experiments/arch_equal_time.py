"""Accuracy of the two proposal architectures after the same few minutes of CPU training.

Each architecture trains from scratch with one thread and one loader process for a number of
steps chosen so both take about the same wall-clock time (the paper's net reads 256 px and is
~10x slower per sample), then is validated on the same 100 held-out noisy scenes (teacher-forced
token accuracy, greedy exact parse). Writes experiments/results/arch_equal_time.{json,md}.

    python experiments/arch_equal_time.py [--grid-steps 600] [--paper-steps 60] [--seed 3]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from graphics2prog.training.proposal import TrainConfig, train_proposal

RESULTS = Path(__file__).resolve().parents[1] / "experiments" / "results"


def run(arch: str, steps: int, seed: int, out: Path) -> dict:
    start = time.time()
    metrics = train_proposal(TrainConfig(
        scenes=100_000, epochs=1, max_steps=steps, batch=64, arch=arch, out=str(out),
        val_every=0, val_scenes=100, workers=1, threads=1, seed=seed, quiet=True))
    return {"arch": arch, "steps": steps, "wall_s": time.time() - start, **metrics}


def table(rows: list[dict]) -> str:
    lines = ["| arch | steps | examples | train minutes | samples/s | val loss | exact parse | "
             "errors/scene | x1 acc | arrow acc | dashed acc |", "|---|" + "---|" * 10]
    for r in rows:
        acc = r["token_acc"]
        lines.append(f"| {r['arch']} | {r['steps']} | {r['samples']} | {r['elapsed_s'] / 60:.1f} "
                     f"| {r['samples_per_s']:.0f} | {r['val_loss']:.3f} | {r['exact']:.2f} | "
                     f"{r['mean_errors']:.2f} | {acc['x1']:.3f} | {acc['arrow']:.3f} | "
                     f"{acc['dashed']:.3f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid-steps", type=int, default=600)
    ap.add_argument("--paper-steps", type=int, default=60)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run("grid", args.grid_steps, args.seed, Path(tmp) / "grid.pt"),
                run("paper", args.paper_steps, args.seed, Path(tmp) / "paper.pt")]
    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "arch_equal_time.json").write_text(json.dumps({"machine": machine,
                                                             "runs": rows}, indent=1) + "\n")
    text = (f"# Proposal architectures after equal CPU time\n\nMachine: {machine}; 1 torch thread "
            f"+ 1 loader process each, from scratch, seed {args.seed}; validation on 100 held-out "
            f"noisy scenes of 1..12 objects.\n\n{table(rows)}\n")
    (RESULTS / "arch_equal_time.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
