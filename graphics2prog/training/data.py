"""Training data.

Synthetic data: `write_shards` samples scenes, draws them with the pencil model and stores
compressed shards (no pickles); `ProposalDataset` streams teacher-forcing examples from shards
or from scenes generated on the fly; `LikelihoodDataset` streams (drawing, wrong canvas,
distance) triples.
"""
from __future__ import annotations

import json
import multiprocessing
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator, Optional

import cv2
import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info
from tqdm import tqdm

from ..errors import InputError
from ..models.tokens import NUM_TOKENS, decode, encode
from ..noise import NoiseConfig, render_noisy
from ..render import render_uint8
from ..scenes import SceneConfig, perturb, sample_scene
from ..spec import Spec

__all__ = ["write_shards", "read_manifest", "load_shard", "ProposalDataset",
           "LikelihoodDataset", "encode_spec", "decode_spec"]

SHARD_FORMAT = "graphics2prog-shards/1"
MANIFEST = "manifest.json"


# ---------------------------------------------------------------- shards

def encode_spec(spec: Spec, max_len: int) -> np.ndarray:
    """Tokens of the spec's primitives in canonical drawing order, zero padded: (max_len, 7)."""
    out = np.zeros((max_len, NUM_TOKENS), np.int8)
    if len(spec) > max_len:
        raise ValueError(f"spec has {len(spec)} primitives, more than {max_len}")
    for i, p in enumerate(spec):
        out[i] = encode(p)
    return out


def decode_spec(tokens: np.ndarray, length: int) -> Spec:
    return Spec(decode(t) for t in tokens[:length])


def _shard_name(index: int) -> str:
    return f"shard-{index:05d}.npz"


def _init_worker() -> None:
    """One thread per worker process: the pool itself is the parallelism."""
    cv2.setNumThreads(1)
    torch.set_num_threads(1)


def _write_shard(job) -> int:
    """Sample, draw and store one shard; its seed depends only on (seed, index)."""
    out_dir, index, count, seed, scene_config, noise_config, size = job
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))
    images = np.empty((count, size, size), np.uint8)
    tokens = np.zeros((count, scene_config.max_objects, NUM_TOKENS), np.int8)
    lengths = np.empty(count, np.int16)
    for i in range(count):
        spec = sample_scene(rng, scene_config)
        ink = render_noisy(spec, rng, size, noise_config)
        np.multiply(ink, 255.0, out=ink)
        images[i] = np.rint(ink)
        tokens[i] = encode_spec(spec, scene_config.max_objects)
        lengths[i] = len(spec)
    np.savez_compressed(Path(out_dir) / _shard_name(index), images=images, tokens=tokens,
                        lengths=lengths)
    return count


def write_shards(out_dir, n_scenes: int, seed: int = 0, workers: int = 2,
                 shard_size: int = 1000, scene_config: SceneConfig = SceneConfig(),
                 size: int = 256, progress: bool = True,
                 noise_config: NoiseConfig = NoiseConfig()) -> dict:
    """Write `n_scenes` synthetic scenes as compressed shards plus manifest.json; return it.

    Each shard `shard-NNNNN.npz` holds `images` uint8 (N, size, size) (ink 255 = full ink,
    the noisy drawing), `tokens` int8 (N, max_objects, 7) (canonical drawing order, zero
    padded) and `lengths` int16 (N,). Shard i is seeded by (seed, i) alone, so the data do not
    depend on the number of workers. What `g2p data synth` calls.
    """
    if n_scenes < 1 or shard_size < 1 or workers < 1:
        raise InputError("n_scenes, shard_size and workers must be positive")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts = [min(shard_size, n_scenes - start) for start in range(0, n_scenes, shard_size)]
    jobs = [(str(out), i, c, seed, scene_config, noise_config, size) for i, c in enumerate(counts)]
    bar = tqdm(total=n_scenes, unit="scene", disable=not progress, file=sys.stderr)
    with bar:
        if workers == 1:
            for job in jobs:
                bar.update(_write_shard(job))
        else:
            # spawned, not forked: a fork copies OpenCV's idle thread pool, and the child's
            # cv2.setNumThreads then waits on it forever
            context = multiprocessing.get_context("spawn")
            with context.Pool(min(workers, len(jobs)), initializer=_init_worker) as pool:
                for done in pool.imap_unordered(_write_shard, jobs):
                    bar.update(done)
    manifest = {"format": SHARD_FORMAT, "count": n_scenes, "seed": seed, "size": size,
                "shard_size": shard_size,
                "shards": [{"file": _shard_name(i), "count": c} for i, c in enumerate(counts)],
                "scene_config": asdict(scene_config), "noise_config": asdict(noise_config)}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def read_manifest(shard_dir) -> dict:
    path = Path(shard_dir) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise InputError(f"{path}: not a readable shard manifest ({e.__class__.__name__})") \
            from None
    if not isinstance(manifest, dict) or manifest.get("format") != SHARD_FORMAT:
        raise InputError(f"{path}: not a {SHARD_FORMAT} manifest")
    return manifest


