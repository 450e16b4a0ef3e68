"""Training the proposal network on synthetic scenes (one process, or several under torchrun).

Teacher forcing over the canonical drawing order: each example is (noisy drawing, clean canvas
of a prefix, next command). AdamW with warm-up and cosine decay, bf16 autocast on CUDA,
periodic validation on held-out scenes (per-token accuracy and exact parse by greedy decoding)
and atomic checkpoints that `resume` continues from. Under `torchrun --nproc_per_node K` the
same call trains with DistributedDataParallel (RANK/WORLD_SIZE from the environment; gloo on
CPU, nccl on CUDA); rank 0 alone logs and saves.
"""
from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass
from itertools import count
from pathlib import Path
from typing import Optional

import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from tqdm import tqdm

from .data import ProposalDataset, prefix_canvases
from ..errors import InputError
from ..infer.beam import greedy
from ..models.checkpoint import (WeightsError, config_from_dict, load_checkpoint,
                                model_from_checkpoint, save_checkpoint, unwrap)
from ..models.proposal import ProposalConfig, ProposalModel, build_model
from ..models.widen import resized, widen_state
from ..models.tokens import TOKEN_NAMES, encode
from ..noise import render_noisy
from ..scenes import SceneConfig, sample_scene
from ..spec import exact_match, symmetric_difference

DEFAULT_SIZE = {"grid": 128, "paper": 256}


@dataclass
class TrainConfig:
    scenes: int = 100_000        # synthetic scenes per epoch
    epochs: int = 1
    batch: int = 64              # examples per step and process
    lr: float = 2e-3
    weight_decay: float = 0.01
    warmup_steps: int = 300
    arch: str = "grid"           # "grid" (default) or "paper"
    image_size: int = 0          # 0: the architecture's default (grid 128, paper 256)
    width: int = 64              # grid arch: conv channels
    hidden: int = 128            # grid arch: head units
    flag_size: int = 0           # grid arch: resolution the arrow/dashed heads read (0: image_size)
    shards: Optional[str] = None  # a `g2p data synth` folder; None: scenes drawn on the fly
    min_objects: int = 1
    max_objects: int = 12
    device: str = "auto"         # auto | cpu | cuda
    out: str = "runs/proposal.pt"
    resume: bool = False
    init: Optional[str] = None   # warm start: weights of this checkpoint where they fit
    seed: int = 0
    workers: int = 1             # DataLoader worker processes per training process
    threads: int = 0             # torch threads per process (0: torch's default)
    val_scenes: int = 200
    val_every: int = 2000        # steps between validations (0: only at the end)
    save_every_s: float = 300.0
    max_steps: int = 0           # stop after this many steps in total (0: epochs decide)
    quiet: bool = False


def model_config(config: TrainConfig) -> ProposalConfig:
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
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    progress = min(1.0, (step - config.warmup_steps) / max(1, total - config.warmup_steps))
    return config.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * progress)))


def _one_thread(_worker: int) -> None:
    torch.set_num_threads(1)  # the worker processes are the parallelism


def batches(config: TrainConfig, model: ProposalConfig, rank: int, world: int, offset: int):
    """Endless (target, canvas, tokens) batches for this rank; each pass reshuffles."""
    scene_config = SceneConfig(min_objects=config.min_objects, max_objects=config.max_objects)
    data = ProposalDataset(config.shards, image_size=model.image_size,
                           target_size=model.flag_size, seed=config.seed, rank=rank,
                           world_size=world, scene_config=scene_config)
    loader = DataLoader(data, batch_size=config.batch, num_workers=config.workers,
                        worker_init_fn=_one_thread)
    for n in count():
        data.set_epoch(offset + n)
        yield from loader


class Validation:
    """Held-out noisy scenes (their own seed) scored by teacher forcing and greedy parsing."""

    def __init__(self, config: TrainConfig, image_size: int):
        rng = np.random.default_rng([config.seed, 7919])
        scene_config = SceneConfig(min_objects=config.min_objects, max_objects=config.max_objects)
        self.specs = [sample_scene(rng, scene_config) for _ in range(config.val_scenes)]
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


