"""The default proposal architecture, "grid": a strided CNN whose coarse map has one cell per
point of the 17x17 drawing grid, so each point is one softmax over grid cells (a heatmap); the
second point reads features along the segment or rectangle edges it would draw; the arrow and
dashed heads also read the ink along the line and at its ends. Fast and accurate on 2 CPU cores.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .architectures import register_model
from .proposal import Feats, ProposalConfig, ProposalModel, resize_images
from .tokens import NUM_COORDS, NUM_KINDS

END_ALONG, END_ACROSS = 9, 7  # ink samples of the patch at each end of a line (arrow heads)


def conv(cin, cout, k=3, stride=1, dilation=1):
    """Convolution keeping the size at stride 1 (padding by the dilated half-kernel), then ReLU."""
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, dilation * (k // 2), dilation),
                         nn.ReLU(inplace=True))


@register_model("grid")
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
        """Hidden features of the arrow and dashed heads for the lines in `tokens`: the cells
        at both ends, the path between them and the ink profile and end patches (B, h)."""
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
