"""Reading with a lexicon: each word the greedy decoder read is read again as the lexicon's
word (or pair of words) that best explains the recogniser's output over the same columns.

Handwriting is often misread a letter or three at a time ("cyeliatin" for "application"); the
recogniser's column-by-column probabilities still favour the right word over the other words
of a small lexicon. A word's score is the log-probability of its best CTC alignment (Viterbi)
over the columns, case folded (p(a) + p(A)); the lexicon's best is taken when it explains the
columns nearly as well as the free reading (within `margin` nats per column), otherwise the
free reading stays (a word the lexicon lacks). Missing spaces are common in handwriting, so two
lexicon words in a row are tried as well ("senducleomx" -> "send welcome")."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from .ctc import ReadWord

NEG = np.float32(-1e9)


GROUP_LENGTHS = (4, 6, 8, 10, 13)   # words are scored in groups of these lengths at most


@dataclass(frozen=True)
class Group:
    """Words of similar length as CTC label sequences: `labels` (N, S) pads every word's
    blank-letter-blank sequence to S states (class 0 is the blank, class k the k-th lexicon
    character), `last` (N,) is its final state and `skip` (N, S) is 0 where a path may jump
    over a blank between two different letters and NEG elsewhere."""
    labels: np.ndarray
    last: np.ndarray
    skip: np.ndarray


@dataclass(frozen=True)
class Lexicon:
    """Lowercased words, shortest first, over the characters `chars`, in groups of similar
    length (little padding to score)."""
    words: tuple[str, ...]
    chars: str
    groups: tuple[Group, ...]


def _group(ws: list[str], code: dict[str, int]) -> Group:
    size = 2 * max(len(w) for w in ws) + 1
    labels = np.zeros((len(ws), size), np.int32)
    skip = np.full((len(ws), size), NEG, np.float32)
    for n, w in enumerate(ws):
        labels[n, 1:2 * len(w):2] = [code[c] for c in w]
        for i in range(1, len(w)):
            if w[i] != w[i - 1]:
                skip[n, 2 * i + 1] = 0.0
    return Group(labels, np.array([2 * len(w) for w in ws], np.int64), skip)


def build_lexicon(words) -> Lexicon:
    """The lexicon of the given words (lowercased, deduplicated, empty ones left out)."""
    ws = sorted({w.strip().lower() for w in words if w.strip()}, key=lambda w: (len(w), w))
    chars = "".join(sorted({c for w in ws for c in w}))
    code = {c: i + 1 for i, c in enumerate(chars)}
    groups, lo = [], 0
    for top in GROUP_LENGTHS + (max((len(w) for w in ws), default=0),):
        part = [w for w in ws if lo < len(w) <= top]
        if part:
            groups.append(_group(part, code))
        lo = max(lo, top)
    return Lexicon(tuple(ws), chars, tuple(groups))


@lru_cache(maxsize=4)
def load_lexicon(path: str) -> Lexicon:
    """The lexicon of a word list file (one word or phrase per line; phrases are split)."""
    return build_lexicon(Path(path).read_text(encoding="utf-8").split())


def fold_index(alphabet: Sequence[str], chars: str) -> tuple[np.ndarray, np.ndarray]:
    """For each lexicon character the recogniser's class of it and of its upper case (-1
    where the recogniser has none)."""
    where = {c: i for i, c in enumerate(alphabet)}
    lower = np.array([where.get(c, -1) for c in chars], np.int64)
    upper = np.array([where.get(c.upper(), -1) if c.upper() != c else -1 for c in chars],
                     np.int64)
    return lower, upper


def folded_log(probs: np.ndarray, lower: np.ndarray, upper: np.ndarray, space: int
               ) -> np.ndarray:
    """(T, 1 + len(chars)) log-probabilities: the blank (with the space: a word's columns may
    hold the gap to its neighbours), then each lexicon character with its upper case added."""
    pick = lambda idx: np.where(idx >= 0, probs[:, np.maximum(idx, 0)], 0.0)
    blank = probs[:, :1] + (probs[:, space:space + 1] if space >= 0 else 0.0)
    out = np.concatenate([blank, pick(lower) + pick(upper)], axis=1)
    return np.log(np.maximum(out, 1e-12)).astype(np.float32)


def _group_scores(logy: np.ndarray, g: Group) -> np.ndarray:
    """(T, N) best-alignment log-probabilities of one group's words over the columns 0..t
    (a Viterbi pass; padding states never feed real ones)."""
    y = logy[:, g.labels]                            # (T, N, S)
    n = np.arange(len(g.labels))
    alpha = np.full(g.labels.shape, NEG, np.float32)
    alpha[:, :2] = y[0, :, :2]
    out = np.empty((len(logy), len(n)), np.float32)
    out[0] = np.maximum(alpha[n, g.last], alpha[n, g.last - 1])
    for t in range(1, len(logy)):
        prev = alpha
        alpha = prev.copy()
        np.maximum(alpha[:, 1:], prev[:, :-1], out=alpha[:, 1:])
        np.maximum(alpha[:, 2:], prev[:, :-2] + g.skip[:, 2:], out=alpha[:, 2:])
        alpha += y[t]
        out[t] = np.maximum(alpha[n, g.last], alpha[n, g.last - 1])
    return out


def prefix_scores(logy: np.ndarray, lex: Lexicon) -> np.ndarray:
    """(T, N): the best alignment's log-probability of each word over the columns 0..t, for
    every t."""
    return np.concatenate([_group_scores(logy, g) for g in lex.groups], axis=1)


@dataclass(frozen=True)
class LexiconReader:
    """A lexicon ready for one recogniser: the words forwards and reversed (for the second
    word of a pair, scored from the line's end), and where its characters sit in the
    recogniser's alphabet."""
    forward: Lexicon
    reverse: Lexicon
    lower: np.ndarray
    upper: np.ndarray
    space: int


def reader(lex: Lexicon, alphabet: Sequence[str]) -> LexiconReader:
    """`lex` prepared for a recogniser with this alphabet."""
    rev = build_lexicon(w[::-1] for w in lex.words)
    lower, upper = fold_index(alphabet, lex.chars)
    space = list(alphabet).index(" ") if " " in alphabet else -1
    return LexiconReader(lex, rev, lower, upper, space)


def best_reading(probs: np.ndarray, allowed: np.ndarray, r: LexiconReader, margin: float,
                 split_penalty: float) -> list[tuple[str, float]] | None:
    """The lexicon's reading of one word's columns (T, C): one word or two (each with the
    fraction of the columns where it ends), or None when the free reading explains the columns
    better by more than `margin` nats per column."""
    t_len = len(probs)
    if t_len < 2 or not r.forward.words:
        return None
    free = float(np.log(np.maximum(np.where(allowed, probs, 0).max(axis=1), 1e-12)).sum())
    logy = folded_log(probs, r.lower, r.upper, r.space)
    pre = prefix_scores(logy, r.forward)
    suf = prefix_scores(logy[::-1], r.reverse)[::-1]
    one = int(pre[-1].argmax())
    best, reading = float(pre[-1, one]), [(r.forward.words[one], 1.0)]
    pair = pre[:-1].max(axis=1) + suf[1:].max(axis=1) - split_penalty
    cut = int(pair.argmax())
    if pair[cut] > best:
        second = r.reverse.words[int(suf[cut + 1].argmax())][::-1]
        best = float(pair[cut])
        reading = [(r.forward.words[int(pre[cut].argmax())], (cut + 1) / t_len), (second, 1.0)]
    return reading if (best - free) / t_len >= -margin else None


def reread_line(probs: np.ndarray, words: list[ReadWord], covered: float, allowed: np.ndarray,
                r: LexiconReader, margin: float, split_penalty: float) -> list[ReadWord]:
    """A decoded line's words read again with the lexicon, each over its own columns (its
    span of the line); a word may become two."""
    width = covered * len(probs)
    out = []
    for w in words:
        c0, c1 = int(round(w.start * width)), int(round(w.end * width))
        reading = best_reading(probs[c0:c1], allowed, r, margin, split_penalty)
        if reading is None:
            out.append(w)
            continue
        start = w.start
        for text, end_frac in reading:
            end = w.start + end_frac * (w.end - w.start)
            out.append(ReadWord(text, w.confidence, start, end))
            start = end
    return out
