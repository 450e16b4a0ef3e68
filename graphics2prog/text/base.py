"""A found word and what every recognizer shares: its box in image pixels and the error for a
recognizer that is not installed."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .weights import registered


class TextBackendMissing(RuntimeError):
    """The chosen recognizer is not installed; the message says what to install."""


@dataclass(frozen=True)
class Word:
    """A word (or a line of words) found on the page: its axis-aligned box in pixels of the
    image it was found in (x1, y1, x2, y2; origin top-left, y down), its text and the
    recognizer's confidence in [0, 1]."""
    box: tuple[float, float, float, float]
    text: str
    confidence: float

    @property
    def centre(self) -> tuple[float, float]:
        """The box's centre (x, y)."""
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2

    @property
    def height(self) -> float:
        """The box's smaller side: the height of the letters, whichever way the text runs."""
        return min(self.box[2] - self.box[0], self.box[3] - self.box[1])

    def scaled(self, f: float, dx: float = 0.0, dy: float = 0.0) -> "Word":
        """The same word in an image scaled by f and then shifted by (dx, dy), e.g. to remove
        it from an ink map made at another resolution."""
        x1, y1, x2, y2 = self.box
        return Word((x1 * f + dx, y1 * f + dy, x2 * f + dx, y2 * f + dy), self.text,
                    self.confidence)


def as_uint8_rgb(rgb: np.ndarray) -> np.ndarray:
    """Any picture array as uint8 RGB (H, W, 3): grey (H, W) is repeated, floats are taken in
    [0, 1], an alpha channel is dropped. Recognizers are trained on 8-bit pictures."""
    a = np.asarray(rgb)
    if a.ndim == 2:
        a = np.repeat(a[..., None], 3, axis=2)
    if a.ndim != 3 or a.shape[2] not in (3, 4):
        raise ValueError(f"expected an (H, W, 3) picture, got shape {a.shape}")
    a = a[..., :3]
    if a.dtype != np.uint8:
        a = np.clip(np.round(a.astype(np.float32) * 255.0), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(a)


def shipped(name_or_path: str) -> str:
    """A file given by its registered name or file name in graphics2prog/weights (the shipped
    head and lexicon, checksum-checked: weights.registered) or by a path."""
    return registered(name_or_path)
