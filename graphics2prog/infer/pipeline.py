"""The whole job for one drawing: image -> ink map -> top-k specs -> program of the best spec.

`Pipeline` loads the networks once, so `g2p eval` and the gallery reuse it across drawings.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import torch

from ..errors import InputError
from ..spec import Spec, spec_to_dict


SEEDS = 16  # beam search specs that join SMC's pool
RERANK_K = 10  # specs the program prior reranks (infer/rerank.py)


@dataclass
class InferConfig:
    method: str = "smc"          # "smc" (default) or "beam"
    top: int = 5                 # specs returned
    particles: int = 256         # SMC particles
    time_budget: float = 8.0     # seconds for the search (the seeding beam search, then SMC)
    beam: int = 16               # beam width (method "beam", and SMC's seeding beam search)
    program: bool = True         # synthesize the program of the best spec
    synth_timeout: float = 10.0  # seconds for the synthesizer
    seed: int = 0
    device: str = "auto"         # auto | cpu | cuda
    proposal: str = "proposal"   # registered weights name or checkpoint path
    likelihood: str = "likelihood"  # registered weights, a path, or "pixel" (the lesion)
    snap: bool = True            # register a rescaled drawing onto the grid (infer/register.py)
    grid_unit: Optional[float] = None  # a photo's grid unit in pixels, when known (preprocess)
    rerank: bool = False         # SMC: rerank the top specs by a program prior (infer/rerank.py)


@dataclass
class InferResult:
    file: str
    specs: list[tuple[Spec, float]]
    ink: np.ndarray                       # (256, 256) what the networks read
    program: Optional[object] = None      # synth AST of the best spec's program
    program_text: Optional[str] = None
    program_status: str = "skipped"  # until synthesis runs: optimal | timeout | best-so-far | failed
    timings: dict = field(default_factory=dict)
    photo: Optional[np.ndarray] = None   # uint8 RGB: a photo as mapped onto its sheet or grid

    @property
    def best(self) -> Spec:
        return self.specs[0][0] if self.specs else Spec()

    def to_json(self) -> dict:
        """The document `g2p infer --json` prints (DESIGN.md)."""
        return {"file": self.file,
                "specs": [{**spec_to_dict(s), "score": round(score, 4)} for s, score in self.specs],
                "program": self.program_text, "program_status": self.program_status,
                "timings": {k: round(v, 4) for k, v in self.timings.items()}}


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda: no CUDA device is available")
    return torch.device(name)


class Pipeline:
    """Networks loaded once; `run_file` and `run_ink` infer one drawing each."""

    def __init__(self, config: InferConfig = InferConfig()):
        from ..models.registry import load_likelihood, load_model

        self.config = config
        self.device = resolve_device(config.device)
        self.proposal = load_model(config.proposal, self.device)
        self.likelihood = self.prior = None
        if config.method == "smc":
            self.likelihood = load_likelihood(config.likelihood, self.device)
            if config.rerank:
                from .rerank import ProgramPrior
                self.prior = ProgramPrior.load()

    def run_file(self, path, progress: Optional[Callable[[float], None]] = None) -> InferResult:
        from ..preprocess import prepare

        t0 = time.perf_counter()
        prepared = prepare(path, self.config.grid_unit)
        ink = prepared.ink
        if prepared.placed and self.config.snap:
            ink = self.snap(ink)
        result = self.run_ink(ink, str(path), progress)
        result.photo = prepared.rectified
        result.timings["preprocess_s"] = time.perf_counter() - t0 - result.timings["total_s"]
        result.timings["total_s"] += result.timings["preprocess_s"]
        return result

    def snap(self, ink: np.ndarray) -> np.ndarray:
        """A rescaled drawing registered onto the grid of parses of itself (register.py)."""
        from .beam import BeamConfig, beam_search, greedy
        from .register import snap_to_grid

        def parse_many(images) -> list[Spec]:
            batch = torch.from_numpy(np.stack(images)).unsqueeze(1)
            return greedy(self.proposal, batch, max_primitives=30)

        def parse_one(image: np.ndarray) -> Spec:
            found = beam_search(self.proposal, image, BeamConfig(beam=4, expand=4, top=1))
            return found[0][0] if found else Spec()

        return snap_to_grid(ink, parse_many, parse_one)

    def run_ink(self, ink: np.ndarray, name: str = "",
                progress: Optional[Callable[[float], None]] = None) -> InferResult:
        c = self.config
        t0 = time.perf_counter()
        if c.method == "beam":
            from .beam import BeamConfig, beam_search
            specs = beam_search(self.proposal, ink, BeamConfig(beam=c.beam, top=c.top))
        else:  # beam search's most probable specs seed the pool; SMC gets the rest of the time
            from .beam import BeamConfig, beam_search
            from .smc import SMCConfig, smc
            seeds = beam_search(self.proposal, ink, BeamConfig(beam=c.beam, top=SEEDS))
            budget = max(0.25 * c.time_budget, c.time_budget - (time.perf_counter() - t0))
            hyps = smc(self.proposal, self.likelihood, ink,
                       SMCConfig(particles=c.particles, time_budget=budget, seed=c.seed),
                       top=max(c.top, RERANK_K) if self.prior else c.top, device=self.device,
                       progress=progress, seeds=seeds)
            specs = [(h.spec, h.score) for h in hyps]
        t1 = time.perf_counter()
        timings, synthesis = {"parse_s": t1 - t0}, None
        if self.prior and len(specs) > 1:
            from .rerank import rerank
            specs, syntheses = rerank(self.prior, specs)
            synthesis = syntheses[0]
            t1, timings["rerank_s"] = time.perf_counter(), time.perf_counter() - t1
        result = InferResult(name, specs[:c.top], ink, timings=timings)
        if c.program and specs:
            from ..synth import synthesize
            if synthesis is None or synthesis.status != "optimal":
                synthesis = synthesize(result.best, timeout=c.synth_timeout)
            result.program, result.program_text = synthesis.program, synthesis.text
            result.program_status = synthesis.status
            result.timings["synth_s"] = time.perf_counter() - t1
            result.timings["program_s"] = synthesis.time_s  # its synthesis (maybe in rerank)
        result.timings["total_s"] = time.perf_counter() - t0
        return result


def write_outputs(result: InferResult, out_dir) -> list[Path]:
    """render.png, render.svg, figure.tex, spec.json, program.txt and the ink map the
    networks read (input.png), so a user sees both what was understood and what was seen;
    for a photo also photo.png, the photo as mapped onto its paper's grid (or sheet)."""
    from PIL import Image

    from .. import render
    from ..export.tikz import program_to_tikz, spec_to_tikz, standalone_document

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    best = result.best
    render.save_png(best, out / "render.png")
    render.save_svg(best, out / "render.svg")
    render.array_to_png(result.ink, out / "input.png")
    if result.photo is not None:
        Image.fromarray(result.photo).save(out / "photo.png")
    body = program_to_tikz(result.program) if result.program is not None else spec_to_tikz(best)
    (out / "figure.tex").write_text(standalone_document(body))
    (out / "spec.json").write_text(json.dumps(spec_to_dict(best), indent=1) + "\n")
    (out / "program.txt").write_text((result.program_text or "") + "\n")
    names = ["render.png", "render.svg", "figure.tex", "spec.json", "program.txt", "input.png"]
    return [out / n for n in names + (["photo.png"] if result.photo is not None else [])]
