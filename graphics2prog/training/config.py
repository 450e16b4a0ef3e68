"""The settings of a training run, with their defaults (light: the CLI reads them without torch).

`LoopConfig` holds what every run has (training/loop.py); each network's config extends it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..scenes import SceneConfig


@dataclass(kw_only=True)
class LoopConfig:
    """Options every training run has; each network's config extends it with its own."""
    lr: float                    # peak learning rate: each network declares its default
    out: str                     # checkpoint path (each network declares its default)
    batch: int = 64              # examples per step and process
    weight_decay: float = 0.01
    min_objects: int = 1         # objects per synthetic scene
    max_objects: int = 12
    device: str = "auto"         # auto | cpu | cuda
    resume: bool = False         # continue from the checkpoint at `out` when there is one
    seed: int = 0
    workers: int = 1             # DataLoader worker processes per training process
    threads: int = 0             # torch threads per process (0: torch's default)
    val_every: int = 1000        # steps between validations (0: only at the end)
    save_every_s: float = 300.0  # seconds between checkpoints besides those after validations
    quiet: bool = False          # no progress bar and no summary lines

    def scene_config(self) -> SceneConfig:
        """The synthetic scenes that training and validation draw."""
        return SceneConfig(min_objects=self.min_objects, max_objects=self.max_objects)


@dataclass(kw_only=True)
class TrainConfig(LoopConfig):
    """The proposal network's run: the loop's options (LoopConfig) and these."""
    lr: float = 2e-3
    out: str = "runs/proposal.pt"
    scenes: int = 100_000        # synthetic scenes per epoch
    epochs: int = 1
    warmup_steps: int = 300
    arch: str = "grid"           # "grid" (default) or "paper"
    image_size: int = 0          # 0: the architecture's default (grid 128, paper 256)
    width: int = 64              # grid arch: conv channels
    hidden: int = 128            # grid arch: head units
    flag_size: int = 0           # grid arch: resolution the arrow/dashed heads read (0: image_size)
    shards: Optional[str] = None  # a `g2p data synth` folder; None: scenes drawn on the fly
    init: Optional[str] = None   # warm start: weights of this checkpoint where they fit
    val_scenes: int = 200
    max_steps: int = 0           # stop after this many steps in total (0: epochs decide)


@dataclass(kw_only=True)
class LikelihoodTrainConfig(LoopConfig):
    """The likelihood network's run: the loop's options (LoopConfig) and these."""
    lr: float = 1e-3
    out: str = "runs/likelihood.pt"
    steps: int = 20_000
    image_size: int = 128
    width: int = 32              # conv channels
    val_scenes: int = 100


@dataclass(kw_only=True)
class StrokeTrainConfig(LoopConfig):
    """The stroke network's run (diagrams): the loop's options (LoopConfig) and these."""
    lr: float = 2e-3
    out: str = "runs/strokes.pt"
    batch: int = 8
    steps: int = 6000
    warmup_steps: int = 200
    crop: int = 256              # px, square training crops at the 1024-px scale
    real: Optional[str] = None   # a folder of labelled real photos (`g2p data hdbpmn`); None:
                                 # synthetic scenes alone
    real_share: float = 0.5      # share of examples from `real` when given
    init: Optional[str] = None   # warm start (fine-tuning): weights of this checkpoint
    widths: str = "16,32,48,64,96"  # channels per scale, full resolution first
    context: Optional[str] = None   # pooling factors of context branches, comma-separated;
                                    # None: none (with --init: the checkpoint's own)
    val_crops: int = 48          # held-out crops per source (synthetic; real writers)
    val_every: int = 500
