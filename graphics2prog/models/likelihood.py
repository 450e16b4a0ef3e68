"""Learned likelihood surrogate: how far is the drawing from a render of a hypothesised spec?

Pixel distance is a poor likelihood for hand drawings (a wobbly stroke misses the clean one by a
few pixels everywhere). Following the paper, a CNN reads (drawing, clean render of S) and
regresses the two set differences |truth − S| (primitives still missing) and |S − truth|
(primitives that should not be there); −log L(I | S) is their weighted sum. Counting is
translation-equivariant, so the head sums features over space before a linear layer and a ReLU.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import torch
import torch.nn as nn
import torch.nn.functional as F

from .checkpoint import WeightsError, load_weights
from .proposal import resize_images


@dataclass
class LikelihoodConfig:
    image_size: int = 128   # input resolution; other sizes are area-resized to it
    width: int = 32         # conv channels
    extra_weight: float = 2.0  # a primitive drawn that is not there costs more than one missing


def _conv(cin, cout, k=3, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2), nn.ReLU(inplace=True))


class LikelihoodNet(nn.Module):
    """(targets, canvases) -> predicted (missing, extra) counts, each (B, 2), non-negative."""

    def __init__(self, config: LikelihoodConfig):
        super().__init__()
        self.config = config
        w = config.width
        # a stride-4 stem keeps it cheap: SMC scores hundreds of canvases per step
        self.features = nn.Sequential(
            nn.Conv2d(2, w // 2, 4, 4), nn.ReLU(inplace=True), _conv(w // 2, w),
            _conv(w, w, 3, 2), _conv(w, 2 * w), _conv(2 * w, 2 * w, 3, 2))  # (B, 2w, S/16, S/16)
        self.head = nn.Linear(4 * w, 2)

    def prepare(self, images: torch.Tensor) -> torch.Tensor:
        return resize_images(images, self.config.image_size)

    def forward(self, targets: torch.Tensor, canvases: torch.Tensor) -> torch.Tensor:
        x = torch.cat([self.prepare(targets), self.prepare(canvases)], 1)  # (B, 2, S, S)
        f = self.features(x)  # (B, 2w, h, w)
        pooled = torch.cat([f.sum((2, 3)) / 16.0, f.amax((2, 3))], 1)  # (B, 4w)
        return F.relu(self.head(pooled))  # (B, 2)

    @torch.no_grad()
    def log_likelihood(self, targets: torch.Tensor, canvases: torch.Tensor) -> torch.Tensor:
        """−(missing + extra_weight · extra): (B,). Higher is a better explanation."""
        missing, extra = self(targets, canvases).unbind(1)
        return -(missing + self.config.extra_weight * extra)

    @staticmethod
    def loss(predicted: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
        """Squared error on both counts, as in the paper."""
        return F.mse_loss(predicted, counts)


class PixelLikelihood(nn.Module):
    """The lesion the paper compares against: negative blurred pixel distance, no learning."""

    def __init__(self, image_size: int = 128, blur: int = 5, scale: float = 0.02):
        super().__init__()
        self.image_size, self.blur, self.scale = image_size, blur, scale

    def _blurred(self, images: torch.Tensor) -> torch.Tensor:
        images = resize_images(images, self.image_size)
        return F.avg_pool2d(images, self.blur, 1, self.blur // 2)

    @torch.no_grad()
    def log_likelihood(self, targets: torch.Tensor, canvases: torch.Tensor) -> torch.Tensor:
        diff = (self._blurred(targets) - self._blurred(canvases)).abs()
        return -self.scale * diff.sum((1, 2, 3))


def likelihood_from_checkpoint(state: dict, device="cpu") -> LikelihoodNet:
    """Rebuild the likelihood network a checkpoint describes (eval mode)."""
    if state.get("kind") != "likelihood":
        raise WeightsError("not a likelihood-network checkpoint")
    known = {f.name for f in fields(LikelihoodConfig)}
    model = LikelihoodNet(LikelihoodConfig(**{k: v for k, v in state["config"].items() if k in known}))
    return load_weights(model, state, "the likelihood network").to(device).eval()
