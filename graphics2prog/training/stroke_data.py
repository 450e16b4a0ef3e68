"""Training crops for the stroke network: (RGB, labels) pairs from synthetic diagram scenes
drawn on the fly, from labelled real photos (hdbpmn.py's cache), or a mix of both.

Both sources give photos with their long side near `LabelConfig.long_side` (1024 px), the scale
the network reads at inference; crops are then jittered in scale, turned, mirrored and recoloured
(blue, black or grey ink, lighting, blur) so the network learns strokes, not one pen or camera.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from ..diagram_scenes import DiagramConfig, sample_diagram
from .diagram_synth import render_labelled
from .hdbpmn import IGNORE, LabelConfig


@dataclass(frozen=True)
class CropConfig:
    """What one training example is."""
    crop: int = 256              # px, square
    scale: tuple = (0.75, 1.3)   # random rescale of the whole photo before cropping
    on_ink: float = 0.8          # share of crops centred on a labelled stroke
    real_share: float = 0.0      # share of examples from real photos (the rest synthetic)
    val_writers: int = 10        # writers whose number is divisible by this are held out


def _pairs(folder: Path) -> list[tuple[Path, Path]]:
    return [(jpg, jpg.with_suffix(".png")) for jpg in sorted(folder.glob("*.jpg"))
            if jpg.with_suffix(".png").is_file()]


def held_out(name: str, every: int) -> bool:
    """Whether a cached photo (exNN_writerNNNN) belongs to the held-out writers."""
    digits = "".join(ch for ch in name.rsplit("writer", 1)[-1] if ch.isdigit())
    return bool(digits) and int(digits) % every == 0


def real_pairs(folder, config: CropConfig, validation: bool) -> list[tuple[Path, Path]]:
    """The cached (photo, labels) files of the training or the held-out writers."""
    if folder is None:
        return []
    return [p for p in _pairs(Path(folder))
            if held_out(p[0].stem, config.val_writers) == validation]


def read_pair(pair: tuple[Path, Path]) -> tuple[np.ndarray, np.ndarray]:
    rgb = cv2.cvtColor(cv2.imread(str(pair[0]), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    return rgb, cv2.imread(str(pair[1]), cv2.IMREAD_UNCHANGED)


def synthetic_pair(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    scene = sample_diagram(rng, DiagramConfig())
    return render_labelled(scene, rng, long_side=LabelConfig().long_side)


def _pad(a: np.ndarray, side: int, value) -> np.ndarray:
    """`a` padded at its bottom and right to at least side x side."""
    h, w = a.shape[:2]
    if h >= side and w >= side:
        return a
    pad = [(0, max(0, side - h)), (0, max(0, side - w))] + [(0, 0)] * (a.ndim - 2)
    return np.pad(a, pad, constant_values=value)


def crop(rgb: np.ndarray, labels: np.ndarray, rng: np.random.Generator,
         config: CropConfig) -> tuple[np.ndarray, np.ndarray]:
    """A random square crop, rescaled, turned and mirrored; mostly centred on a stroke.
    The window is cut first and only it is rescaled (rescaling whole photos was the cost)."""
    f = float(rng.uniform(*config.scale))
    side = config.crop
    window = max(8, round(side / f))
    rgb, labels = _pad(rgb, window, 255), _pad(labels, window, 0)
    h, w = labels.shape
    strokes = np.flatnonzero((labels > 0) & (labels != IGNORE))
    if strokes.size and rng.random() < config.on_ink:
        cy, cx = divmod(int(rng.choice(strokes)), w)
        jitter = rng.integers(-window // 4, window // 4 + 1, size=2)
        y0 = int(np.clip(cy - window // 2 + jitter[0], 0, h - window))
        x0 = int(np.clip(cx - window // 2 + jitter[1], 0, w - window))
    else:
        y0, x0 = int(rng.integers(0, h - window + 1)), int(rng.integers(0, w - window + 1))
    rgb = cv2.resize(rgb[y0:y0 + window, x0:x0 + window], (side, side),
                     interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR)
    labels = cv2.resize(labels[y0:y0 + window, x0:x0 + window], (side, side),
                        interpolation=cv2.INTER_NEAREST)
    turns = int(rng.integers(0, 4))
    rgb, labels = np.rot90(rgb, turns), np.rot90(labels, turns)
    if rng.random() < 0.5:
        rgb, labels = rgb[:, ::-1], labels[:, ::-1]
    return np.ascontiguousarray(rgb), np.ascontiguousarray(labels)


def recolour(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Other inks, paper tones, contrast and focus: float32 (H, W, 3) in [0, 1]."""
    x = rgb.astype(np.float32) / 255.0
    if rng.random() < 0.3:
        x = np.repeat(x.mean(2, keepdims=True), 3, axis=2)
    else:
        x = x[..., rng.permutation(3)] if rng.random() < 0.3 else x
    gain = rng.uniform(0.7, 1.2, size=3).astype(np.float32) * rng.uniform(0.8, 1.1)
    x = 1.0 - (1.0 - x) * float(rng.uniform(0.6, 1.4))  # ink lighter or darker
    x = x * gain + float(rng.uniform(-0.08, 0.08))
    if rng.random() < 0.25:
        x = cv2.GaussianBlur(x, (0, 0), float(rng.uniform(0.4, 1.2)))
    return np.clip(x, 0.0, 1.0)


def to_tensors(rgb: np.ndarray, labels: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """(3, H, W) float image and (H, W) int64 labels."""
    return (torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1))),
            torch.from_numpy(labels.astype(np.int64)))


class StrokeCrops(IterableDataset):
    """Endless augmented crops, seeded per (seed, rank, worker): a mix of synthetic scenes and
    real photos in `real_share` proportion."""

    def __init__(self, config: CropConfig, seed: int, real: list, rank: int = 0,
                 world: int = 1):
        self.config, self.seed, self.real = config, seed, real
        self.rank, self.world = rank, world

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        info = get_worker_info()
        worker = info.id if info else 0
        rng = np.random.default_rng([self.seed, self.rank, worker, 7919])
        share = self.config.real_share if self.real else 0.0
        while True:
            if rng.random() < share:
                rgb, labels = read_pair(self.real[int(rng.integers(len(self.real)))])
            else:
                rgb, labels = synthetic_pair(rng)
            for _ in range(4):  # a few crops per photo: reading or drawing it is the cost
                image, target = crop(rgb, labels, rng, self.config)
                yield to_tensors(recolour(image, rng), target)


def fixed_crops(pairs: list, count: int, seed: int, config: CropConfig
                ) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """`count` crops drawn once (validation): from `pairs` (real) or, with none, synthetic."""
    rng = np.random.default_rng([seed, 15485863])
    out = []
    while len(out) < count:
        rgb, labels = (read_pair(pairs[len(out) % len(pairs)]) if pairs
                       else synthetic_pair(rng))
        image, target = crop(rgb, labels, rng, CropConfig(crop=config.crop * 2, scale=(1, 1)))
        out.append(to_tensors(image.astype(np.float32) / 255.0, target))
    return out
