"""The stroke network's part of the training loop (loop.py): augmented crops of synthetic
diagram scenes, optionally mixed with labelled real photos (stroke_data.py), and a per-pixel
cross-entropy in which strokes outweigh the paper they lie on.

It trains in bfloat16 on the CPU too (AMX/AVX-512 make that ~6x faster than float32 there) with
channels-last convolutions. Validation reports the intersection over union of every stroke
class on fixed held-out crops: synthetic ones, and real ones from held-out writers of the
training split (never the dev split).
"""
from __future__ import annotations

import json
import math

import torch
import torch.nn.functional as F

from ..diagram_scenes import STROKE_CLASSES
from ..models.checkpoint import load_checkpoint
from ..models.strokes import StrokeNet, StrokeNetConfig, grow, stroke_net_from_checkpoint
from .config import StrokeTrainConfig
from .hdbpmn import IGNORE
from .loop import data_loader, train
from .stroke_data import CropConfig, StrokeCrops, fixed_crops, real_pairs

# strokes are a few percent of the pixels: weigh them up, and the rare ones most
CLASS_WEIGHTS = (0.25, 1.0, 1.5, 1.5, 1.0, 2.0, 0.7, 1.0)


def class_iou(logits: torch.Tensor, labels: torch.Tensor) -> list[float]:
    """IoU per class (background included) over labelled pixels; nan for absent classes."""
    pred = logits.argmax(1)
    keep = labels != IGNORE
    out = []
    for c in range(logits.shape[1]):
        p, t = (pred == c) & keep, (labels == c) & keep
        union = int((p | t).sum())
        out.append(float((p & t).sum()) / union if union else math.nan)
    return out


class StrokeValidation:
    """Fixed held-out crops, drawn once: synthetic, and real when a real folder is given."""

    def __init__(self, config: StrokeTrainConfig, crops: CropConfig):
        held = real_pairs(config.real, crops, validation=True)
        self.sets = {}
        if not held or config.real_share < 1:
            self.sets["synthetic"] = fixed_crops([], config.val_crops, config.seed, crops)
        if held:
            self.sets["real"] = fixed_crops(held, config.val_crops, config.seed, crops)

    @torch.no_grad()
    def __call__(self, model: StrokeNet, device) -> dict:
        model.eval()
        metrics = {}
        for name, crops in self.sets.items():
            images = torch.stack([c[0] for c in crops]).to(device)
            labels = torch.stack([c[1] for c in crops]).to(device)
            with torch.autocast(device.type, dtype=torch.bfloat16):
                logits = torch.cat([model(images[i:i + 8]) for i in range(0, len(images), 8)])
            iou = class_iou(logits.float(), labels)
            for cls, v in zip(STROKE_CLASSES[1:], iou[1:]):
                metrics[f"{name}_iou_{cls}"] = v
            strokes = [v for v in iou[1:7] if not math.isnan(v)]
            metrics[f"{name}_miou"] = sum(strokes) / max(1, len(strokes))
        model.train()
        return metrics


class StrokeTask:
    """The stroke network as a loop.Task."""
    kind = "strokes"
    clip = 1.0
    cpu_bf16 = True

    def __init__(self, config: StrokeTrainConfig):
        self.config = config
        self.crops = CropConfig(crop=config.crop, real_share=config.real_share)

    def build(self) -> StrokeNet:
        c = self.config
        context = None if c.context is None else tuple(int(f) for f in c.context.split(",") if f)
        if c.init:
            state = load_checkpoint(c.init)
            model = (stroke_net_from_checkpoint(state) if context is None
                     else grow(state, context))
        else:
            widths = tuple(int(w) for w in c.widths.split(","))
            model = StrokeNet(StrokeNetConfig(widths=widths, classes=len(STROKE_CLASSES),
                                              context=context or ()))
        return model.to(memory_format=torch.channels_last)

    def restore(self, state: dict) -> StrokeNet:
        return stroke_net_from_checkpoint(state).to(memory_format=torch.channels_last)

    def total_steps(self, world: int) -> int:
        return self.config.steps

    def learning_rate(self, step: int, total: int) -> float:
        """Linear warm-up, then a cosine to 0."""
        c = self.config
        if step < c.warmup_steps:
            return c.lr * (step + 1) / c.warmup_steps
        return c.lr * 0.5 * (1 + math.cos(math.pi * (step - c.warmup_steps)
                                          / max(1, total - c.warmup_steps)))

    def batches(self, model: StrokeNet, rank: int, world: int, step: int):
        """Endless (image, labels) batches, seeded anew at each resume (by `step`)."""
        c = self.config
        data = StrokeCrops(self.crops, c.seed + step, real_pairs(c.real, self.crops, False),
                           rank, world)
        return iter(data_loader(data, c))

    def loss(self, net: torch.nn.Module, batch) -> torch.Tensor:
        images, labels = batch  # (B, 3, S, S), (B, S, S)
        logits = net(images.contiguous(memory_format=torch.channels_last)).float()
        weight = torch.tensor(CLASS_WEIGHTS, device=logits.device)
        return F.cross_entropy(logits, labels, weight=weight, ignore_index=IGNORE)

    def validation(self, model: StrokeNet) -> StrokeValidation:
        return StrokeValidation(self.config, self.crops)

    def summary(self, metrics: dict) -> str:
        """The step and every IoU, rounded."""
        return f"step {metrics['step']}: " + json.dumps(
            {k: round(v, 3) for k, v in metrics.items() if "iou" in k or k == "train_loss"})


def train_strokes(config: StrokeTrainConfig) -> dict:
    """Train (or resume) the stroke network; returns the last validation metrics (rank 0)."""
    return train(StrokeTask(config))
