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

from dataclasses import asdict, dataclass, fields, replace

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..errors import InputError


@dataclass(frozen=True)
class StrokeNetConfig:
    """Architecture: `widths` channels per scale (full resolution first), `classes` outputs,
    and `context`: pooling factors of the coarsest scale read again and added back (_Context)."""
    widths: tuple = (16, 32, 48, 64, 96)
    classes: int = 8
    context: tuple = ()


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class _Context(nn.Module):
    """The coarsest scale read again `factor` times coarser and added back to itself: a window
    several boxes wide, where a container's long side and a long arrow's shaft differ by what
    lies hundreds of pixels away. Its last conv starts at zero, so a network grown by it
    begins as the one it grew from (`grow`)."""

    def __init__(self, width: int, factor: int):
        super().__init__()
        self.factor = factor
        self.block = _block(width, width)
        self.out = nn.Conv2d(width, width, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.out(self.block(F.avg_pool2d(x, self.factor, ceil_mode=True)))
        return x + F.interpolate(y, size=x.shape[-2:], mode="bilinear", align_corners=False)


class StrokeNet(nn.Module):
    """U-Net: (B, 3, H, W) RGB in [0, 1] -> (B, classes, H, W) logits; H and W any multiple of
    2 ** (len(widths) - 1)."""

    def __init__(self, config: StrokeNetConfig = StrokeNetConfig()):
        super().__init__()
        self.config = config
        w = list(config.widths)
        self.down = nn.ModuleList([_block(3, w[0])] + [_block(a, b) for a, b in zip(w, w[1:])])
        self.up = nn.ModuleList([_block(b + a, a) for a, b in zip(w, w[1:])])
        self.context = nn.ModuleList([_Context(w[-1], f) for f in config.context])
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
        for branch in self.context:
            x = branch(x)
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


def _config(state: dict) -> StrokeNetConfig:
    """The config a checkpoint stores (lists back to tuples; fields it predates at defaults)."""
    known = {f.name for f in fields(StrokeNetConfig)}
    config = {k: v for k, v in state["config"].items() if k in known}
    for key in ("widths", "context"):
        if key in config:
            config[key] = tuple(config[key])
    return StrokeNetConfig(**config)


def stroke_net_from_checkpoint(state: dict) -> StrokeNet:
    """The network a checkpoint's {config, model} describe, on the CPU."""
    model = StrokeNet(_config(state))
    model.load_state_dict(state["model"])
    return model


def grow(state: dict, context: tuple) -> StrokeNet:
    """The checkpoint's network with context branches of these pooling factors (its own
    first, new ones after); it computes what the checkpoint's does until trained on."""
    old = _config(state)
    context = tuple(context)
    if context[:len(old.context)] != old.context:
        raise InputError(f"can only add context branches after the checkpoint's {old.context}")
    model = StrokeNet(replace(old, context=context))
    missing, unexpected = model.load_state_dict(state["model"], strict=False)
    if unexpected or any(not k.startswith("context.") for k in missing):
        raise InputError("the checkpoint's weights do not fit its own network")
    return model


def config_dict(model: StrokeNet) -> dict:
    """The model's config as plain data (what a checkpoint stores)."""
    return asdict(model.config)
