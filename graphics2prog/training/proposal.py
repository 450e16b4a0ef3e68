"""The proposal network's part of the training loop (loop.py): its config, data and validation.

Teacher forcing over the canonical drawing order: each example is (noisy drawing, clean canvas
of a prefix, next command). The learning rate warms up, then decays along a cosine to 5% of its
peak; gradients are clipped to norm 1. Validation on held-out scenes reports per-token accuracy
and the exact parse by greedy decoding. `train_proposal` runs it, under torchrun too.
"""
from __future__ import annotations

import math
from itertools import count

import numpy as np
import torch

from .data import ProposalDataset, prefix_canvases
from .config import TrainConfig
from .loop import data_loader, train
from ..errors import InputError
from ..infer.beam import greedy
from ..models.checkpoint import (WeightsError, config_from_dict, load_checkpoint,
                                model_from_checkpoint)
from ..models.proposal import ProposalConfig, ProposalModel, build_model
from ..models.widen import resized, widen_state
from ..models.tokens import TOKEN_NAMES, encode
from ..noise import render_noisy
from ..scenes import sample_scene
from ..spec import exact_match, symmetric_difference

DEFAULT_SIZE = {"grid": 128, "paper": 256}


def model_config(config: TrainConfig) -> ProposalConfig:
    """The network a fresh run builds; a flag size the architecture cannot use is an error."""
    size = config.image_size or DEFAULT_SIZE[config.arch]
    if config.flag_size and (config.arch != "grid" or config.flag_size % size):
        raise InputError(f"--flag-size {config.flag_size}: needs the grid arch and a multiple "
                         f"of its image size {size}")
    return ProposalConfig(arch=config.arch, image_size=size, width=config.width,
                          hidden=config.hidden, flag_size=config.flag_size)


def steps_per_epoch(config: TrainConfig, world: int) -> int:
    """Steps that see about `scenes` scenes: a scene of n objects gives n + 1 examples."""
    per_scene = (config.min_objects + config.max_objects) / 2 + 1
    return max(1, math.ceil(config.scenes * per_scene / (config.batch * world)))


