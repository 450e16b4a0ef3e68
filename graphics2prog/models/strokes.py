"""The stroke network: a small U-Net that labels every pixel of a diagram photo with the kind of
stroke it belongs to (background, rectangle, ellipse, diamond, arrow, head, text, other).

Why per-pixel labels rather than decoding one primitive at a time: a diagram holds 20-60
primitives, so a per-token decoder would take as many sequential steps and its errors would
compound; one fully convolutional pass labels all of them at once in a fixed time (about 0.3 s
for a 1024-px photo on 2 CPU cores), and what a stroke is can be told from a window a few
strokes wide, which a small receptive field sees. Turning labelled strokes into primitives,
checked against the network's own probabilities, is infer/diagram_shapes.py's job.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass(frozen=True)
class StrokeNetConfig:
    """Architecture: `widths` channels per scale (full resolution first), `classes` outputs."""
    widths: tuple = (16, 32, 48, 64, 96)
    classes: int = 8


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class StrokeNet(nn.Module):
    """U-Net: (B, 3, H, W) RGB in [0, 1] -> (B, classes, H, W) logits; H and W any multiple of
    2 ** (len(widths) - 1)."""

    def __init__(self, config: StrokeNetConfig = StrokeNetConfig()):
        super().__init__()
        self.config = config
        w = list(config.widths)
        self.down = nn.ModuleList([_block(3, w[0])] + [_block(a, b) for a, b in zip(w, w[1:])])
        self.up = nn.ModuleList([_block(b + a, a) for a, b in zip(w, w[1:])])
        self.head = nn.Conv2d(w[0], config.classes, 1)

    @property
    def multiple(self) -> int:
        """Input sides must be multiples of this."""
        return 2 ** (len(self.config.widths) - 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, block in enumerate(self.down):
            x = block(x if i == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        x = skips.pop()
        for block in reversed(self.up):
            skip = skips.pop()
            x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            x = block(torch.cat([skip, x], 1))
        return self.head(x)


class StrokeEnsemble(nn.Module):
    """Several stroke networks read as one: forward gives the log of their mean class
    probabilities, so a softmax of it is the average reading. Networks stopped at different
    points of fine-tuning disagree where each is unsure (an early one finds boxes more cleanly,
    later ones arrows): their average beat each alone on held-out train writers."""

    def __init__(self, members: list):
        super().__init__()
        self.members = nn.ModuleList(members)

    @property
    def multiple(self) -> int:
        return max(m.multiple for m in self.members)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        probs = torch.stack([F.softmax(m(x).float(), 1) for m in self.members]).mean(0)
        return probs.clamp_min(1e-12).log()


def stroke_net_from_checkpoint(state: dict) -> StrokeNet:
    """The network a checkpoint's {config, model} describe, on the CPU."""
    known = {f.name for f in fields(StrokeNetConfig)}
    config = {k: v for k, v in state["config"].items() if k in known}
    if "widths" in config:
        config["widths"] = tuple(config["widths"])
    model = StrokeNet(StrokeNetConfig(**config))
    model.load_state_dict(state["model"])
    return model


def config_dict(model: StrokeNet) -> dict:
    """The model's config as plain data (what a checkpoint stores)."""
    return asdict(model.config)
