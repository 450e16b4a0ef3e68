"""CTC decoding restricted to a character set, with where each word sits along its line.

PP-OCR's recogniser scores every time step (a column of the line image) over its whole
alphabet. Taking the best *allowed* character per step instead of the best overall keeps
handwritten Latin script from being read as Chinese, and the steps a word's characters were
emitted at say where the word lies, so a line can be cut into word boxes (tiled: every part of
the line belongs to one of its words)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np


@dataclass(frozen=True)
class ReadWord:
    """A word of a decoded line: its text, mean character confidence and its span along the
    line as fractions [start, end] of the line image's width."""
    text: str
    confidence: float
    start: float
    end: float


def allowed_mask(alphabet: Sequence[str], charset: str) -> np.ndarray:
    """Which of the recogniser's classes may be emitted: the blank (class 0), the space and
    every character of `charset`."""
    keep = set(charset) | {" "}
    mask = np.array([c in keep for c in alphabet], dtype=bool)
    mask[0] = True
    return mask


def decode_line(probs: np.ndarray, alphabet: Sequence[str], allowed: np.ndarray,
                covered: float) -> list[ReadWord]:
    """One line's class probabilities (T, C) -> its words. `covered` is the fraction of the T
    steps that show the line (the rest is the batch's padding). Words are split at spaces
    and their spans tile the line."""
    p = np.where(allowed[None, :], probs, -1.0)
    idx = p.argmax(axis=1)
    conf = p[np.arange(len(idx)), idx]
    keep = idx != 0
    keep[1:] &= idx[1:] != idx[:-1]
    steps = np.flatnonzero(keep)
    groups: list[list[int]] = [[]]
    for t in steps:
        if alphabet[idx[t]] == " ":
            groups.append([])
        else:
            groups[-1].append(int(t))
    groups = [g for g in groups if g]
    if not groups:
        return []
    width = max(covered * len(idx), 1.0)
    return tiled([ReadWord("".join(alphabet[idx[t]] for t in g), float(np.mean(conf[g])),
                           (g[0] + 0.5) / width, (g[-1] + 0.5) / width) for g in groups])


def tiled(words: list[ReadWord]) -> list[ReadWord]:
    """The words of one line in reading order, their spans stretched to tile the line: the
    first starts at 0, the last ends at 1 and each boundary lies halfway between neighbours.
    Every part of a detected line then belongs to a word."""
    words = sorted(words, key=lambda w: w.start + w.end)
    cuts = [0.0] + [(a.end + b.start) / 2 for a, b in zip(words, words[1:])] + [1.0]
    return [ReadWord(w.text, w.confidence, float(np.clip(cuts[i], 0, 1)),
                     float(np.clip(cuts[i + 1], 0, 1))) for i, w in enumerate(words)]