def learning_rate(config: TrainConfig, step: int, total: int) -> float:
    """Linear warm-up over `warmup_steps`, then a cosine from `lr` down to 5% of it at `total`."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    progress = min(1.0, (step - config.warmup_steps) / max(1, total - config.warmup_steps))
    return config.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))


class Validation:
    """Held-out noisy scenes (their own seed) scored by teacher forcing and greedy parsing."""

    def __init__(self, config: TrainConfig, image_size: int):
        rng = np.random.default_rng([config.seed, 7919])
        scenes = config.scene_config()
        self.specs = [sample_scene(rng, scenes) for _ in range(config.val_scenes)]
        images = np.stack([render_noisy(s, rng, 256) for s in self.specs])
        self.images = torch.from_numpy(images).unsqueeze(1)  # (N, 1, 256, 256)
        self.examples = []  # (scene index, canvas (1, S, S), tokens (7,)) per step
        for i, spec in enumerate(self.specs):
            canvases = torch.from_numpy(prefix_canvases(spec, image_size)).float() / 255
            for k, p in enumerate([*spec, None]):
                self.examples.append((i, canvases[k:k + 1], torch.tensor(encode(p))))

    @torch.no_grad()
    def __call__(self, model: ProposalModel, device, batch: int = 256) -> dict:
        model.eval()
        loss, hits, counts = 0.0, 0, 0
        for s in range(0, len(self.examples), batch):
            chunk = self.examples[s:s + batch]
            idx = torch.tensor([i for i, _, _ in chunk])
            canvas = torch.stack([c for _, c, _ in chunk]).to(device)
            tokens = torch.stack([t for _, _, t in chunk]).to(device)
            logits = model(self.images[idx].to(device), canvas, tokens)
            loss += model.loss(logits, tokens).item() * len(chunk)
            h, c = model.token_hits(logits, tokens)
            hits, counts = hits + h.cpu(), counts + c.cpu()
        parses = []
        for s in range(0, len(self.specs), batch):
            parses += greedy(model, self.images[s:s + batch], max_primitives=30)
        model.train()
        acc = (hits / counts.clamp(min=1)).tolist()
        return {"val_loss": loss / len(self.examples),
                "token_acc": dict(zip(TOKEN_NAMES, acc)),
                "exact": float(np.mean([exact_match(p, t) for p, t in zip(parses, self.specs)])),
                "mean_errors": float(np.mean([symmetric_difference(p, t)
                                              for p, t in zip(parses, self.specs)]))}


def warm_start(model: ProposalModel, state: dict) -> None:
    """Start from a trained checkpoint; the schedule starts afresh. A narrower grid network of
    the same design is widened into `model` (models/widen.py: it then computes the same);
    otherwise its weights are copied into every parameter they fit, so a grown architecture
    starts from a trained one and new parts keep their initialisation."""
    if resized(config_from_dict(state["config"]), model.config):
        model.load_state_dict(widen_state(model_from_checkpoint(state), model))
        return
    own = model.state_dict()
    fitting = {k: v for k, v in state["model"].items() if k in own and own[k].shape == v.shape}
    model.load_state_dict(fitting, strict=False)
    if not fitting:
        raise WeightsError("the --init checkpoint shares no weights with this architecture")


class ProposalTask:
    """The proposal network as a loop.Task."""
    kind = "proposal"
    clip = 1.0
    cpu_bf16 = False

    def __init__(self, config: TrainConfig):
        self.config = config
        self.model_config = model_config(config)  # a bad --flag-size fails before any work

    def build(self) -> ProposalModel:
        """A fresh network, warm-started from `init` when given."""
        model = build_model(self.model_config)
        if self.config.init:
            warm_start(model, load_checkpoint(self.config.init))
        return model

    def restore(self, state: dict) -> ProposalModel:
        return model_from_checkpoint(state)

    def total_steps(self, world: int) -> int:
        """`epochs` epochs of about `scenes` scenes, cut at `max_steps` when set."""
        total = self.config.epochs * steps_per_epoch(self.config, world)
        return min(total, self.config.max_steps) if self.config.max_steps else total

    def learning_rate(self, step: int, total: int) -> float:
        return learning_rate(self.config, step, total)

    def batches(self, model: ProposalModel, rank: int, world: int, step: int):
        """Endless (target, canvas, tokens) batches for this rank at the sizes `model` reads
        (a resumed one keeps its own); each pass reshuffles, from a pass `step` decides."""
        config = self.config
        data = ProposalDataset(config.shards, image_size=model.config.image_size,
                               target_size=model.config.flag_size, seed=config.seed, rank=rank,
                               world_size=world, scene_config=config.scene_config())
        loader = data_loader(data, config)
        for n in count():
            data.set_epoch(1000 * step + n)
            yield from loader

    def loss(self, net: torch.nn.Module, batch) -> torch.Tensor:
        targets, canvases, tokens = batch  # (B, 1, T, T), (B, 1, S, S), (B, 7)
        return ProposalModel.loss(net(targets, canvases, tokens), tokens)

    def validation(self, model: ProposalModel) -> Validation:
        return Validation(self.config, model.config.image_size)

    def summary(self, m: dict) -> str:
        """Losses, exact parses, errors per scene and per-token accuracy."""
        tokens = " ".join(f"{k} {v:.3f}" for k, v in m["token_acc"].items())
        return (f"step {m['step']}: loss {m['train_loss']:.3f} val_loss {m['val_loss']:.3f} "
                f"exact {m['exact']:.3f} errors {m['mean_errors']:.2f} | accuracy {tokens}")


def train_proposal(config: TrainConfig) -> dict:
    """Train (or resume) the proposal network; returns the last validation metrics (rank 0)."""
    return train(ProposalTask(config))
