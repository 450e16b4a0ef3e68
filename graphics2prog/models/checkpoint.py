"""Checkpoints: one file holds the model config (so it rebuilds its own model), the uncompiled
state_dict, and optionally the optimizer, training config, progress and metrics.

Files are written atomically (temporary file, then rename) so a crash mid-save never leaves a
corrupt checkpoint, and read with torch.load(weights_only=True): no pickled code runs.
"""
from __future__ import annotations

import os
from dataclasses import asdict, fields
from pathlib import Path
from typing import Optional

import torch

from ..errors import InputError
from .proposal import ProposalConfig, ProposalModel, build_model


class WeightsError(InputError):
    """A weights file that is missing, corrupt, fails its checksum or is not a checkpoint."""


def unwrap(model: torch.nn.Module) -> ProposalModel:
    """The plain module under DDP and/or torch.compile wrappers (whose state_dict we save)."""
    model = getattr(model, "module", model)
    return getattr(model, "_orig_mod", model)


def save_checkpoint(path, model: torch.nn.Module, optimizer: Optional[torch.optim.Optimizer] = None,
                    **extra) -> None:
    """Write {config, model, optimizer?, **extra} atomically; extra values must be plain data."""
    model = unwrap(model)
    state = {"config": asdict(model.config), "model": model.state_dict(), **extra}
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    write_checkpoint(path, state)


def write_checkpoint(path, state: dict) -> None:
    """Write a checkpoint's state atomically (temporary file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path, map_location="cpu") -> dict:
    """Read a checkpoint safely; any problem becomes a WeightsError with a one-line reason."""
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: no such weights file")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # noqa: BLE001 - torch raises many types for a damaged file
        raise WeightsError(f"{path}: not a readable checkpoint ({e.__class__.__name__})") from None
    if not isinstance(state, dict) or not {"config", "model"} <= state.keys():
        raise WeightsError(f"{path}: not a proposal-network checkpoint (no config/model)")
    return state


def average_checkpoints(paths: list) -> dict:
    """One checkpoint whose weights are the mean of several of one run (a late stretch of
    training): one network, steadier than any one of its checkpoints. Integer buffers (batch
    counts) and everything else come from the last; the optimizer is dropped."""
    if len(paths) < 2:
        raise InputError("averaging needs at least two checkpoints")
    states = [load_checkpoint(p) for p in paths]
    last = states[-1]
    for path, state in zip(paths, states):
        if state["config"] != last["config"] or state["model"].keys() != last["model"].keys():
            raise WeightsError(f"{path}: not a checkpoint of the same network as {paths[-1]}")
    model = {k: (torch.stack([s["model"][k] for s in states]).mean(0)
                 if v.is_floating_point() else v) for k, v in last["model"].items()}
    averaged = {k: v for k, v in last.items() if k != "optimizer"}
    averaged["model"] = model
    averaged["averaged"] = [str(p) for p in paths]
    return averaged


def config_from_dict(d: dict) -> ProposalConfig:
    known = {f.name for f in fields(ProposalConfig)}
    return ProposalConfig(**{k: v for k, v in d.items() if k in known})


def model_from_checkpoint(state: dict, device="cpu") -> ProposalModel:
    """Rebuild the model a checkpoint describes and load its weights (eval mode)."""
    model = build_model(config_from_dict(state["config"]))
    return load_weights(model, state, f"the {model.config.arch} architecture").to(device).eval()


def load_weights(model: torch.nn.Module, state: dict, what: str) -> torch.nn.Module:
    """Load a checkpoint's state_dict; a mismatch is a WeightsError naming `what` was expected."""
    try:
        model.load_state_dict(state["model"])
    except RuntimeError as e:
        raise WeightsError(f"weights do not fit {what}: {str(e).splitlines()[0]}") from None
    return model
