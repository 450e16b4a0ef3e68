"""The whole job for one free-form diagram: photo -> stroke map -> shapes, arrows and words on
the photo's own grid -> program of the spec.

Pipeline (core.py) hands a photo here when the mode (auto, or --mode diagram) says it is a
diagram rather than a drawing on the paper's 16x16 grid. Words are read by the OCR layer
(text/) and kept only where the stroke network also sees handwriting, so a circle read as "O"
or an arrowhead read as "V" is no word; their ink never reaches the shape decoders, which read
only outline and arrow strokes.
"""
from __future__ import annotations

import time
from typing import Callable, Optional

import numpy as np
import torch

from ..diagram_scenes import TEXT
from ..infer.diagram import DiagramParse, parse_diagram
from ..infer.stroke_maps import StrokeMaps
from ..models.registry import load_stroke_net
from ..shapes import Text
from ..spec import Spec
from ..synth import synthesize
from ..text import Word, attach_labels, join_attached, texts_in_grid, try_read_texts
from .config import InferConfig

WORD_INK_SHARE = 0.3     # least share of a word box's strokes the network calls handwriting


def handwritten(words: list[Word], maps: StrokeMaps, scale: float) -> list[Word]:
    """The words whose boxes hold mostly handwriting by the stroke network's reading (`scale`:
    reading pixels per picture pixel)."""
    kept = []
    for w in words:
        x1, y1, x2, y2 = (int(round(v * scale)) for v in w.box)
        patch = maps.labels[max(0, y1):max(0, y2) + 1, max(0, x1):max(0, x2) + 1]
        strokes = int((patch > 0).sum())
        if strokes and (patch == TEXT).sum() >= WORD_INK_SHARE * strokes:
            kept.append(w)
    return kept


def words_on_grid(rgb: np.ndarray, found: DiagramParse, decoded_at: float) -> list[Text]:
    """Text primitives of the photo's handwritten words, on the parse's grid: one per shape
    (or arrow) they label, its lines in reading order, and one per free line."""
    lines = handwritten(try_read_texts(rgb), found.maps, found.maps.scale * decoded_at)
    unit_px = found.image_from_grid[0, 0] * decoded_at
    origin = (0.0, found.image_from_grid[1, 2] * decoded_at)
    texts = texts_in_grid(lines, unit_px, origin)
    return join_attached(texts, attach_labels(list(found.spec), texts))[0]


class DiagramRunner:
    """The stroke network, loaded once; `run` parses one photo."""

    def __init__(self, config: InferConfig, device: torch.device):
        self.config, self.device = config, device
        self.model = load_stroke_net(config.strokes, device)

    def run(self, rgb: np.ndarray, decoded_at: float = 1.0,
            progress: Optional[Callable[[float], None]] = None) -> dict:
        """Everything InferResult holds for a diagram (as keyword arguments): spec, ink,
        program, timings and image_from_grid. `decoded_at`: the factor `rgb` was decoded at
        (image_from_grid refers to the original photo's pixels)."""
        t0 = time.perf_counter()
        found = parse_diagram(self.model, rgb, self.device, decoded_at=decoded_at)
        spec, t1 = found.spec, time.perf_counter()
        timings = {"parse_s": t1 - t0}
        if self.config.text:
            spec = Spec([*spec, *words_on_grid(rgb, found, decoded_at)])
            timings["text_s"] = time.perf_counter() - t1
        if progress:
            progress(1.0)
        out = {"specs": [(spec, 0.0)], "ink": (found.maps.labels > 0).astype(np.float32),
               "image_from_grid": found.image_from_grid, "timings": timings}
        if self.config.program:
            t2 = time.perf_counter()
            synthesis = synthesize(spec, timeout=self.config.diagram_synth_timeout)
            out.update(program=synthesis.program, program_text=synthesis.text,
                       program_status=synthesis.status)
            timings["synth_s"] = time.perf_counter() - t2
        timings["total_s"] = time.perf_counter() - t0
        return out