def load_shard(path) -> tuple[np.ndarray, list[Spec]]:
    """(images uint8 (N, S, S), specs) of one shard file; never unpickles."""
    with np.load(path, allow_pickle=False) as z:
        images, tokens, lengths = z["images"], z["tokens"], z["lengths"]
    return images, [decode_spec(t, int(n)) for t, n in zip(tokens, lengths)]


# ---------------------------------------------------------------- streaming datasets

def _worker_slot(rank: int, world_size: int) -> tuple[int, int]:
    """(this reader's index, number of readers) over DDP ranks x DataLoader workers."""
    info = get_worker_info()
    workers, wid = (1, 0) if info is None else (info.num_workers, info.id)
    return rank * workers + wid, world_size * workers


def _target(image_u8: np.ndarray, image_size: int) -> torch.Tensor:
    """A stored uint8 drawing as float32 (1, S, S) in [0, 1], area-downsampled if needed."""
    ink = image_u8.astype(np.float32) / 255.0
    if ink.shape[0] != image_size:
        ink = cv2.resize(ink, (image_size, image_size), interpolation=cv2.INTER_AREA)
    return torch.from_numpy(ink)[None]


def prefix_canvases(spec: Spec, image_size: int) -> np.ndarray:
    """Canvases of the canonical prefixes p1..pk for k = 0..n: uint8 (n+1, S, S), composed
    like SpriteCache, so training canvases are bit-identical to the ones inference builds."""
    out = np.zeros((len(spec) + 1, image_size, image_size), np.uint8)
    for k, p in enumerate(spec):
        np.maximum(out[k], render_uint8([p], image_size), out=out[k + 1])
    return out


def clean_canvas(spec: Spec, image_size: int) -> torch.Tensor:
    """Clean canvas of a whole spec, composed like SpriteCache: float32 (1, S, S)."""
    return torch.from_numpy(render_uint8(spec, image_size).astype(np.float32) / 255.0)[None]


class _StreamConfig:
    """Options shared by the streaming datasets (seeding, splitting, scene source)."""

    def __init__(self, image_size, seed, rank, world_size, scenes_per_epoch, scene_config,
                 noise_config):
        if not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} outside world_size {world_size}")
        self.image_size, self.seed = image_size, seed
        self.rank, self.world_size = rank, world_size
        self.scenes_per_epoch = scenes_per_epoch
        self.scene_config, self.noise_config = scene_config, noise_config
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Reshuffle like DistributedSampler.set_epoch: call before each epoch's iteration."""
        self.epoch = epoch

    def _generated(self, slot: int, total: int) -> Iterator[tuple[np.ndarray, Spec]]:
        """Scenes drawn on the fly by this reader: (uint8 drawing at 256, spec)."""
        rng = np.random.default_rng([self.seed, self.epoch, slot])
        n = self.scenes_per_epoch
        count = None if n is None else n // total + (slot < n % total)
        i = 0
        while count is None or i < count:
            spec = sample_scene(rng, self.scene_config)
            ink = render_noisy(spec, rng, 256, self.noise_config)
            yield np.rint(ink * 255.0).astype(np.uint8), spec
            i += 1


