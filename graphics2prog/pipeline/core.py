"""The whole job for one drawing: image -> ink map -> top-k specs -> program of the best spec.

`Pipeline` loads the networks once, so `g2p eval`, the gallery and Python callers reuse it
across drawings: `load_pipeline().infer("drawing.png")`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Callable, Optional

import numpy as np
import torch

from ..errors import InputError
from ..image.decode import decode_rgb
from ..image.frames import MODEL_FROM_GRID, moved_on_model
from ..image.ink import INK_THRESHOLD
from ..image.mode import MODES, choose_mode
from ..image.prepare import Prepared, prepare
from ..infer.beam import BeamConfig, beam_search, greedy
from ..infer.register import snap_to_grid
from ..infer.smc import SMCConfig, smc
from ..models.registry import load_likelihood, load_model
from ..spec import Spec, spec_to_dict
from ..synth import synthesize
from ..text import labels_to_json
from .config import InferConfig
from .diagram import DiagramRunner
from .rerank import ProgramPrior, rerank


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
    image_from_grid: np.ndarray = field(default_factory=MODEL_FROM_GRID.copy)
    # (3, 3): grid (x, y, 1) -> the input image's (column, row, w) pixels (image/frames.py)
    input_rgb: Optional[np.ndarray] = None  # uint8 RGB of the input as decoded, EXIF applied;
    input_factor: float = 1.0  # its pixels per original pixel (< 1: a large JPEG, draft-decoded)
    mode: str = "grid"         # which parser read it: grid (the paper's 16 squares) | diagram

    @property
    def best(self) -> Spec:
        return self.specs[0][0] if self.specs else Spec()

    @property
    def found_ink(self) -> bool:
        """Whether the image held any ink at all (a blank page gives the empty spec at once)."""
        return bool(self.ink.max(initial=0.0) >= INK_THRESHOLD)

    def to_json(self) -> dict:
        """The document `g2p infer --json` prints (DESIGN.md)."""
        return {"file": self.file,
                "specs": [{**spec_to_dict(s), "score": round(score, 4)} for s, score in self.specs],
                "program": self.program_text, "program_status": self.program_status,
                "timings": {k: round(v, 4) for k, v in self.timings.items()},
                "image_from_grid": [[float(f"{v:.6g}") + 0.0 for v in row]
                                    for row in self.image_from_grid],
                "labels": labels_to_json(self.best), "mode": self.mode}


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda: no CUDA device is available")
    return torch.device(name)


class Pipeline:
    """Networks loaded once; `run_file` and `run_ink` infer one drawing each."""

    def __init__(self, config: InferConfig = InferConfig()):
        if config.mode not in MODES:
            raise InputError(f"mode must be one of {', '.join(MODES)}, not {config.mode!r}")
        self.config = config
        self.device = resolve_device(config.device)
        self.proposal = load_model(config.proposal, self.device)
        self.likelihood = self.prior = self.diagrams = None
        if config.method == "smc":
            self.likelihood = load_likelihood(config.likelihood, self.device)
            if config.rerank:
                self.prior = ProgramPrior.load()

    def infer(self, path) -> InferResult:
        """Specs and program of one drawing file (the Python API's entry point)."""
        return self.run_file(path)

    def run_file(self, path, progress: Optional[Callable[[float], None]] = None) -> InferResult:
        """Specs and program of one image file; a free-form diagram (config.mode, or the
        image/mode.py judgement under "auto") goes to `run_diagram`."""
        t0 = time.perf_counter()
        if self.config.mode == "diagram":
            return self.run_diagram(path, progress)
        prepared = prepare(path, self.config.grid_unit)
        if self.config.mode == "auto" and choose_mode(prepared) == "diagram":
            return self.run_diagram(path, progress, prepared)
        if prepared.placed and self.config.snap:
            prepared = self.snap(prepared)
        result = self.run_ink(prepared.ink, str(path), progress)
        result.photo = prepared.rectified
        result.image_from_grid = prepared.image_from_grid
        result.input_rgb, result.input_factor = prepared.input_rgb, prepared.input_factor
        result.timings["preprocess_s"] = time.perf_counter() - t0 - result.timings["total_s"]
        result.timings["total_s"] += result.timings["preprocess_s"]
        return result

    def run_diagram(self, path, progress: Optional[Callable[[float], None]] = None,
                    prepared: Optional[Prepared] = None) -> InferResult:
        """A free-form diagram (not on the paper's 16-square grid): pipeline/diagram.py, its
        network loaded on first use. `prepared`: the photo as auto mode already decoded it."""
        t0 = time.perf_counter()
        if self.diagrams is None:
            self.diagrams = DiagramRunner(self.config, self.device)
        if prepared is not None:
            rgb, factor = prepared.input_rgb, prepared.input_factor
        else:
            _, rgb, factor = decode_rgb(path)
        t1 = time.perf_counter()
        result = InferResult(str(path), **self.diagrams.run(rgb, factor, progress),
                             input_rgb=rgb, input_factor=factor, mode="diagram")
        result.timings["preprocess_s"] = t1 - t0
        result.timings["total_s"] += t1 - t0
        return result

    def snap(self, prepared: Prepared) -> Prepared:
        """A rescaled drawing registered onto the grid of parses of itself (register.py), its
        map into the image moved with it."""
        c = self.config

        def parse_many(images) -> list[Spec]:
            batch = torch.from_numpy(np.stack(images)).unsqueeze(1)
            return greedy(self.proposal, batch, max_primitives=c.snap_primitives)

        def parse_one(image: np.ndarray) -> Spec:
            config = BeamConfig(beam=c.snap_beam, expand=c.snap_beam, top=1)
            found = beam_search(self.proposal, image, config)
            return found[0][0] if found else Spec()

        ink, before_from_after = snap_to_grid(prepared.ink, parse_many, parse_one)
        return replace(prepared, ink=ink,
                       image_from_grid=moved_on_model(prepared.image_from_grid,
                                                      before_from_after))

    def run_ink(self, ink: np.ndarray, name: str = "",
                progress: Optional[Callable[[float], None]] = None) -> InferResult:
        c = self.config
        t0 = time.perf_counter()
        blank = ink.max(initial=0.0) < INK_THRESHOLD  # nothing to search for: the empty spec
        specs = [(Spec(), 0.0)] if blank else self._search(ink, progress)
        t1 = time.perf_counter()
        timings, synthesis = {"parse_s": t1 - t0}, None
        if self.prior and len(specs) > 1:
            specs, syntheses = rerank(self.prior, specs)
            synthesis = syntheses[0]
            t1, timings["rerank_s"] = time.perf_counter(), time.perf_counter() - t1
        result = InferResult(name, specs[:c.top], ink, timings=timings)
        if c.program and specs:
            if synthesis is None or synthesis.status != "optimal":
                synthesis = synthesize(result.best, timeout=c.synth_timeout)
            result.program, result.program_text = synthesis.program, synthesis.text
            result.program_status = synthesis.status
            result.timings["synth_s"] = time.perf_counter() - t1
            result.timings["program_s"] = synthesis.time_s  # its synthesis (maybe in rerank)
        result.timings["total_s"] = time.perf_counter() - t0
        return result

    def _search(self, ink: np.ndarray, progress) -> list[tuple[Spec, float]]:
        """Ranked (spec, score) pairs: beam search alone, or SMC seeded by beam search's most
        probable specs. The time budget is a ceiling on both together: beam search stops
        expanding at the deadline and SMC gets what is left (none: the seeds, rescored)."""
        c = self.config
        deadline = time.monotonic() + c.time_budget
        if c.method == "beam":
            return beam_search(self.proposal, ink, BeamConfig(beam=c.beam, top=c.top),
                               deadline=deadline)
        seeds = beam_search(self.proposal, ink, BeamConfig(beam=c.beam, top=c.seeds),
                            deadline=deadline)
        config = SMCConfig(particles=c.particles, seed=c.seed, settle=c.settle,
                           time_budget=max(0.0, deadline - time.monotonic()))
        hyps = smc(self.proposal, self.likelihood, ink, config,
                   top=max(c.top, c.rerank_k) if self.prior else c.top, device=self.device,
                   progress=progress, seeds=seeds)
        return [(h.spec, h.score) for h in hyps]


def load_pipeline(config: Optional[InferConfig] = None, **settings) -> Pipeline:
    """A pipeline with its networks loaded: `load_pipeline(time_budget=2).infer("d.png")`.

    Args:
        config: an InferConfig (default: every default);
        **settings: InferConfig fields that override it.
    """
    return Pipeline(replace(config or InferConfig(), **settings))
