"""A recognition head trained on handwriting: PP-OCR's recogniser features (T, 120) per line to
probabilities over Latin characters (T, K), computed with numpy.

logits = features @ w0 + b0 (PP-OCR's own last layer, restricted to HEAD_ALPHABET, then
trained) + out(a bidirectional LSTM along the line), with `out` initialised at zero, so that an
untrained head reads as PP-OCR does. The LSTM gives each column the context of the whole line:
which letters its neighbours are. Trained by experiments/text_head.py on the hdBPMN train
split."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from .config import LATIN

# class 0 is CTC's blank, the last the space, as in PP-OCR's recogniser
HEAD_ALPHABET = ["blank"] + [c for c in LATIN if c != " "] + [" "]


@dataclass
class HeadWeights:
    """The head's parameters (numpy float32), torch's LSTM layout (gates i, f, g, o):
    w0 (D, K), b0 (K,); per direction (fw, bw) w_ih (4H, D), w_hh (4H, H), b (4H,) (both of
    torch's biases added); out (2H, K), out_b (K,)."""
    w0: np.ndarray
    b0: np.ndarray
    fw_ih: np.ndarray
    fw_hh: np.ndarray
    fw_b: np.ndarray
    bw_ih: np.ndarray
    bw_hh: np.ndarray
    bw_b: np.ndarray
    out: np.ndarray
    out_b: np.ndarray


def restricted_layer(w: np.ndarray, b: np.ndarray, alphabet: Sequence[str]
                     ) -> tuple[np.ndarray, np.ndarray]:
    """PP-OCR's last layer (w (D, C), b (C,) over `alphabet`) restricted to HEAD_ALPHABET; a
    character PP-OCR lacks gets a bias of -20 (never read until trained)."""
    where = {c: i for i, c in enumerate(alphabet)}
    cols = [where.get(c, -1) for c in HEAD_ALPHABET]
    cols[0] = 0
    w0 = np.stack([w[:, i] if i >= 0 else np.zeros(w.shape[0], np.float32) for i in cols], 1)
    b0 = np.array([b[i] if i >= 0 else -20.0 for i in cols], np.float32)
    return w0.astype(np.float32), b0


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _lstm(x: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One direction of an LSTM over the rows of x (T, D) -> (T, H)."""
    hidden = w_hh.shape[1]
    pre = x @ w_ih.T + b
    h = np.zeros(hidden, np.float32)
    c = np.zeros(hidden, np.float32)
    out = np.empty((len(x), hidden), np.float32)
    for t in range(len(x)):
        g = pre[t] + w_hh @ h
        i, f = _sigmoid(g[:hidden]), _sigmoid(g[hidden:2 * hidden])
        c = f * c + i * np.tanh(g[2 * hidden:3 * hidden])
        h = _sigmoid(g[3 * hidden:]) * np.tanh(c)
        out[t] = h
    return out


def head_probs(features: np.ndarray, h: HeadWeights) -> np.ndarray:
    """(T, K) probabilities over HEAD_ALPHABET for one line's features (T, D)."""
    f = features.astype(np.float32)
    both = np.concatenate([_lstm(f, h.fw_ih, h.fw_hh, h.fw_b),
                           _lstm(f[::-1], h.bw_ih, h.bw_hh, h.bw_b)[::-1]], axis=1)
    logits = f @ h.w0 + h.b0 + both @ h.out + h.out_b
    logits -= logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True)


def save_head(path, h: HeadWeights) -> None:
    """The head as an .npz of its named arrays."""
    np.savez(path, **{k: v for k, v in vars(h).items()})


@lru_cache(maxsize=2)
def load_head(path: str) -> HeadWeights:
    """A head saved by save_head."""
    with np.load(Path(path)) as z:
        return HeadWeights(**{k: z[k].astype(np.float32) for k in z.files})
