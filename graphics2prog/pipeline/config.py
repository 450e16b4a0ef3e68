"""Every setting of inference, with its default (light: the CLI reads it without torch)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..infer.config import BeamConfig, SMCConfig


@dataclass
class InferConfig:
    """Every setting of inference, with its default; the CLI's flags take theirs from here."""

    method: str = "smc"          # "smc" (default) or "beam"
    top: int = 5                 # specs returned
    particles: int = SMCConfig.particles
    time_budget: float = SMCConfig.time_budget  # seconds for the search (seeding beam, then SMC)
    beam: int = BeamConfig.beam  # beam width (method "beam", and SMC's seeding beam search)
    settle: int = SMCConfig.settle  # SMC stops after this many rounds that kept the best spec
    program: bool = True         # synthesize the program of the best spec
    text: bool = True            # diagram mode: read handwritten labels (graphics2prog.text)
    synth_timeout: float = 10.0  # seconds for the synthesizer
    seed: int = 0
    device: str = "auto"         # auto | cpu | cuda
    proposal: str = "proposal"            # registered weights name or checkpoint path
    likelihood: str = "likelihood"        # registered weights, a path, or "pixel" (the lesion)
    snap: bool = True            # register a rescaled drawing onto the grid (infer/register.py)
    grid_unit: Optional[float] = None  # a photo's grid unit in pixels, when known (image/)
    rerank: bool = False         # SMC: rerank the top specs by a program prior (rerank.py)
    seeds: int = BeamConfig.beam  # beam search specs that join SMC's pool
    rerank_k: int = 10           # specs the program prior reranks
    snap_beam: int = 4           # beam width and expansion of the parses that registration fits
    snap_primitives: int = 30    # most primitives of registration's greedy parses
    mode: str = "auto"           # auto | grid (the paper's 16-square drawings) | diagram
    # diagram mode: the stroke networks' weights (names or paths; several, joined by commas,
    # are an ensemble; the same as models.registry.DEFAULT_STROKES, kept here without torch)
    strokes: str = "strokes_faint_long"
    diagram_synth_timeout: float = 2.0  # diagram mode: seconds for the synthesizer
