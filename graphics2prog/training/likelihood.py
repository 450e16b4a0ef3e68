"""The likelihood network's part of the training loop (loop.py): (drawing of T1, render of T2,
set differences) pairs.

Seeded on-the-fly data from data.py; the learning rate follows a cosine from `lr` to 0 over
`steps`, without gradient clipping. Validation reports the mean absolute error of both counts
and how often the exact hypothesis scores best among it and its perturbations (the ranking SMC
relies on). `train_likelihood` runs it, under torchrun too.
"""
from __future__ import annotations

import json
import math

import numpy as np
import torch

from .data import LikelihoodDataset, clean_canvas
from .config import LikelihoodTrainConfig
from .loop import data_loader, train
from ..models.likelihood import LikelihoodConfig, LikelihoodNet, likelihood_from_checkpoint
from ..noise import render_noisy
from ..scenes import perturb, sample_scene


class RankingValidation:
    """Held-out scenes; per scene the truth and 4 perturbations, drawn once."""

    def __init__(self, config: LikelihoodTrainConfig):
        rng = np.random.default_rng([config.seed, 104729])
        scenes = config.scene_config()
        self.targets, self.canvases, self.counts = [], [], []
        for _ in range(config.val_scenes):
            t1 = sample_scene(rng, scenes)
            image = torch.from_numpy(render_noisy(t1, rng, 256))[None]  # (1, 256, 256)
            for t2 in [t1] + [perturb(t1, rng, scenes) for _ in range(4)]:
                self.targets.append(image)
                self.canvases.append(clean_canvas(t2, config.image_size))  # (1, S, S)
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


class LikelihoodTask:
    """The likelihood network as a loop.Task."""
    kind = "likelihood"
    clip = None
    cpu_bf16 = False

    def __init__(self, config: LikelihoodTrainConfig):
        self.config = config

    def build(self) -> LikelihoodNet:
        return LikelihoodNet(LikelihoodConfig(self.config.image_size, self.config.width))

    def restore(self, state: dict) -> LikelihoodNet:
        return likelihood_from_checkpoint(state)

    def total_steps(self, world: int) -> int:
        return self.config.steps

    def learning_rate(self, step: int, total: int) -> float:
        """A cosine from `lr` at step 0 to 0 at `total`."""
        return self.config.lr * 0.5 * (1 + math.cos(math.pi * step / total))

    def batches(self, model: LikelihoodNet, rank: int, world: int, step: int):
        """Endless (target, canvas, counts) batches for this rank, seeded anew at each resume
        (by `step`) so a resumed run does not see its first batches again."""
        config = self.config
        data = LikelihoodDataset(image_size=config.image_size, seed=config.seed + step,
                                 rank=rank, world_size=world, scene_config=config.scene_config())
        return iter(data_loader(data, config))

    def loss(self, net: torch.nn.Module, batch) -> torch.Tensor:
        targets, canvases, counts = batch  # (B, 1, S, S), (B, 1, S, S), (B, 2)
        return LikelihoodNet.loss(net(targets, canvases).float(), counts)

    def validation(self, model: LikelihoodNet) -> RankingValidation:
        return RankingValidation(self.config)

    def summary(self, metrics: dict) -> str:
        """Every metric, rounded."""
        return (f"step {metrics['step']}: "
                + json.dumps({k: round(v, 3) for k, v in metrics.items()}))


def train_likelihood(config: LikelihoodTrainConfig) -> dict:
    """Train (or resume) the likelihood network; returns the last validation metrics (rank 0)."""
    return train(LikelihoodTask(config))