def summary(m: dict) -> str:
    tokens = " ".join(f"{k} {v:.3f}" for k, v in m["token_acc"].items())
    return (f"step {m['step']}: loss {m['train_loss']:.3f} val_loss {m['val_loss']:.3f} "
            f"exact {m['exact']:.3f} errors {m['mean_errors']:.2f} | accuracy {tokens}")


def setup(config: TrainConfig):
    """(rank, world, device): torchrun's environment when present, else one process."""
    rank, world = int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
    local = int(os.environ.get("LOCAL_RANK", 0))
    cuda = config.device == "cuda" or (config.device == "auto" and torch.cuda.is_available())
    device = torch.device(f"cuda:{local}" if cuda else "cpu")
    if cuda:
        torch.cuda.set_device(device)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if cuda else "gloo")
    if config.threads:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed + rank)
    return rank, world, device


class Checkpointer:
    """Saves when asked (after a validation) and otherwise every `every_s` seconds."""

    def __init__(self, save, every_s: float):
        self.save, self.every_s, self.last = save, every_s, time.time()

    def __call__(self, now: bool = False) -> None:
        if now or time.time() - self.last > self.every_s:
            self.save()
            self.last = time.time()


def finish(bar, world: int) -> None:
    """Close the progress bar and, under torchrun, leave the process group together."""
    bar.close()
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()


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


def train_proposal(config: TrainConfig) -> dict:
    """Train (or resume) the proposal network; returns the last validation metrics (rank 0)."""
    rank, world, device = setup(config)
    out = Path(config.out)
    model_cfg = model_config(config)
    step, samples, elapsed, state = 0, 0, 0.0, None
    if config.resume and out.is_file():
        state = load_checkpoint(out)
        model = model_from_checkpoint(state, device).train()
        step, samples, elapsed = state["step"], state["samples"], state["elapsed_s"]
    else:
        model = build_model(model_cfg)
        if config.init:
            warm_start(model, load_checkpoint(config.init))
        model = model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr,
                                  weight_decay=config.weight_decay)
    if state is not None and "optimizer" in state:
        optimizer.load_state_dict(state["optimizer"])
    if world > 1:
        net = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda"
                                      else None)
    else:
        net = model
    total = config.epochs * steps_per_epoch(config, world)
    if config.max_steps:
        total = min(total, config.max_steps)
    lead = rank == 0
    validate = Validation(config, model.config.image_size) if lead else None
    metrics = state.get("metrics", {}) if state else {}
    log = out.with_suffix(".metrics.jsonl")
    if lead:
        out.parent.mkdir(parents=True, exist_ok=True)

    def save():
        save_checkpoint(out, model, optimizer, train=asdict(config), step=step, samples=samples,
                        elapsed_s=elapsed, metrics=metrics)

    bar = tqdm(total=total, initial=step, disable=not lead or config.quiet, file=sys.stderr,
               unit="step", mininterval=2.0, dynamic_ncols=True)
    data = batches(config, model.config, rank, world, offset=1000 * step)
    loss_ema, val_time, start, start_samples, elapsed0 = None, 0.0, time.time(), samples, elapsed
    checkpoint = Checkpointer(save, config.save_every_s)
    while step < total:
        targets, canvases, tokens = (x.to(device, non_blocking=True) for x in next(data))
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(config, step, total)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            loss = model.loss(net(targets, canvases, tokens), tokens)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        step += 1
        samples += len(tokens) * world
        elapsed = elapsed0 + time.time() - start
        if not lead:
            continue
        loss_ema = loss.item() if loss_ema is None else 0.98 * loss_ema + 0.02 * loss.item()
        rate = (samples - start_samples) / max(1e-9, time.time() - start - val_time)
        bar.update(1)
        bar.set_postfix(loss=f"{loss_ema:.3f}", samples_s=f"{rate:.0f}", refresh=False)
        if (config.val_every and step % config.val_every == 0) or step == total:
            t0 = time.time()
            metrics = {"step": step, "samples": samples, "train_loss": loss_ema,
                       "samples_per_s": rate, "elapsed_s": elapsed,
                       **validate(unwrap(model), device)}
            val_time += time.time() - t0
            with log.open("a") as f:
                f.write(json.dumps(metrics) + "\n")
            if not config.quiet:
                bar.write(summary(metrics))
            checkpoint(now=True)
        else:
            checkpoint()
    finish(bar, world)
    return metrics
