"""Fitting the synthesizer's search policy (synth/policy.py) on measured search times.

theta minimises E_S[softmin over sigma in Best(S) of log(t(sigma|S) / pi(sigma|S))]
+ lambda |theta|^2 (the log keeps the loss well scaled; the paper minimises the ratio itself),
with the soft minimum annealed from beta = 1 to 2 and Adam for 2,000 steps.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch

from ..synth.policy import phi_params, phi_spec, sigma_key, sigmas


def train(examples: list, steps: int = 2000, lam: float = 0.1, lr: float = 0.05,
          seed: int = 0) -> np.ndarray:
    """theta from examples [(kinds, {sigma_key: time_s}, best_keys)] by Adam in torch."""
    torch.manual_seed(seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: threading only adds overhead
    try:
        return _adam(examples, steps, lam, lr)
    finally:
        torch.set_num_threads(threads)


def _adam(examples, steps, lam, lr) -> np.ndarray:
    keys = [sigma_key(o) for o in sigmas()]
    params = torch.tensor(np.stack([phi_params(o) for o in sigmas()]), dtype=torch.float64)
    specs = torch.tensor(np.stack([phi_spec(k) for k, _, _ in examples]), dtype=torch.float64)
    log_t = torch.full((len(examples), len(keys)), math.inf, dtype=torch.float64)
    for n, (_, times, best) in enumerate(examples):
        for m, key in enumerate(keys):
            if key in best:
                log_t[n, m] = math.log(max(times[key], 1e-3))
    theta = torch.zeros(params.shape[1], specs.shape[1], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([theta], lr=lr)
    for step in range(steps):
        beta = 1.0 + step / max(steps - 1, 1)
        logits = specs @ theta.T @ params.T                        # (S, sigma)
        log_pi = torch.log_softmax(logits, dim=1)
        cost = log_t - log_pi                                      # inf outside Best(S)
        softmin = -torch.logsumexp(-beta * cost, dim=1) / beta
        loss = softmin.mean() + lam * (theta ** 2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return theta.detach().numpy().copy()                           # (params, spec)


def save_params(theta: np.ndarray, path: Path, meta: dict | None = None) -> None:
    """theta as the JSON file SearchPolicy.load reads (shipped as synth/policy_params.json)."""
    path.write_text(json.dumps({"theta": theta.tolist(), **(meta or {})}, indent=1) + "\n")
