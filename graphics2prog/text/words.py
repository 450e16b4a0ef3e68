"""Handwritten words of a picture: find_words runs the chosen recognizer (detection and
reading) and keeps what it read with some confidence.

Backends (TextConfig.backend): `rapidocr` (PP-OCRv4 detector and recogniser on onnxruntime, the
default: see experiments/results/labels.md), `tesseract` (tesseract-ocr finds and reads) and
`rapid+tesseract` (PP-OCR's lines read by tesseract). Each raises TextBackendMissing naming
what to install when it is not there."""
from __future__ import annotations

from typing import Callable, Optional

import cv2
import numpy as np

from .base import TextBackendMissing, Word, as_uint8_rgb
from .config import TextConfig
from .rapid import detect_lines, find_words_rapid, on_page
from .tesseract import find_words_tesseract, read_lines_tesseract

__all__ = ["Word", "TextConfig", "TextBackendMissing", "find_words", "kept", "BACKENDS"]


def _rapid_tesseract(rgb: np.ndarray, config: TextConfig) -> list[Word]:
    """PP-OCR's detected lines, read by tesseract."""
    lines = detect_lines(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), config)
    if not lines:
        return []
    return on_page(lines, read_lines_tesseract([line.crop for line in lines], config))


BACKENDS: dict[str, Callable[[np.ndarray, TextConfig], list[Word]]] = {
    "rapidocr": find_words_rapid,
    "tesseract": find_words_tesseract,
    "rapid+tesseract": _rapid_tesseract,
}


def find_words(rgb: np.ndarray, config: Optional[TextConfig] = None) -> list[Word]:
    """The words of a picture (uint8 or [0, 1] float, RGB or grey; a page photo or scan), each
    with its box in the picture's pixels, its text and confidence. Words read with less than
    config.min_confidence, or with no letter or digit, are left out. Raises
    A word that is one of config.shape_letters alone ("O", "X") is taken for a shape and left
    out too. Raises TextBackendMissing when the backend is not installed, ValueError for an
    unknown one."""
    config = config or TextConfig()
    if config.backend not in BACKENDS:
        raise ValueError(f"unknown text backend {config.backend!r}; "
                         f"choose one of {', '.join(BACKENDS)}")
    return kept(BACKENDS[config.backend](as_uint8_rgb(rgb), config), config)


def kept(found: list[Word], config: TextConfig) -> list[Word]:
    """The words worth keeping: read with at least config.min_confidence, with a letter or a
    digit, and not a lone shape letter."""
    return [w for w in found if w.confidence >= config.min_confidence
            and any(c.isalnum() for c in w.text)
            and not (len(w.text) == 1 and w.text in config.shape_letters)]
