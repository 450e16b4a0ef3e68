"""Proposal network: reads (target image, canvas of what is drawn so far) and proposes the next
drawing command token by token (kind, x1, y1, x2, y2, arrow, dashed; see tokens.py).

Two architectures share one decoding interface (`ProposalModel`):
- "grid" (default): a strided CNN whose 17x17 output map is aligned with the drawing grid, so a
  point is one softmax over grid cells (a heatmap) instead of x then y from pooled features; the
  second point is scored from features sampled along the segment / rectangle edges it would draw;
  every head is conditioned on the tokens before it. Fast and accurate on 2 CPU cores.
- "paper" (models/paper.py): the architecture of Ellis et al. 2018, supplement section 1.

Decoding (`step_log_probs`, `sample`, `top_k`, `log_prob`) masks values that would make an invalid
or non-canonical command (tokens.allowed), so beam search and SMC only ever see valid primitives.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from .tokens import NUM_COORDS, NUM_KINDS, NUM_TOKENS, TOKEN_MASK, TOKEN_SIZES, allowed

Feats = tuple[torch.Tensor, ...]
END_ALONG, END_ACROSS = 9, 7  # ink samples of the patch at each end of a line (arrow heads)


@dataclass
class ProposalConfig:
    arch: str = "grid"      # "grid" (default) or "paper"
    image_size: int = 128   # input resolution the network reads; other sizes are resized to it
    width: int = 64         # conv channels (grid)
    hidden: int = 128       # hidden units of the heads (grid)
    path_samples: int = 6   # feature samples along a candidate segment (grid)
    profile_samples: int = 96  # ink samples along a line for the arrow and dashed heads (grid)
    flag_size: int = 0      # resolution of the ink those heads read (grid; 0: image_size)


def build_model(config: ProposalConfig) -> "ProposalModel":
    if config.arch == "grid":
        return GridNet(config)
    if config.arch == "paper":
        from .paper import PaperNet
        return PaperNet(config)
    raise ValueError(f"unknown architecture {config.arch!r} (expected 'grid' or 'paper')")


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
    def sample(self, feats: Feats, generator: Optional[torch.Generator] = None):
        """One command per row by ancestral sampling: tokens (B, 7), log-probabilities (B,)."""
        B = feats[0].shape[0]
        tokens = torch.zeros(B, NUM_TOKENS, dtype=torch.long, device=feats[0].device)
        logp = torch.zeros(B, device=feats[0].device)
        cache: dict = {}
        for t in range(NUM_TOKENS):
            lp = self.step_log_probs(feats, tokens, t, cache)
            v = torch.multinomial(lp.exp(), 1, generator=generator)  # (B, 1)
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


def select(feats: Feats, rows: torch.Tensor) -> Feats:
    """Encoded features of the given rows (e.g. to expand a beam)."""
    return tuple(f.index_select(0, rows) for f in feats)


# ================================================================== the default architecture

def conv(cin, cout, k=3, stride=1, dilation=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, dilation * (k // 2), dilation),
                         nn.ReLU(inplace=True))


class GridNet(ProposalModel):
    """Strided CNN on a padded image so that its coarse map has one cell per grid point (17x17);
    point heads are softmaxes over cells; the second point reads features along the segment or
    rectangle edges it would close, which is what decides whether that command was drawn; the
    arrow and dashed heads also read the ink at full input resolution, along the line and in a
    patch at each end (dashes, gaps and arrow barbs are a few pixels long, finer than any
    feature map). With `flag_size` above `image_size` they read the drawing at that finer
    resolution, where dashes and barbs are still sharp; the CNN reads it area-averaged."""

    def __init__(self, config: ProposalConfig):
        super().__init__()
        self.config = config
        S, w, h = config.image_size, config.width, config.hidden
        unit = S // (NUM_COORDS - 1)  # pixels per grid unit
        stages = unit.bit_length() - 1
        assert unit == 2 ** stages and stages >= 2, "grid arch needs image_size = 16 * 2^k, k >= 2"
        assert config.flag_size % S == 0, "flag_size must be a multiple of image_size"
        self.pad = unit // 2  # grid points then sit at the centres of the 17x17 cells
        self.fine = nn.Sequential(conv(2, w // 4, 5, 2), conv(w // 4, w // 2, 3, 2),
                                  conv(w // 2, w // 2))  # stride 4: features along paths
        n = stages - 2  # further halvings down to one cell per grid point
        self.coarse = nn.Sequential(*[conv(w // 2 if i == 0 else w, w, 3, 2 if i < n else 1)
                                      for i in range(max(n, 1))])
        self.context = nn.Sequential(conv(w + 2, w, dilation=2), conv(w, w, dilation=4))
        self.path_proj = nn.Conv2d(w // 2, w // 4, 1)
        # heads
        self.kind_head = nn.Sequential(nn.Linear(2 * w, h), nn.ReLU(), nn.Linear(h, NUM_KINDS))
        self.kind_emb = nn.Embedding(NUM_KINDS, h)
        self.p1_in = nn.Linear(w + 2, h)
        self.p1_out = nn.Linear(h, 1)
        self.p2_cell = nn.Linear(w + 2, h)
        self.p2_from = nn.Linear(w, h)
        self.p2_path = nn.Linear(w, h)  # mean and max along the line, and along the edges
        self.p2_out = nn.Sequential(nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, 1))
        self.profile = nn.Sequential(nn.Conv1d(1, 16, 5, padding=2), nn.ReLU(),
                                     nn.Conv1d(16, 16, 5, padding=4, dilation=2), nn.ReLU())
        self.flag_in = nn.Linear(2 * w + w // 2, h)
        self.profile_in = nn.Linear(32 + 2 * END_ALONG * END_ACROSS, h)  # profile + end patches
        nn.init.zeros_(self.profile_in.weight)  # starts as a no-op, so it can join trained heads
        nn.init.zeros_(self.profile_in.bias)
        self.arrow_out = nn.Linear(h, 2)
        self.arrow_emb = nn.Embedding(2, h)
        self.dashed_out = nn.Linear(h, 2)
        xs = torch.arange(NUM_COORDS, dtype=torch.float32)
        cells = torch.stack(torch.meshgrid(xs, xs, indexing="ij"), -1).reshape(-1, 2)  # (289, 2)
        # cell i is the grid point (x, y) = (i // 17, i % 17)
        self.register_buffer("cells", cells, persistent=False)

    def input_blocks(self) -> dict[str, list[int]]:
        """The layers that read concatenated features, with the sizes of the parts of their
        input in order, so models/widen.py can grow the network without changing it."""
        w, c = self.config.width, self.config.width // 4
        return {"context.0.0.weight": [w, 2], "kind_head.0.weight": [w, w],
                "p1_in.weight": [w, 2], "p2_cell.weight": [w, 2],
                "p2_path.weight": [c, c, c, c], "flag_in.weight": [w, w, c, c]}

    def prepare(self, images: torch.Tensor) -> torch.Tensor:
        """Targets at the resolution the flag heads read (encode averages them down)."""
        return resize_images(images, self.config.flag_size or self.config.image_size)

    def encode(self, targets, canvases) -> Feats:
        S = self.config.image_size
        ink = self.prepare(targets)
        x = torch.cat([resize_images(ink, S), resize_images(canvases, S)], 1)  # (B, 2, S, S)
        x = F.pad(x, (self.pad,) * 4)
        fine = self.fine(x)  # (B, w, 34, 34) image orientation
        coarse = self.coarse(fine)  # (B, w, 17, 17)
        B = coarse.shape[0]
        pos = (self.cells.t().reshape(1, 2, NUM_COORDS, NUM_COORDS) / 8 - 1).expand(B, -1, -1, -1)
        grid = coarse.flip(2).transpose(2, 3)  # (B, w, 17x, 17y): [b, c, x, y] = map at (x, y)
        grid = grid + self.context(torch.cat([grid, pos], 1))
        cells = torch.cat([grid.flatten(2), pos.flatten(2)], 1).transpose(1, 2)  # (B, 289, w+2)
        return cells, self.path_proj(fine), ink

    def _sample(self, image, pts, padded: bool = True):
        """Bilinear samples of a map (B, C, ., .) at grid points pts (B, N, K, 2) in (x, y)
        units: (B, C, N, K). A padded map (features of the padded input) has the margin
        self.pad around the image; an unpadded one (the ink) reads zeros outside."""
        S, pad = self.config.image_size, self.pad if padded else 0
        unit = S / (NUM_COORDS - 1)
        u = (unit * pts[..., 0] + pad) / (S + 2 * pad) * 2 - 1
        v = (S - unit * pts[..., 1] + pad) / (S + 2 * pad) * 2 - 1
        return F.grid_sample(image, torch.stack([u, v], -1), align_corners=False)

    def _sample_path(self, path, pts):
        """Features at grid points pts (B, N, K, 2) -> mean and max over K: (B, N, 2C)."""
        s = self._sample(path, pts)
        return torch.cat([s.mean(3), s.amax(3)], 1).transpose(1, 2)

    def _profile(self, ink, a, b):
        """Ink along the segments a -> b (B, 2) in grid units, each sample the darkest of a few
        points across the stroke (hand strokes stray from the ideal line): 1-D convolutions,
        then mean and max along the line (B, 32)."""
        unit = self.config.image_size / (NUM_COORDS - 1)
        d = b - a
        normal = torch.stack([-d[:, 1], d[:, 0]], 1) / d.norm(dim=1, keepdim=True).clamp(min=1e-6)
        across = torch.linspace(-1.5, 1.5, 5, device=a.device) / unit  # pixels -> grid units
        t = torch.linspace(0, 1, self.config.profile_samples, device=a.device)
        pts = (a[:, None, None] + t[None, :, None, None] * d[:, None, None]
               + across[None, None, :, None] * normal[:, None, None])  # (B, N, 5, 2)
        profile = self._sample(ink, pts, padded=False).amax(3)  # (B, 1, N)
        f = self.profile(profile)
        return torch.cat([f.mean(2), f.amax(2)], 1)

    def _end_patches(self, ink, a, b):
        """Ink in a small patch at each end of the segments a -> b, in the frame of the line
        (along x across, looking outwards), where an arrow head's barbs would be:
        (B, 2 * END_ALONG * END_ACROSS)."""
        d = b - a
        u = d / d.norm(dim=1, keepdim=True).clamp(min=1e-6)
        n = torch.stack([-u[:, 1], u[:, 0]], 1)
        along = torch.linspace(-0.8, 0.15, END_ALONG, device=a.device)[None, :, None, None]
        across = torch.linspace(-0.45, 0.45, END_ACROSS, device=a.device)[None, None, :, None]
        patches = [self._sample(ink, end[:, None, None] + along * (s * u)[:, None, None]
                                + across * (s * n)[:, None, None], padded=False).flatten(1)
                   for end, s in ((b, 1.0), (a, -1.0))]
        return torch.cat(patches, 1)

    def _point_logits(self, feats, tokens, second: bool):
        """Joint logits over the 289 cells for point 1, or point 2 given point 1: (B, 17, 17)."""
        cells, path, _ = feats
        kind = self.kind_emb(tokens[:, 0]).unsqueeze(1)  # (B, 1, h)
        if not second:
            return self.p1_out(F.relu(self.p1_in(cells) + kind)).view(-1, NUM_COORDS, NUM_COORDS)
        B, K = cells.shape[0], self.config.path_samples
        p1 = tokens[:, 1:3].float()  # (B, 2)
        i1 = tokens[:, 1] * NUM_COORDS + tokens[:, 2]
        f1 = cells[torch.arange(B, device=cells.device), i1, :-2]  # (B, w)
        q = self.cells.unsqueeze(0).expand(B, -1, -1)  # (B, 289, 2)
        a = p1[:, None, None, :]  # (B, 1, 1, 2)
        t = torch.linspace(0, 1, K, device=cells.device)[None, None, :, None]
        half = t[:, :, ::2]
        corner_b = torch.stack([q[..., 0], p1[:, 1:2].expand_as(q[..., 0])], -1)[:, :, None]
        corner_d = torch.stack([p1[:, 0:1].expand_as(q[..., 0]), q[..., 1]], -1)[:, :, None]
        qq = q[:, :, None]
        line = a + t * (qq - a)  # (B, 289, K, 2)
        edges = torch.cat([a + half * (corner_b - a), corner_b + half * (qq - corner_b),
                           a + half * (corner_d - a), corner_d + half * (qq - corner_d)], 2)
        evidence = torch.cat([self._sample_path(path, line), self._sample_path(path, edges)], 2)
        hidden = self.p2_cell(cells) + self.p2_from(f1).unsqueeze(1) + self.p2_path(evidence)
        return self.p2_out(hidden + kind).view(-1, NUM_COORDS, NUM_COORDS)

    def _flags_hidden(self, feats, tokens):
        cells, path, ink = feats
        B = cells.shape[0]
        rows = torch.arange(B, device=cells.device)
        f1 = cells[rows, tokens[:, 1] * NUM_COORDS + tokens[:, 2], :-2]
        f2 = cells[rows, tokens[:, 3] * NUM_COORDS + tokens[:, 4], :-2]
        t = torch.linspace(0, 1, self.config.path_samples, device=cells.device)[None, None, :, None]
        a, b = tokens[:, 1:3].float(), tokens[:, 3:5].float()
        along = self._sample_path(path, a[:, None, None] + t * (b - a)[:, None, None])[:, 0]
        profile = torch.cat([self._profile(ink, a, b), self._end_patches(ink, a, b)], 1)
        return F.relu(self.flag_in(torch.cat([f1, f2, along], 1)) + self.profile_in(profile))

    def token_logits(self, feats, tokens, t, cache=None):
        if t == 0:
            cells = feats[0][..., :-2]
            return self.kind_head(torch.cat([cells.amax(1), cells.mean(1)], 1))
        if t in (1, 2, 3, 4):
            key = f"point{1 + (t > 2)}"  # y reuses the heatmap computed for x
            joint = cache.get(key) if cache is not None and t % 2 == 0 else None
            if joint is None:
                joint = self._point_logits(feats, tokens, second=t > 2)  # (B, 17x, 17y)
                if cache is not None:
                    cache[key] = joint
            if t % 2:  # x: marginal over y
                return joint.logsumexp(2)
            return joint[torch.arange(joint.shape[0], device=joint.device), tokens[:, t - 1]]
        h = self._flags_hidden(feats, tokens)
        if t == 5:
            return self.arrow_out(h)
        return self.dashed_out(F.relu(h + self.arrow_emb(tokens[:, 5])))

    def forward(self, targets, canvases, tokens):
        """Teacher forcing, computing each point heatmap and the line-flag features once."""
        feats = self.encode(targets, canvases)
        rows = torch.arange(tokens.shape[0], device=tokens.device)
        out = [self.token_logits(feats, tokens, 0)]
        for second in (False, True):
            joint = self._point_logits(feats, tokens, second)
            out += [joint.logsumexp(2), joint[rows, tokens[:, 1 + 2 * second]]]
        h = self._flags_hidden(feats, tokens)
        out += [self.arrow_out(h), self.dashed_out(F.relu(h + self.arrow_emb(tokens[:, 5])))]
        return out
