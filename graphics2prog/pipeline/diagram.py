"""The whole job for one free-form diagram: photo -> stroke map -> shapes, arrows and words on
the photo's own grid -> program of the spec.

Pipeline (core.py) hands a file here when the mode (auto, or --mode diagram) says it is a
diagram rather than a drawing on the paper's 16x16 grid.
"""
from __future__ import annotations

import time
from typing import Callable, Optional

import numpy as np
import torch

from ..image.decode import DRAFT_SIDE, luminance, open_image, rgb_of
from ..infer.diagram import DiagramParse, parse_diagram
from ..models.registry import load_stroke_net
from ..synth import synthesize
from .config import InferConfig


def read_photo(path) -> tuple[np.ndarray, float]:
    """uint8 RGB of an image file (EXIF applied) and the factor it was decoded at."""
    im, factor = open_image(path, DRAFT_SIDE)
    with im:
        return rgb_of(im, luminance(im)), factor


class DiagramRunner:
    """The stroke network, loaded once; `run` parses one photo."""

    def __init__(self, config: InferConfig, device: torch.device):
        self.config, self.device = config, device
        self.model = load_stroke_net(config.strokes, device)

    def parse(self, rgb: np.ndarray, decoded_at: float = 1.0) -> DiagramParse:
        return parse_diagram(self.model, rgb, self.device, decoded_at=decoded_at)

    def run(self, path, progress: Optional[Callable[[float], None]] = None) -> dict:
        """Everything InferResult needs for a diagram: spec, ink, program, timings, the
        photo and image_from_grid (as keyword arguments)."""
        t0 = time.perf_counter()
        rgb, factor = read_photo(path)
        t1 = time.perf_counter()
        found = self.parse(rgb, factor)
        t2 = time.perf_counter()
        if progress:
            progress(1.0)
        timings = {"preprocess_s": t1 - t0, "parse_s": t2 - t1}
        out = {"specs": [(found.spec, 0.0)], "ink": (found.maps.labels > 0).astype(np.float32),
               "image_from_grid": found.image_from_grid, "input_rgb": rgb, "timings": timings}
        if self.config.program:
            synthesis = synthesize(found.spec, timeout=self.config.diagram_synth_timeout)
            out.update(program=synthesis.program, program_text=synthesis.text,
                       program_status=synthesis.status)
            timings["synth_s"] = time.perf_counter() - t2
        timings["total_s"] = time.perf_counter() - t0
        return out
