"""Growing a trained grid network wider (more conv channels, more head units) so that it
starts out computing exactly what the trained one computes (in the spirit of Net2Net).

Every old weight keeps its place in the leading slice of the wider tensor. A new output unit
keeps its fresh initialisation, and every old unit reads its new inputs through zero weights,
so the new units change nothing until training gives them a use. Layers that read
concatenated features (GridNet.input_blocks) are widened part by part.
"""
from __future__ import annotations

from dataclasses import replace

import torch

from .checkpoint import WeightsError
from .grid import GridNet
from .proposal import ProposalConfig


def _widen(old: torch.Tensor, new: torch.Tensor, old_blocks: list[int],
           new_blocks: list[int]) -> torch.Tensor:
    """old in new's leading output rows, its input part by part; the new input columns of
    the old rows zero; the new rows as initialised."""
    out = new.clone()
    rows = old.shape[0]
    if old.dim() == 1:  # a bias
        out[:rows] = old
        return out
    out[:rows] = 0
    src = dst = 0
    for a, b in zip(old_blocks, new_blocks):
        out[:rows, dst:dst + a] = old[:, src:src + a]
        src, dst = src + a, dst + b
    return out


def resized(old: ProposalConfig, new: ProposalConfig) -> bool:
    """Whether `new` is the grid network `old` with another width and/or hidden size."""
    return (old.arch == "grid" and new != old
            and replace(old, width=new.width, hidden=new.hidden) == new)


def widen_state(old: GridNet, new: GridNet) -> dict:
    """A state_dict for `new` (`old` resized, at least as wide) that makes it compute what
    `old` computes."""
    if not resized(old.config, new.config) or new.config.width < old.config.width or \
            new.config.hidden < old.config.hidden:
        raise WeightsError("can only widen a grid network into a wider one of the same design")
    old_state, state = old.state_dict(), new.state_dict()
    old_blocks, new_blocks = old.input_blocks(), new.input_blocks()
    for name, target in state.items():
        source = old_state[name]
        if source.shape == target.shape:
            state[name] = source.clone()
        elif name.endswith("_emb.weight"):  # (entries, features): features widened
            state[name] = target.clone()
            state[name][:, :source.shape[1]] = source
        else:
            width = [source.shape[1]] if source.dim() > 1 else []
            state[name] = _widen(source, target, old_blocks.get(name, width),
                                 new_blocks.get(name, [target.shape[1]] if width else []))
    return state
