"""Error correction with a program prior (the paper's supplement §5).

Parsing mistakes often break a figure's regularity: a row of four circles read as three plus a
stray one needs a longer program than the row itself. So the top-k specs are reranked by

    score(S) = log L(I | S) + log P(S | I) + beta . phi(program(S))

where phi are features of the synthesized program (`program_features`) and beta is fitted by
maximum likelihood of the true spec among the candidates of (drawing, ground truth) pairs: a
conditional log-linear model over each drawing's candidate list (`fit_prior`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from ..spec import Spec
from ..synth import SynthesisResult, synthesize
from ..synth.program import Loop, Reflect, flat_program, program_cost

PRIOR_FILE = Path(__file__).resolve().parents[1] / "weights" / "program_prior.json"
FEATURES = ("cost", "flat_cost", "loops", "reflections", "unproven")
SYNTH_TIMEOUT = 1.0  # seconds of synthesis per candidate: most specs take a few milliseconds


def _count(program, kind) -> int:
    total = 0
    for s in program:
        if isinstance(s, (Loop, Reflect)):
            total += isinstance(s, kind) + _count(s.body, kind)
            total += _count(getattr(s, "boundary", ()), kind)
    return total


def program_features(spec: Spec, program, proven: bool) -> np.ndarray:
    """phi: the program's cost, the cost of drawing the spec flat (how much there is to draw),
    loops, reflections (paper units: costs / 3), and whether optimality was not proven.
    A spec whose synthesis failed is described by its flat program."""
    flat = program_cost(flat_program(spec)) / 3.0
    if program is None:
        return np.array([flat, flat, 0.0, 0.0, 1.0])
    return np.array([program_cost(program) / 3.0, flat, float(_count(program, Loop)),
                     float(_count(program, Reflect)), float(not proven)])


def describe(specs: Sequence[Spec]) -> tuple[np.ndarray, list[SynthesisResult]]:
    """Each candidate's program (short timeout) and features, shape (k, len(FEATURES))."""
    syntheses = [synthesize(s, timeout=SYNTH_TIMEOUT) for s in specs]
    features = [program_features(s, r.program, r.proven_optimal) for s, r in zip(specs, syntheses)]
    return np.array(features).reshape(len(specs), len(FEATURES)), syntheses


@dataclass
class ProgramPrior:
    """score = score_weight * search score + beta . phi."""

    beta: np.ndarray
    score_weight: float = 1.0

    def scores(self, search_scores: Sequence[float], features: np.ndarray) -> np.ndarray:
        return self.score_weight * np.asarray(search_scores, float) + features @ self.beta

    def to_json(self) -> dict:
        return {"features": list(FEATURES), "beta": [round(float(b), 6) for b in self.beta],
                "score_weight": round(float(self.score_weight), 6)}

    @classmethod
    def from_json(cls, doc: dict) -> "ProgramPrior":
        if doc.get("features") != list(FEATURES):
            raise ValueError("program prior: feature list does not match this version")
        return cls(np.array(doc["beta"], float), float(doc["score_weight"]))

    @classmethod
    def load(cls, path=PRIOR_FILE) -> "ProgramPrior":
        return cls.from_json(json.loads(Path(path).read_text()))


@dataclass
class Candidates:
    """One drawing's ranked specs: search scores, program features, and (for fitting) which
    candidate is the truth (-1: none is)."""

    scores: np.ndarray     # (k,)
    features: np.ndarray   # (k, len(FEATURES))
    truth: int = -1


def fit_prior(groups: Sequence[Candidates], l2: float = 1.0, steps: int = 200) -> ProgramPrior:
    """Maximum likelihood of the true candidate under softmax(score_weight*s + beta.phi) within
    each drawing's list, with an L2 penalty pulling beta to 0 and score_weight to 1 (the
    unreranked order). Drawings whose list misses the truth carry no information and are
    skipped."""
    usable = [g for g in groups if g.truth >= 0 and len(g.scores) > 1]
    params = torch.zeros(len(FEATURES) + 1, dtype=torch.float64, requires_grad=True)
    if not usable:
        return ProgramPrior(np.zeros(len(FEATURES)))
    scores = [torch.as_tensor(g.scores, dtype=torch.float64) for g in usable]
    feats = [torch.as_tensor(g.features, dtype=torch.float64) for g in usable]
    optimizer = torch.optim.LBFGS([params], max_iter=steps, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        weight, beta = 1.0 + params[0], params[1:]
        loss = l2 * (params ** 2).sum()
        for s, f, g in zip(scores, feats, usable):
            logits = weight * s + f @ beta
            loss = loss - torch.log_softmax(logits, 0)[g.truth]
        loss.backward()
        return loss

    optimizer.step(closure)
    found = params.detach().numpy()
    return ProgramPrior(found[1:].copy(), 1.0 + float(found[0]))


def rerank_order(prior: ProgramPrior, candidates: Candidates) -> np.ndarray:
    """Candidate indices, best first (a stable sort: ties keep the search's order)."""
    return np.argsort(-prior.scores(candidates.scores, candidates.features), kind="stable")


def rerank(prior: ProgramPrior, ranked: Sequence[tuple[Spec, float]]
           ) -> tuple[list[tuple[Spec, float]], list[SynthesisResult]]:
    """The search's (spec, score) list reordered by the prior, with the prior's scores, and
    each spec's short-timeout synthesis in the same order."""
    features, syntheses = describe([s for s, _ in ranked])
    scores = prior.scores([v for _, v in ranked], features)
    order = rerank_order(prior, Candidates(np.array([v for _, v in ranked]), features))
    return ([(ranked[i][0], float(scores[i])) for i in order], [syntheses[i] for i in order])
