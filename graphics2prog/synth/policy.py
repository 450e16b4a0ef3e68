"""Learned search policy (supplement section 4): which DSL fragments to search, and for how long.

sigma = (loops, reflects, incremental, depth). pi(sigma | S) is proportional to
exp(phi_params(sigma)^T theta phi_spec(S)) with phi_spec(S) = (#circles, #rectangles, #lines, 1).
theta is trained to minimise E_S[softmin over sigma in Best(S) of log(t(sigma|S) / pi(sigma|S))]
+ lambda |theta|^2 (training/search_policy.py fits it). At run time the configurations are time-shared in proportion to pi (restarting with doubled
slices, Levin-style) until the complete configuration proves its answer or time runs out.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from graphics2prog.synth.candidates import Options
from graphics2prog.synth.search import run_with_deadline

PARAMS_FILE = Path(__file__).with_name("policy_params.json")
KINDS = ("circle", "rectangle", "line")


def sigmas() -> list:
    """The 13 distinct configurations (at depth 1 everything is the flat program)."""
    out = [Options(False, False, True, 1)]
    for depth in (2, 3):
        for loops, reflects in ((True, False), (False, True), (True, True)):
            for incremental in (True, False):
                out.append(Options(loops, reflects, incremental, depth))
    return out


def sigma_key(o: Options) -> str:
    return f"L{int(o.loops)}R{int(o.reflects)}I{int(o.incremental)}D{o.depth}"


def is_complete(o: Options) -> bool:
    return o.loops and o.reflects and o.depth == 3


def phi_params(o: Options) -> np.ndarray:
    return np.array([o.loops, o.reflects, o.incremental, o.depth == 1, o.depth == 2,
                     o.depth == 3], dtype=float)


def phi_spec(kinds: list) -> np.ndarray:
    return np.array([sum(k == kind for k in kinds) for kind in KINDS] + [1.0])


def probabilities(theta: np.ndarray, kinds: list) -> np.ndarray:
    logits = np.stack([phi_params(o) for o in sigmas()]) @ theta @ phi_spec(kinds)
    logits -= logits.max()
    p = np.exp(logits)
    return p / p.sum()


class SearchPolicy:
    """Bias-optimal time-sharing over configurations, weighted by the learned pi."""

    def __init__(self, theta: np.ndarray):
        self.theta = np.asarray(theta, dtype=float)

    @classmethod
    def load(cls, path: Path = PARAMS_FILE) -> "SearchPolicy":
        return cls(np.array(json.loads(Path(path).read_text())["theta"]))

    def run(self, prims: list, timeout_s: float, accept, first_slice: float = 0.05) -> tuple:
        """Time-share the configurations; same contract as search.run_with_deadline."""
        deadline = time.monotonic() + timeout_s
        pi = probabilities(self.theta, [p[0] for p in prims])
        order = sorted(zip(pi, sigmas()), key=lambda t: -t[0])
        done, budget, error = set(), first_slice, None
        while time.monotonic() < deadline:
            for p, o in order:
                left = deadline - time.monotonic()
                if sigma_key(o) in done or left <= 0:
                    continue
                finished, _, err = run_with_deadline(prims, o, min(left, p * budget), accept)
                error = error or err
                if finished:
                    done.add(sigma_key(o))
                    if is_complete(o):
                        return True, False, error
            budget *= 2
        return False, True, error
