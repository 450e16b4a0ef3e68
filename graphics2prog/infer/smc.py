"""Neurally guided Sequential Monte Carlo over specs.

Particles are partial specs, drawn one command at a time from the proposal network P_θ. The
target density is L(I | render(S)) · P_θ[S | I]; with P_θ as the proposal the incremental weight
of a step is the change in log L, so particles that drew what the image shows multiply and the
rest die out at systematic resampling. Particles that emit STOP retire into a pool of finished
specs ranked by log L + log P_θ.

State lives in tensors on one device: sprite ids of what each particle drew (N, T), its canvas
(N, S, S) from the sprite cache, its log-weight and log-probability. Identical particles share
one network evaluation (torch.unique), which is what makes hundreds of particles cheap.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import torch

from ..models.proposal import ProposalModel, distinct_rows
from .beam import as_image
from ..models.tokens import STOP, decode
from ..render import SpriteCache
from ..spec import Spec
from .config import SMCConfig


@dataclass
class Hypothesis:
    spec: Spec
    score: float            # log L + log P_θ: the target density, up to a constant
    log_likelihood: float
    log_prior: float


class _Scorer:
    """Shares the target's encodings and the sprite cache between rounds."""

    def __init__(self, proposal: ProposalModel, likelihood, image: torch.Tensor, device):
        self.proposal, self.likelihood = proposal, likelihood
        size = proposal.config.image_size
        self.sprites = SpriteCache(size, device=device)
        self.target = proposal.prepare(as_image(image).to(device))  # (1, 1, S, S)
        self.token_ids: dict[tuple, int] = {}  # command tokens -> sprite id
        self.primitives: dict[int, object] = {}  # sprite id -> primitive
        self.step_s = 0.0  # how long the last SMC step took: the next is expected to take as long

    def canvases(self, canvases_u8: torch.Tensor) -> torch.Tensor:
        return SpriteCache.to_float(canvases_u8).unsqueeze(1)  # (B, 1, S, S)

    def log_likelihood(self, canvases_u8: torch.Tensor) -> torch.Tensor:
        t = self.target.expand(canvases_u8.shape[0], -1, -1, -1)
        return self.likelihood.log_likelihood(t, self.canvases(canvases_u8))  # (B,)

    def encode(self, canvases_u8: torch.Tensor):
        t = self.target.expand(canvases_u8.shape[0], -1, -1, -1)
        return self.proposal.encode(t, self.canvases(canvases_u8))

    def sprite_ids(self, tokens: torch.Tensor) -> torch.Tensor:
        """Sprite id of each sampled command (N,), 0 for STOP; a dict lookup per distinct command."""
        uniq, inverse = torch.unique(tokens, dim=0, return_inverse=True)
        ids = []
        for row in uniq.tolist():
            key = tuple(row)
            if key not in self.token_ids:
                p = decode(row)
                i = SpriteCache.BLANK if p is None else self.sprites.index(p)
                self.token_ids[key] = i
                self.primitives[i] = p
            ids.append(self.token_ids[key])
        return torch.tensor(ids, device=tokens.device)[inverse]


def _systematic(log_w: torch.Tensor, n: int, generator: torch.Generator) -> torch.Tensor:
    """Indices of n survivors drawn by systematic resampling from normalised weights."""
    w = torch.softmax(log_w, 0)
    u = (torch.rand(1, generator=generator, device=w.device) + torch.arange(n, device=w.device)) / n
    return torch.searchsorted(torch.cumsum(w, 0), u).clamp_(max=w.shape[0] - 1)