class ProposalDataset(_StreamConfig, IterableDataset):
    """Teacher-forcing examples for the proposal network over the canonical drawing order.

    A scene p1..pn gives n+1 examples (target, canvas of p1..pk, tokens of p_{k+1}), the last
    one with the STOP command. Yields tuples of tensors: target float32 (1, T, T), canvas
    float32 (1, S, S) (both ink = 1), tokens int64 (7,); S is `image_size` and T is
    `target_size` (0: S; a network whose flag heads read a finer drawing gets one).
    Scenes come from `shards` (a write_shards directory) or, with shards=None, are generated
    on the fly (`scenes_per_epoch` per epoch, None = endless). Readers (DDP rank x DataLoader
    worker) split the shards among themselves (or their rows, when there are fewer shards than
    readers). With shuffle, the examples of `pool_size` scenes are interleaved at random, so a
    batch mixes many scenes.
    """

    def __init__(self, shards=None, *, image_size: int = 256, seed: int = 0,
                 target_size: int = 0, shuffle: bool = True, rank: int = 0,
                 world_size: int = 1, scenes_per_epoch: Optional[int] = None, pool_size: int = 64,
                 scene_config: SceneConfig = SceneConfig(),
                 noise_config: NoiseConfig = NoiseConfig()):
        super().__init__(image_size, seed, rank, world_size, scenes_per_epoch, scene_config,
                         noise_config)
        self.shard_dir = None if shards is None else Path(shards)
        self.shard_files = ([] if shards is None else
                            [self.shard_dir / s["file"] for s in read_manifest(shards)["shards"]])
        self.target_size = target_size or image_size
        self.shuffle = shuffle
        self.pool_size = pool_size if shuffle else 1

    def _from_shards(self, slot: int, total: int,
                     rng: np.random.Generator) -> Iterator[tuple[np.ndarray, Spec]]:
        order = np.arange(len(self.shard_files))
        if self.shuffle:
            order = np.random.default_rng([self.seed, self.epoch]).permutation(order)
        by_shard = len(order) >= total
        start = 0
        for i in (order[slot::total] if by_shard else order):
            images, specs = load_shard(self.shard_files[i])
            rows = np.arange(len(specs))
            if not by_shard:  # split rows by their global index
                rows = rows[(start + rows) % total == slot]
                start += len(specs)
            if self.shuffle:
                rows = rng.permutation(rows)
            for r in rows:
                yield images[r], specs[r]

    def __iter__(self):
        slot, total = _worker_slot(self.rank, self.world_size)
        rng = np.random.default_rng([self.seed, self.epoch, slot, 1])
        scenes = (self._generated(slot, total) if self.shard_dir is None
                  else self._from_shards(slot, total, rng))
        pool: list[list] = []
        for image, spec in scenes:
            tokens = torch.tensor([encode(p) for p in spec] + [encode(None)], dtype=torch.int64)
            ks = list(range(len(spec), -1, -1))  # popped from the end: k = 0 first
            if self.shuffle:
                rng.shuffle(ks)
            pool.append([_target(image, self.target_size),
                         prefix_canvases(spec, self.image_size), tokens, ks])
            while len(pool) >= self.pool_size:
                yield self._take(pool, rng)
        while pool:
            yield self._take(pool, rng)

    def _take(self, pool: list[list], rng: np.random.Generator):
        i = int(rng.integers(len(pool))) if self.shuffle else 0
        target, canvases, tokens, ks = pool[i]
        k = ks.pop()
        if not ks:
            pool[i] = pool[-1]
            pool.pop()
        canvas = torch.from_numpy(canvases[k].astype(np.float32) / 255.0)[None]
        return target, canvas, tokens[k]


class LikelihoodDataset(_StreamConfig, IterableDataset):
    """(drawing of T1, clean canvas of T2, [|T1 - T2|, |T2 - T1|]) for the likelihood network.

    T1 is a sampled scene drawn with the pencil model. T2 is what an SMC particle may hold: a
    canonical prefix of T1 (with probability `prefix_rate`, else all of T1), then perturbed by
    1..max_changes edits unless it is kept exact (probability `same_rate`). Each drawing serves
    `pairs_per_scene` hypotheses, since drawing it costs more than rendering a canvas. Yields
    float32 tensors (1, S, S), (1, S, S) and (2,), seeded per reader like ProposalDataset.
    """

    def __init__(self, *, image_size: int = 256, seed: int = 0, rank: int = 0,
                 world_size: int = 1, scenes_per_epoch: Optional[int] = None,
                 max_changes: int = 3, same_rate: float = 0.3, prefix_rate: float = 0.5,
                 pairs_per_scene: int = 4, scene_config: SceneConfig = SceneConfig(),
                 noise_config: NoiseConfig = NoiseConfig()):
        super().__init__(image_size, seed, rank, world_size, scenes_per_epoch, scene_config,
                         noise_config)
        self.max_changes, self.same_rate = max_changes, same_rate
        self.prefix_rate, self.pairs_per_scene = prefix_rate, pairs_per_scene

    def hypothesis(self, t1: Spec, rng: np.random.Generator) -> Spec:
        """A spec near t1 of the kind SMC scores: partial, and sometimes wrong."""
        t2 = t1
        if rng.random() < self.prefix_rate:
            t2 = Spec(list(t1)[:rng.integers(0, len(t1) + 1)])
        if rng.random() >= self.same_rate:
            t2 = perturb(t2, rng, self.scene_config, self.max_changes)
        return t2

    def __iter__(self):
        slot, total = _worker_slot(self.rank, self.world_size)
        rng = np.random.default_rng([self.seed, self.epoch, slot, 2])
        for image, t1 in self._generated(slot, total):
            target = _target(image, self.image_size)
            for _ in range(self.pairs_per_scene):
                t2 = self.hypothesis(t1, rng)
                s1, s2 = t1.as_set(), t2.as_set()
                counts = torch.tensor([len(s1 - s2), len(s2 - s1)], dtype=torch.float32)
                yield target, clean_canvas(t2, self.image_size), counts
