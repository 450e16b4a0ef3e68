"""The search's settings, with their defaults (light: the CLI reads them without torch)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class BeamConfig:
    """Beam search over command sequences (infer/beam.py)."""

    beam: int = 4           # partial specs kept per step
    expand: int = 8         # commands proposed per partial spec per step
    top: int = 5            # finished specs returned
    max_primitives: int = 40


@dataclass
class SMCConfig:
    """Sequential Monte Carlo with the learned likelihood (infer/smc.py)."""

    particles: int = 64        # particles per round
    max_primitives: int = 32   # a particle that has not stopped by then is dropped
    time_budget: float = 2.0   # seconds for all rounds
    rounds: int = 4            # independent restarts while time remains
    likelihood_weight: float = 1.0  # tempering of log L against log P_θ
    settle: int = 1            # stop after this many rounds in a row that kept the best spec
                               # (0: run every round the time allows)
    seed: int = 0