@torch.no_grad()
def _round(scorer: _Scorer, config: SMCConfig, deadline: float, generator: torch.Generator,
           pool: dict) -> None:
    """One SMC sweep from empty canvases; finished specs are merged into pool."""
    dev = scorer.target.device
    N, T = config.particles, config.max_primitives
    ids = torch.zeros(1, T, dtype=torch.long, device=dev)  # (U, T) sprite ids drawn so far
    canvases = scorer.sprites.blank(1)  # (U, S, S) uint8
    log_p = torch.zeros(1, device=dev)  # (U,) log P_θ of the commands so far
    log_l = scorer.log_likelihood(canvases)  # (U,)
    counts = torch.full((1,), N, device=dev)  # (U,) particles each distinct state stands for
    started = time.monotonic()
    for step in range(T + 1):
        now = time.monotonic()
        if step:
            scorer.step_s, started = now - started, now
        if now + scorer.step_s > deadline:  # a step that would end past the deadline: stop
            if not pool:  # out of time before any particle stopped: keep what was drawn
                _retire(pool, ids, log_l, log_p)
            return
        # one network encoding per distinct state, one command per particle
        feats = scorer.encode(canvases)
        rows = torch.repeat_interleave(torch.arange(ids.shape[0], device=dev), counts)  # (N,)
        tokens, step_lp = scorer.proposal.sample(feats, generator=generator, rows=rows)
        new = scorer.sprite_ids(tokens)  # (N,)
        stop = (tokens[:, 0] == STOP) | (step == T)
        if stop.any():
            first, _ = distinct_rows(rows[stop, None])
            done = rows[stop][first]
            _retire(pool, ids[done], log_l[done], log_p[done] + step_lp[stop][first])
        keep = ~stop
        rows, new, step_lp = rows[keep], new[keep], step_lp[keep]
        if rows.numel() == 0:
            return
        # distinct children (parent, command): extend their canvases and score them
        key, inverse = torch.unique(rows * (len(scorer.sprites) + 1) + new, return_inverse=True)
        parent, sprite = key // (len(scorer.sprites) + 1), key % (len(scorer.sprites) + 1)
        ids = ids[parent].clone()
        ids[:, step] = sprite
        canvases = scorer.sprites.extend_indices(canvases[parent], sprite)
        child_lp = torch.zeros(key.shape[0], device=dev).scatter_(0, inverse, step_lp)
        log_p = log_p[parent] + child_lp
        child_ll = scorer.log_likelihood(canvases)
        # incremental weight: the change in log L; systematic resampling back to N particles
        w = config.likelihood_weight * (child_ll - log_l[parent])
        survivors = _systematic(w[inverse], N, generator)
        counts = torch.bincount(inverse[survivors], minlength=key.shape[0])
        alive = counts > 0
        ids, canvases, log_p, log_l = ids[alive], canvases[alive], log_p[alive], child_ll[alive]
        counts = counts[alive]


def _retire(pool: dict, ids: torch.Tensor, log_l: torch.Tensor, log_p: torch.Tensor) -> None:
    """Add finished particles to the pool, keeping the best log P_θ per distinct sprite set."""
    for row, ll, lp in zip(ids.tolist(), log_l.tolist(), log_p.tolist()):
        key = frozenset(i for i in row if i)
        if key not in pool or lp > pool[key][1]:
            pool[key] = (ll, lp)


@torch.no_grad()
def _seed(scorer: _Scorer, pool: dict, found: Sequence[tuple[Spec, float]]) -> None:
    """Specs found by another search (spec, log P_θ) join the pool, scored like SMC's own."""
    found = [(spec, lp) for spec, lp in found if len(spec)]
    if not found:
        return
    specs = [spec for spec, _ in found]
    ids = [[scorer.sprites.index(p) for p in spec] for spec in specs]
    for row, spec in zip(ids, specs):
        scorer.primitives.update(zip(row, spec))
    width = max(len(row) for row in ids)
    table = torch.tensor([row + [SpriteCache.BLANK] * (width - len(row)) for row in ids],
                         device=scorer.target.device)
    log_l = scorer.log_likelihood(scorer.sprites.compose(specs))
    log_p = torch.tensor([lp for _, lp in found], device=log_l.device)
    _retire(pool, table, log_l, log_p)


def _best(pool: dict, config: SMCConfig):
    """The key of the pool's best spec (None for an empty pool)."""
    return max(pool, key=lambda k: config.likelihood_weight * pool[k][0] + pool[k][1],
               default=None)


def smc(proposal: ProposalModel, likelihood, image, config: SMCConfig = SMCConfig(),
        top: int = 5, device="cpu", progress: Optional[Callable[[float], None]] = None,
        seeds: Sequence[tuple[Spec, float]] = ()) -> list[Hypothesis]:
    """The top distinct finished specs for one drawing, best first.

    Args:
        proposal: the proposal network (eval mode).
        likelihood: an object with log_likelihood(targets, canvases) -> (B,).
        image: (H, W) ink map (numpy or tensor), ink = 1.
        progress: called with the fraction of the time budget used after each round.
        seeds: (spec, log P_θ) pairs from another search (beam search) ranked with SMC's
            own finds; the most probable specs are the ones sampling is likeliest to miss.
    """
    start = time.monotonic()
    deadline = start + config.time_budget
    scorer = _Scorer(proposal, likelihood, image, device)
    generator = torch.Generator(device=device).manual_seed(config.seed)
    pool: dict = {}
    _seed(scorer, pool, seeds)
    best, calm = _best(pool, config), 0
    for _ in range(config.rounds):
        if time.monotonic() + scorer.step_s > deadline:
            break
        _round(scorer, config, deadline, generator, pool)
        if progress:
            progress(min(1.0, (time.monotonic() - start) / max(config.time_budget, 1e-9)))
        now_best = _best(pool, config)
        calm, best = (calm + 1 if now_best == best else 0), now_best
        if config.settle and calm >= config.settle:  # the pool has settled: more rounds
            break                                     # rarely change the answer
    hyps = []
    for key, (ll, lp) in pool.items():
        spec = Spec(scorer.primitives[i] for i in key)
        hyps.append(Hypothesis(spec, config.likelihood_weight * ll + lp, ll, lp))
    hyps.sort(key=lambda h: -h.score)
    return hyps[:top]
