"""Training the likelihood surrogate on (drawing of T1, render of T2, set differences) pairs.

The same machinery as the proposal network (train.py): seeded on-the-fly data from data.py,
AdamW, bf16 autocast on CUDA, torchrun/DDP, atomic checkpoints and `resume`. Validation reports
the mean absolute error of both counts and how often the exact hypothesis scores best among it
and its perturbations (the ranking SMC relies on).
"""
from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from tqdm import tqdm

from .data import LikelihoodDataset, clean_canvas
from ..models.checkpoint import load_checkpoint, save_checkpoint, unwrap
from ..models.likelihood import LikelihoodConfig, LikelihoodNet, likelihood_from_checkpoint
from ..noise import render_noisy
from ..scenes import SceneConfig, perturb, sample_scene
from .proposal import Checkpointer, _one_thread, finish, setup


@dataclass
class LikelihoodTrainConfig:
    steps: int = 20_000
    batch: int = 64
    lr: float = 1e-3
    weight_decay: float = 0.01
    image_size: int = 128
    width: int = 32
    min_objects: int = 1
    max_objects: int = 12
    device: str = "auto"
    out: str = "runs/likelihood.pt"
    resume: bool = False
    seed: int = 0
    workers: int = 1
    threads: int = 0
    val_scenes: int = 100
    val_every: int = 1000
    save_every_s: float = 300.0
    quiet: bool = False


class RankingValidation:
    """Held-out scenes; per scene the truth and 4 perturbations, drawn once."""

    def __init__(self, config: LikelihoodTrainConfig):
        rng = np.random.default_rng([config.seed, 104729])
        scenes = SceneConfig(min_objects=config.min_objects, max_objects=config.max_objects)
        self.targets, self.canvases, self.counts = [], [], []
        for _ in range(config.val_scenes):
            t1 = sample_scene(rng, scenes)
            image = torch.from_numpy(render_noisy(t1, rng, 256))[None]
            for t2 in [t1] + [perturb(t1, rng, scenes) for _ in range(4)]:
                self.targets.append(image)
                self.canvases.append(clean_canvas(t2, config.image_size))
                s1, s2 = t1.as_set(), t2.as_set()
                self.counts.append([len(s1 - s2), len(s2 - s1)])
        self.counts = torch.tensor(self.counts, dtype=torch.float32)  # (5N, 2)

    @torch.no_grad()
    def __call__(self, model: LikelihoodNet, device) -> dict:
        model.eval()
        preds = []
        for s in range(0, len(self.targets), 250):
            t = torch.stack(self.targets[s:s + 250]).to(device)
            c = torch.stack(self.canvases[s:s + 250]).to(device)
            preds.append(model(t, c).float().cpu())
        model.train()
        pred = torch.cat(preds)  # (5N, 2)
        w = model.config.extra_weight
        score = -(pred[:, 0] + w * pred[:, 1]).reshape(-1, 5)
        return {"mae_missing": float((pred[:, 0] - self.counts[:, 0]).abs().mean()),
                "mae_extra": float((pred[:, 1] - self.counts[:, 1]).abs().mean()),
                "truth_ranked_first": float((score.argmax(1) == 0).float().mean())}


def train_likelihood(config: LikelihoodTrainConfig) -> dict:
    """Train (or resume) the likelihood network; returns the last validation metrics."""
    rank, world, device = setup(config)
    out = Path(config.out)
    step, elapsed, state = 0, 0.0, None
    if config.resume and out.is_file():
        state = load_checkpoint(out)
        model = likelihood_from_checkpoint(state, device).train()
        step, elapsed = state["step"], state["elapsed_s"]
    else:
        model = LikelihoodNet(LikelihoodConfig(config.image_size, config.width)).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    if state is not None and "optimizer" in state:
        optimizer.load_state_dict(state["optimizer"])
    net = DistributedDataParallel(model) if world > 1 else model
    lead = rank == 0
    validate = RankingValidation(config) if lead else None
    metrics = state.get("metrics", {}) if state else {}
    log = out.with_suffix(".metrics.jsonl")
    if lead:
        out.parent.mkdir(parents=True, exist_ok=True)
    scenes = SceneConfig(min_objects=config.min_objects, max_objects=config.max_objects)
    data = LikelihoodDataset(image_size=config.image_size, seed=config.seed + step, rank=rank,
                             world_size=world, scene_config=scenes)
    loader = iter(DataLoader(data, batch_size=config.batch, num_workers=config.workers,
                             worker_init_fn=_one_thread))
    bar = tqdm(total=config.steps, initial=step, disable=not lead or config.quiet,
               file=sys.stderr, unit="step", mininterval=2.0, dynamic_ncols=True)
    start, elapsed0, loss_ema = time.time(), elapsed, None

    def save():
        save_checkpoint(out, model, optimizer, kind="likelihood", train=asdict(config),
                        step=step, elapsed_s=elapsed, metrics=metrics)

    checkpoint = Checkpointer(save, config.save_every_s)
    while step < config.steps:
        targets, canvases, counts = (x.to(device) for x in next(loader))
        lr = config.lr * 0.5 * (1 + math.cos(math.pi * step / config.steps))
        for group in optimizer.param_groups:
            group["lr"] = lr
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            loss = LikelihoodNet.loss(net(targets, canvases).float(), counts)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step += 1
        elapsed = elapsed0 + time.time() - start
        if not lead:
            continue
        loss_ema = loss.item() if loss_ema is None else 0.98 * loss_ema + 0.02 * loss.item()
        bar.update(1)
        bar.set_postfix(loss=f"{loss_ema:.3f}", refresh=False)
        if step % config.val_every == 0 or step == config.steps:
            metrics = {"step": step, "train_loss": loss_ema, "elapsed_s": elapsed,
                       **validate(unwrap(model), device)}
            with log.open("a") as f:
                f.write(json.dumps(metrics) + "\n")
            if not config.quiet:
                bar.write(f"step {step}: " + json.dumps({k: round(v, 3) for k, v in metrics.items()}))
            checkpoint(now=True)
        else:
            checkpoint()
    finish(bar, world)
    return metrics

