"""The training loop both networks share (one process, or several under torchrun).

Read top to bottom, like nanoGPT's train.py: set the process up (torchrun's RANK, WORLD_SIZE and
LOCAL_RANK when present: gloo on CPU, nccl on CUDA), build the network or resume it from its
atomic checkpoint, then step: learning rate from the task's schedule, bf16 autocast on CUDA,
AdamW, optional gradient clipping. Rank 0 alone shows progress (tqdm on stderr), validates every
`val_every` steps and at the end (one JSON line each in `<out>.metrics.jsonl`) and saves: after
each validation and otherwise every `save_every_s` seconds. What differs between the networks
(model, data, loss, validation, schedule, length) comes from a `Task`.
"""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional, Protocol, Sequence

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, IterableDataset
from tqdm import tqdm

from ..models.checkpoint import load_checkpoint, save_checkpoint
from .config import LoopConfig


Batch = Sequence[torch.Tensor]  # tensors whose dim 0 is the batch


class Task(Protocol):
    """What one network brings to the loop."""
    config: LoopConfig
    kind: str                # checkpoint "kind": which network the file holds
    clip: Optional[float]    # gradient-norm clip (None: no clipping)
    cpu_bf16: bool           # bfloat16 autocast on the CPU too (always on CUDA)

    def build(self) -> torch.nn.Module:
        """A fresh (or warm-started) network, on the CPU."""

    def restore(self, state: dict) -> torch.nn.Module:
        """The network a checkpoint holds, on the CPU."""

    def total_steps(self, world: int) -> int:
        """Steps of the whole run (resumed runs included) with `world` processes."""

    def learning_rate(self, step: int, total: int) -> float:
        """The schedule: learning rate of step `step` of `total`."""

    def batches(self, model: torch.nn.Module, rank: int, world: int,
                step: int) -> Iterator[Batch]:
        """Endless batches for this rank, for a run that starts (or resumes) at `step`."""

    def loss(self, net: torch.nn.Module, batch: Batch) -> torch.Tensor:
        """Scalar training loss of one batch (`net` may be the DDP wrapper)."""

    def validation(self, model: torch.nn.Module) -> Callable[[torch.nn.Module, torch.device],
                                                             dict]:
        """The held-out check, built once on rank 0: (model, device) -> metrics."""

    def summary(self, metrics: dict) -> str:
        """One line for the console after a validation."""


@dataclass
class Progress:
    """How far a run has come: what a checkpoint records besides the weights."""
    step: int = 0
    samples: int = 0         # examples seen, all processes together
    elapsed_s: float = 0.0   # training time, validations included, over all sessions
    metrics: dict = field(default_factory=dict)  # the last validation's


def setup(config: LoopConfig) -> tuple[int, int, torch.device]:
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


def _one_thread(_worker: int) -> None:
    torch.set_num_threads(1)  # the worker processes are the parallelism


def data_loader(data: IterableDataset, config: LoopConfig) -> DataLoader:
    """Batches of `data` read by `config.workers` single-threaded worker processes."""
    return DataLoader(data, batch_size=config.batch, num_workers=config.workers,
                      worker_init_fn=_one_thread)


def start(task: Task, device: torch.device):
    """(network, AdamW optimizer, Progress): from the checkpoint at `out` when resuming
    (weights, optimizer moments, step, samples, time and last metrics), else fresh."""
    config = task.config
    out = Path(config.out)
    state = load_checkpoint(out) if config.resume and out.is_file() else None
    model = (task.build() if state is None else task.restore(state)).to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr,
                                  weight_decay=config.weight_decay)
    if state is None:
        return model, optimizer, Progress()
    if "optimizer" in state:
        optimizer.load_state_dict(state["optimizer"])
    return model, optimizer, Progress(state["step"], state.get("samples", 0),
                                      state["elapsed_s"], state.get("metrics", {}))


def save(task: Task, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
         run: Progress) -> None:
    """Write the checkpoint at `out` (atomically: a crash never leaves half a file)."""
    save_checkpoint(task.config.out, model, optimizer, kind=task.kind,
                    train=asdict(task.config), step=run.step, samples=run.samples,
                    elapsed_s=run.elapsed_s, metrics=run.metrics)


def finish(bar: tqdm, world: int) -> None:
    """Close the progress bar and, under torchrun, leave the process group together."""
    bar.close()
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()


def train(task: Task) -> dict:
    """Train (or resume) the task's network; returns the last validation metrics on rank 0
    (other ranks neither validate nor save, and return what the run resumed with)."""
    config = task.config
    rank, world, device = setup(config)
    lead = rank == 0
    model, optimizer, run = start(task, device)
    net = model if world == 1 else DistributedDataParallel(
        model, device_ids=[device.index] if device.type == "cuda" else None)
    total = task.total_steps(world)
    validate = task.validation(model) if lead else None
    log = Path(config.out).with_suffix(".metrics.jsonl")
    if lead:
        log.parent.mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=total, initial=run.step, disable=not lead or config.quiet, file=sys.stderr,
               unit="step", mininterval=2.0, dynamic_ncols=True)
    data = task.batches(model, rank, world, run.step)
    began, samples0, elapsed0 = time.time(), run.samples, run.elapsed_s
    loss_ema, val_time, saved = None, 0.0, time.time()
    while run.step < total:
        batch = [x.to(device, non_blocking=True) for x in next(data)]
        for group in optimizer.param_groups:
            group["lr"] = task.learning_rate(run.step, total)
        with torch.autocast(device.type, dtype=torch.bfloat16,
                            enabled=device.type == "cuda" or task.cpu_bf16):
            loss = task.loss(net, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if task.clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), task.clip)
        optimizer.step()
        run.step += 1
        run.samples += len(batch[0]) * world
        run.elapsed_s = elapsed0 + time.time() - began
        if not lead:
            continue
        loss_ema = loss.item() if loss_ema is None else 0.98 * loss_ema + 0.02 * loss.item()
        rate = (run.samples - samples0) / max(1e-9, time.time() - began - val_time)
        bar.update(1)
        bar.set_postfix(loss=f"{loss_ema:.3f}", samples_s=f"{rate:.0f}", refresh=False)
        validating = (config.val_every and run.step % config.val_every == 0) or run.step == total
        if validating:
            t0 = time.time()
            run.metrics = {"step": run.step, "samples": run.samples, "train_loss": loss_ema,
                           "samples_per_s": rate, "elapsed_s": run.elapsed_s,
                           **validate(model, device)}
            val_time += time.time() - t0
            with log.open("a") as f:
                f.write(json.dumps(run.metrics) + "\n")
            if not config.quiet:
                bar.write(task.summary(run.metrics))
        if validating or time.time() - saved > config.save_every_s:
            save(task, model, optimizer, run)
            saved = time.time()
    finish(bar, world)
    return run.metrics
