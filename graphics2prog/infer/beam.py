"""Beam search for the specs that maximise P(S | I) under the proposal network.

A spec's score is the sum of log-probabilities of its commands, each given the image and the
render of the commands before it, plus that of STOP. Partial specs are sets, so two orders of the
same primitives merge (the better score is kept); every step expands the whole beam with one
batched network call, and canvases grow by one cached sprite each.
"""
from __future__ import annotations

import math
import time

import numpy as np
import torch

from ..models.proposal import ProposalModel
from ..models.tokens import decode
from ..render import SpriteCache
from ..spec import Spec
from .config import BeamConfig


def as_image(image) -> torch.Tensor:
    """(H, W) numpy array or tensor of ink in [0, 1] -> float32 (1, 1, H, W)."""
    t = image if torch.is_tensor(image) else torch.from_numpy(np.asarray(image, np.float32))
    return t.float().reshape(1, 1, *t.shape[-2:])


@torch.no_grad()
def beam_search(model: ProposalModel, image, config: BeamConfig = BeamConfig(),
                cache: SpriteCache | None = None,
                deadline: float = math.inf) -> list[tuple[Spec, float]]:
    """Top-`config.top` distinct specs for one image, best first, as (Spec, log-probability).

    Args:
        model: proposal network (eval mode); its device is used throughout.
        image: (H, W) ink map in [0, 1] (any size; the model resizes it).
        cache: sprite cache at the model's resolution, reusable across images.
        deadline: time.monotonic() by which the search ends: no step starts that would end
            after it (a step is expected to take as long as the last); the specs finished by
            then are returned (or, when none has, the live partial specs).
    """
    device = next(model.parameters()).device
    size = model.config.image_size
    cache = cache or SpriteCache(size, device)
    target = model.prepare(as_image(image).to(device))  # (1, 1, S, S)
    beams: list[tuple[frozenset, float]] = [(frozenset(), 0.0)]
    canvases = cache.blank(1)  # (N, S, S), one per beam entry
    finished: dict[frozenset, float] = {}
    step_s, started = 0.0, time.monotonic()
    for step in range(config.max_primitives + 1):
        now = time.monotonic()
        if step:
            step_s, started = now - started, now
        if now + step_s > deadline:  # a step that would end past the deadline: stop
            break
        n = len(beams)
        feats = model.encode(target.expand(n, -1, -1, -1), cache.to_float(canvases).unsqueeze(1))
        commands, logps = model.top_k(feats, config.expand)  # (N, k, 7), (N, k)
        candidates: dict[frozenset, tuple[float, int, object]] = {}
        for i, row in enumerate(commands.tolist()):
            spec, base = beams[i]
            for tokens, lp in zip(row, logps[i].tolist()):
                if lp == float("-inf"):
                    continue
                score, p = base + lp, decode(tokens)
                if p is None:
                    finished[spec] = max(score, finished.get(spec, score))
                elif p not in spec:
                    key = spec | {p}
                    if key not in candidates or candidates[key][0] < score:
                        candidates[key] = (score, i, p)
        best = sorted(candidates.items(), key=lambda kv: -kv[1][0])[:config.beam]
        done = sorted(finished.values(), reverse=True)
        # scores only fall as commands are added: stop once no live spec can enter the top
        if not best or (len(done) >= config.top and best[0][1][0] <= done[config.top - 1]):
            break
        parents = torch.tensor([i for _, (_, i, _) in best], device=canvases.device)
        canvases = cache.extend(canvases.index_select(0, parents), [p for _, (_, _, p) in best])
        beams = [(key, score) for key, (score, _, _) in best]
    if not finished:  # ran out of steps: return the live specs as they are
        finished = dict(beams)
    ranked = sorted(finished.items(), key=lambda kv: -kv[1])[:config.top]
    return [(Spec(key), score) for key, score in ranked]


@torch.no_grad()
def greedy(model: ProposalModel, images: torch.Tensor, max_primitives: int = 40,
           cache: SpriteCache | None = None) -> list[Spec]:
    """The most probable command at every step, for a batch of images (B, 1, H, W) at once;
    a row stops at STOP or when it repeats a primitive. Used for validation."""
    device = next(model.parameters()).device
    cache = cache or SpriteCache(model.config.image_size, device)
    targets = model.prepare(images.to(device))  # (B, 1, S, S)
    specs: list[set] = [set() for _ in range(len(targets))]
    live = list(range(len(targets)))
    canvases = cache.blank(len(targets))  # (B, S, S)
    for _ in range(max_primitives):
        rows = torch.tensor(live, device=device)
        feats = model.encode(targets[rows], cache.to_float(canvases[rows]).unsqueeze(1))
        commands, _ = model.top_k(feats, 1)  # (L, 1, 7)
        added, still = [], []
        for b, tokens in zip(live, commands[:, 0].tolist()):
            p = decode(tokens)
            if p is not None and p not in specs[b]:
                specs[b].add(p)
                added.append(p)
                still.append(b)
        if not still:
            break
        idx = torch.tensor(still, device=device)
        canvases[idx] = cache.extend(canvases[idx], added)
        live = still
    return [Spec(s) for s in specs]
