"""Proposal network: reads (target image, canvas of what is drawn so far) and proposes the next
drawing command token by token (kind, x1, y1, x2, y2, arrow, dashed; see tokens.py).

This module is the base every architecture shares: its config, the decoding interface
(`ProposalModel`) and `build_model`, which picks the class by the config's `arch` name from the
architecture registry (architectures.py), so it imports no architecture itself. The architectures
register themselves by name and models/__init__.py imports them:
- "grid" (default, grid.py): a strided CNN whose 17x17 output map is aligned with the drawing grid,
  so a point is one softmax over grid cells (a heatmap) instead of x then y from pooled features;
  the second point is scored from features sampled along the segment / rectangle edges it would
  draw; every head is conditioned on the tokens before it. Fast and accurate on 2 CPU cores.
- "paper" (paper.py): the architecture of Ellis et al. 2018, supplement section 1.

Decoding (`step_log_probs`, `sample`, `top_k`, `log_prob`) masks values that would make an invalid
or non-canonical command (tokens.allowed), so beam search and SMC only ever see valid primitives.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from .architectures import get_model
from .tokens import NUM_TOKENS, TOKEN_MASK, TOKEN_SIZES, allowed

Feats = tuple[torch.Tensor, ...]


@dataclass
class ProposalConfig:
    """What rebuilds a proposal network: its architecture's name and sizes (every checkpoint
    stores it, so a file rebuilds its own model)."""

    arch: str = "grid"      # a registered architecture: "grid" (default) or "paper"
    image_size: int = 128   # input resolution the network reads; other sizes are resized to it
    width: int = 64         # conv channels (grid)
    hidden: int = 128       # hidden units of the heads (grid)
    path_samples: int = 6   # feature samples along a candidate segment (grid)
    profile_samples: int = 96  # ink samples along a line for the arrow and dashed heads (grid)
    flag_size: int = 0      # resolution of the ink those heads read (grid; 0: image_size)


def build_model(config: ProposalConfig) -> "ProposalModel":
    """A freshly initialised network of the registered architecture `config.arch`."""
    return get_model(config.arch, config)


class ProposalModel(nn.Module):
    """Shared interface: `encode` images once, then `token_logits` of token t given
    tokens[:, :t]; decoding and the loss are built on these two."""

    config: ProposalConfig

    def encode(self, targets: torch.Tensor, canvases: torch.Tensor) -> Feats:
        raise NotImplementedError

    def token_logits(self, feats: Feats, tokens: torch.Tensor, t: int,
                     cache: Optional[dict] = None) -> torch.Tensor:
        """Logits of token t (B, TOKEN_SIZES[t]); `cache` lets a decoding pass over t = 0..6
        reuse per-row work between tokens (e.g. one heatmap for x and y)."""
        raise NotImplementedError

    # ------------------------------------------------------------ training

    def prepare(self, images: torch.Tensor) -> torch.Tensor:
        return resize_images(images, self.config.image_size)

    def forward(self, targets, canvases, tokens) -> list[torch.Tensor]:
        """Teacher forcing: per-token logits [(B, TOKEN_SIZES[t]) for t], each given the true
        earlier tokens."""
        feats = self.encode(targets, canvases)
        return [self.token_logits(feats, tokens, t) for t in range(NUM_TOKENS)]

    @staticmethod
    def loss(logits: list[torch.Tensor], tokens: torch.Tensor) -> torch.Tensor:
        """Negative log-likelihood of each command (tokens its kind does not use are masked),
        averaged over the batch."""
        mask = TOKEN_MASK.to(tokens.device)[tokens[:, 0]].float()  # (B, 7)
        nll = sum(F.cross_entropy(lg.float(), tokens[:, t], reduction="none") * mask[:, t]
                  for t, lg in enumerate(logits))
        return nll.mean()

    @staticmethod
    def token_hits(logits: list[torch.Tensor], tokens: torch.Tensor):
        """(hits, counts): per-token argmax correctness over used tokens, each (NUM_TOKENS,)."""
        mask = TOKEN_MASK.to(tokens.device)[tokens[:, 0]]  # (B, 7)
        hits = torch.stack([((lg.argmax(1) == tokens[:, t]) & mask[:, t]).sum()
                            for t, lg in enumerate(logits)])
        return hits, mask.sum(0)

    # ------------------------------------------------------------ decoding

    def step_log_probs(self, feats: Feats, tokens: torch.Tensor, t: int,
                       cache: Optional[dict] = None) -> torch.Tensor:
        """log P(token t | image, canvas, tokens[:, :t]), zero mass on disallowed values:
        (B, TOKEN_SIZES[t]); all -inf for a row whose prefix allows nothing (top_k's padding)."""
        logits = self.token_logits(feats, tokens, t, cache).float()
        lp = logits.masked_fill(~allowed(tokens, t), float("-inf")).log_softmax(1)
        return lp.nan_to_num(nan=float("-inf"))

    @torch.no_grad()
    def log_prob(self, targets, canvases, tokens) -> torch.Tensor:
        """log P(command | image, canvas) of full commands (B, 7) -> (B,)."""
        feats = self.encode(targets, canvases)
        return sum(self.step_log_probs(feats, tokens, t).gather(1, tokens[:, t:t + 1])[:, 0]
                   for t in range(NUM_TOKENS))

    @torch.no_grad()
    def sample(self, feats: Feats, generator: Optional[torch.Generator] = None,
               rows: Optional[torch.Tensor] = None):
        """One command per sample by ancestral sampling: tokens (N, 7), log-probabilities (N,).

        rows: (N,) the feature row each sample reads (default: one sample per row). Samples
        that share a row and the tokens drawn so far share one evaluation of each token's
        distribution, so many particles in few states (SMC after resampling) cost little.
        """
        rows = torch.arange(feats[0].shape[0], device=feats[0].device) if rows is None else rows
        tokens = torch.zeros(len(rows), NUM_TOKENS, dtype=torch.long, device=rows.device)
        logp = torch.zeros(len(rows), device=rows.device)
        cache: dict = {}  # per sample: the point heatmaps, computed at x, reused at y
        for t in range(NUM_TOKENS):
            first, inverse = distinct_rows(torch.cat([rows[:, None], tokens[:, :t]], 1))
            shared = {key: value[first] for key, value in cache.items()}
            lp = self.step_log_probs(select(feats, rows[first]), tokens[first], t, shared)
            cache.update({key: value[inverse] for key, value in shared.items()
                          if key not in cache})
            lp = lp[inverse]  # (N, V)
            v = torch.multinomial(lp.exp(), 1, generator=generator)  # (N, 1)
            tokens[:, t] = v[:, 0]
            logp += lp.gather(1, v)[:, 0]
        return tokens, logp

    @torch.no_grad()
    def top_k(self, feats: Feats, k: int):
        """The k most probable commands per row, by a beam over tokens: tokens (B, k, 7) and
        log-probabilities (B, k), best first; rows with fewer valid commands pad with -inf."""
        B = feats[0].shape[0]
        dev = feats[0].device
        cand = torch.zeros(B, 1, NUM_TOKENS, dtype=torch.long, device=dev)  # (B, m, 7)
        score = torch.zeros(B, 1, device=dev)  # (B, m)
        cache: dict = {}
        for t in range(NUM_TOKENS):
            m, V = cand.shape[1], TOKEN_SIZES[t]
            rows = torch.arange(B, device=dev).repeat_interleave(m)
            lp = self.step_log_probs(select(feats, rows), cand.reshape(B * m, NUM_TOKENS), t,
                                     cache)
            total = (score.reshape(B * m, 1) + lp).reshape(B, m * V)  # (B, m*V)
            score, idx = total.topk(min(k, m * V), dim=1)
            parent = idx // V  # (B, m') candidate each new one extends
            cand = cand.gather(1, parent.unsqueeze(2).expand(-1, -1, NUM_TOKENS)).clone()
            cand[:, :, t] = idx % V
            for key, v in cache.items():  # per-row cached work follows its candidate
                v = v.reshape(B, m, *v.shape[1:])
                at = parent.reshape(B, -1, *[1] * (v.dim() - 2)).expand(-1, -1, *v.shape[2:])
                cache[key] = v.gather(1, at).flatten(0, 1)
        return cand, score


def resize_images(images: torch.Tensor, size: int) -> torch.Tensor:
    """(B, H, W) or (B, 1, H, W) ink maps -> float (B, 1, size, size), by area averaging like
    the training data (data.py downsamples its 256 px drawings so)."""
    if images.dim() == 3:
        images = images.unsqueeze(1)
    images = images.float()
    if images.shape[-2:] == (size, size):
        return images
    if images.shape[0] > 1 and images.stride(0) == 0:  # one image expanded (beam, SMC)
        return resize_images(images[:1], size).expand(images.shape[0], -1, -1, -1)
    return F.interpolate(images, size=(size, size), mode="area")


def distinct_rows(keys: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """For the rows of keys (N, k): the index of one occurrence of each distinct row (U,) and
    each row's distinct-row number (N,)."""
    _, inverse = torch.unique(keys, dim=0, return_inverse=True)
    first = torch.full((int(inverse.max()) + 1,), len(keys), device=keys.device)
    first.scatter_reduce_(0, inverse, torch.arange(len(keys), device=keys.device), "amin")
    return first, inverse


def select(feats: Feats, rows: torch.Tensor) -> Feats:
    """Encoded features of the given rows (e.g. to expand a beam)."""
    return tuple(f.index_select(0, rows) for f in feats)
