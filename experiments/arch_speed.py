"""Speed of the proposal architectures on this machine: training and inference samples/s, the
latency of one proposal step (all tokens of one command) for 1 and for 256 rows, and parameters.

    python experiments/arch_speed.py [--threads 2] [--batch 64] [--seconds 10] [--out FILE]

Inputs are random 256x256 ink maps (what the pipeline feeds); each model resizes to its own
resolution. Prints a table with ratios to the paper architecture measured in the same run.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch

from graphics2prog.models.proposal import ProposalConfig, build_model
from graphics2prog.models.registry import for_inference

ARCHS = {"grid": ProposalConfig(), "grid96": ProposalConfig(width=96, hidden=192),
         "flag256": ProposalConfig(flag_size=256),
         "paper": ProposalConfig(arch="paper", image_size=256)}


def batch(n, gen):
    targets = (torch.rand(n, 1, 256, 256, generator=gen) > 0.97).float()
    canvases = targets * (torch.rand(n, 1, 256, 256, generator=gen) > 0.5).float()
    kinds = torch.randint(0, 4, (n,), generator=gen)
    tokens = torch.zeros(n, 7, dtype=torch.long)
    tokens[:, 0] = kinds
    tokens[:, 1:3] = torch.randint(0, 8, (n, 2), generator=gen)
    tokens[:, 3:5] = tokens[:, 1:3] + torch.randint(1, 8, (n, 2), generator=gen)
    return targets, canvases, tokens


def rate(fn, n, seconds):
    """Samples per second of fn() over n samples, after one warm-up call."""
    fn()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        count += n
    return count / (time.perf_counter() - start)


def latency(fn, repeats=5):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def measure(name, config, batch_size, seconds, gen):
    torch.manual_seed(0)
    model = build_model(config)
    opt = torch.optim.AdamW(model.parameters(), 1e-3)
    tg, cv, tk = batch(batch_size, gen)

    def train_step():
        loss = model.loss(model(tg, cv, tk), tk)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def infer_step():
        with torch.no_grad():
            model(tg, cv, tk)

    row = {"arch": name, "image_size": config.image_size,
           "params": sum(p.numel() for p in model.parameters())}
    model.train()
    row["train_samples_s"] = rate(train_step, batch_size, seconds)
    for_inference(model)  # as the pipeline loads it
    row["infer_samples_s"] = rate(infer_step, batch_size, seconds)
    for n in (1, 256):
        t1, c1, _ = batch(n, gen)
        row[f"step_ms_{n}"] = 1000 * latency(lambda: model.sample(model.encode(t1, c1)))
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--archs", default="grid,flag256,grid96,paper")
    ap.add_argument("--out", default="experiments/results/arch_speed.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(0)
    machine = {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
               "threads": args.threads, "torch": torch.__version__,
               "load_avg": os.getloadavg()}
    rows = [measure(a, ARCHS[a], args.batch, args.seconds, gen) for a in args.archs.split(",")]
    print(f"machine: {machine}")
    base = next((r for r in rows if r["arch"] == "paper"), rows[0])
    print(f"{'arch':7} {'size':>4} {'params':>8} {'train/s':>8} {'infer/s':>8} "
          f"{'step1 ms':>9} {'step256 ms':>10} {'train x':>7}")
    for r in rows:
        print(f"{r['arch']:7} {r['image_size']:4d} {r['params']:8d} {r['train_samples_s']:8.1f} "
              f"{r['infer_samples_s']:8.1f} {r['step_ms_1']:9.1f} {r['step_ms_256']:10.1f} "
              f"{r['train_samples_s'] / base['train_samples_s']:7.1f}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"machine": machine, "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
