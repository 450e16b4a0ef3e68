"""The proposal network of Ellis et al. 2018 (supplement section 1), for fidelity and for GPUs.

2x256x256 input (target, canvas). Layer 1: 20 8x8 + 2 16x4 + 2 4x16 filters, 8x8 max-pooling with
stride 4; layer 2: 10 8x8 filters, 4x4 max-pooling with stride 4 -> a 10x16x16 feature map. The
kind is a logistic regression on the flattened features; each later token has its own head over
features attended by a spatial transformer, whose affine parameters are predicted from one-hot
codes of the earlier tokens, joined with those codes: 32 sigmoid hidden units for coordinates,
logistic regression for arrow and dashed.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .architectures import register_model
from .proposal import ProposalConfig, ProposalModel
from .tokens import NUM_TOKENS, TOKEN_SIZES

FEATURES, SIDE, GLIMPSE = 10, 16, 8  # feature channels, feature map side, attended window side


def same(conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    """Convolution with 'same' output size for even kernels (one more pixel of padding after)."""
    kh, kw = conv.kernel_size
    return conv(F.pad(x, ((kw - 1) // 2, kw // 2, (kh - 1) // 2, kh // 2)))


@register_model("paper")
class PaperNet(ProposalModel):
    """The network of Ellis et al. 2018, layer for layer as the module docstring lists,
    registered as "paper" so results can be compared with the published architecture."""

    def __init__(self, config: ProposalConfig):
        super().__init__()
        self.config = config
        self.square = nn.Conv2d(2, 20, 8)
        self.tall = nn.Conv2d(2, 2, (16, 4))
        self.wide = nn.Conv2d(2, 2, (4, 16))
        self.conv2 = nn.Conv2d(24, FEATURES, 8)
        flat = FEATURES * SIDE * SIDE
        self.kind_head = nn.Linear(flat, TOKEN_SIZES[0])
        glimpse = FEATURES * GLIMPSE * GLIMPSE
        self.where = nn.ModuleList()
        self.heads = nn.ModuleList()
        for t in range(1, NUM_TOKENS):
            code = sum(TOKEN_SIZES[:t])  # one-hot codes of tokens 0..t-1
            where = nn.Linear(code, 6)
            nn.init.zeros_(where.weight)  # start by attending to the whole map
            where.bias.data.copy_(torch.tensor([1.0, 0, 0, 0, 1.0, 0]))
            self.where.append(where)
            if t <= 4:
                self.heads.append(nn.Sequential(nn.Linear(glimpse + code, 32), nn.Sigmoid(),
                                                nn.Linear(32, TOKEN_SIZES[t])))
            else:
                self.heads.append(nn.Linear(glimpse + code, TOKEN_SIZES[t]))

    def encode(self, targets, canvases):
        x = torch.cat([self.prepare(targets), self.prepare(canvases)], 1)  # (B, 2, 256, 256)
        x = torch.cat([same(c, x) for c in (self.square, self.tall, self.wide)], 1).relu()
        x = F.max_pool2d(x, 8, 4, padding=2)  # (B, 24, 64, 64)
        x = F.max_pool2d(same(self.conv2, x).relu(), 4, 4)  # (B, 10, 16, 16)
        return (x,)

    def token_logits(self, feats, tokens, t, cache=None):
        (x,) = feats
        B = x.shape[0]
        if t == 0:
            return self.kind_head(x.flatten(1))
        code = torch.cat([F.one_hot(tokens[:, i], TOKEN_SIZES[i]) for i in range(t)], 1).float()
        theta = self.where[t - 1](code).view(B, 2, 3)
        grid = F.affine_grid(theta, (B, FEATURES, GLIMPSE, GLIMPSE), align_corners=False)
        glimpse = F.grid_sample(x, grid, align_corners=False).flatten(1)  # (B, 10*8*8)
        return self.heads[t - 1](torch.cat([glimpse, code], 1))
