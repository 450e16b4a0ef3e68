"""The rapidocr backend: PP-OCRv4's DB text detector, its orientation classifier and its CRNN
recogniser, run by onnxruntime from the models inside the rapidocr-onnxruntime package (nothing
is downloaded). The recogniser's output is decoded here, restricted to Latin script (ctc.py),
and each line is cut into words."""
from __future__ import annotations

import math
from functools import lru_cache

import cv2
import numpy as np

from .base import TextBackendMissing, Word
from .config import TextConfig
from .ctc import ReadWord, allowed_mask, decode_line
from .lexicon import LexiconReader, load_lexicon, reader, reread_line
from .lines import Line, crop_line

try:
    from rapidocr_onnxruntime import RapidOCR
except ImportError:     # optional: find_words says what to install when it is asked for
    RapidOCR = None

INSTALL = ("the rapidocr text backend needs rapidocr-onnxruntime and onnxruntime: pip install "
           "--no-deps rapidocr-onnxruntime onnxruntime pyclipper shapely pyyaml")


@lru_cache(maxsize=4)
def engine(threads: int, det_side: int, det_thresh: float, det_box_thresh: float,
           det_unclip: float):
    """A loaded RapidOCR (its three onnxruntime sessions), one per distinct setting; loading
    takes a few tenths of a second, so it is kept."""
    if RapidOCR is None:
        raise TextBackendMissing(INSTALL)
    threads_arg = threads if threads > 0 else -1
    return RapidOCR(intra_op_num_threads=threads_arg, inter_op_num_threads=1,
                    det_limit_type="max", det_limit_side_len=det_side, det_thresh=det_thresh,
                    det_box_thresh=det_box_thresh, det_unclip_ratio=det_unclip)


def _engine(config: TextConfig):
    return engine(config.threads, config.det_side, config.det_thresh, config.det_box_thresh,
                  config.det_unclip)


@lru_cache(maxsize=4)
def lexicon_reader(path: str, alphabet: tuple[str, ...]) -> LexiconReader:
    """The lexicon of the word list at `path`, ready for the recogniser's alphabet."""
    return reader(load_lexicon(path), list(alphabet))


@lru_cache(maxsize=4)
def _alphabet(ocr) -> tuple[str, ...]:
    return tuple(ocr.text_rec.postprocess_op.character)


def detect_lines(bgr: np.ndarray, config: TextConfig) -> list[Line]:
    """Text lines of the page (BGR uint8), cropped from the full-resolution page; the detector
    sees it shrunk to det_side on its long side. Crops the classifier finds upside down are
    turned (and marked flipped)."""
    ocr = _engine(config)
    f = min(1.0, config.det_side / max(bgr.shape[:2]))
    small = cv2.resize(bgr, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else bgr
    quads, _ = ocr.text_det(small)
    if quads is None or len(quads) == 0:
        return []
    lines = [crop_line(bgr, np.asarray(q, dtype=np.float32) / f) for q in quads]
    turned, labels, _ = ocr.text_cls([line.crop for line in lines])
    for line, crop, (label, score) in zip(lines, turned, labels):
        if "180" in label and score > ocr.text_cls.cls_thresh:
            line.crop, line.flipped = crop, True
    return lines


def recognise(crops: list[np.ndarray], config: TextConfig) -> list[tuple[np.ndarray, float]]:
    """Each crop's class probabilities (T, C) and the share of the T columns that show it
    (the rest pads the batch): the recogniser run in batches of similar aspect ratio, so that
    little is padding."""
    rec = _engine(config).text_rec
    _, height, width = rec.rec_image_shape
    ratios = [c.shape[1] / max(c.shape[0], 1) for c in crops]
    order = np.argsort(ratios)
    out: list[tuple[np.ndarray, float]] = [(np.zeros((0, 1)), 1.0)] * len(crops)
    for begin in range(0, len(crops), config.rec_batch):
        batch = order[begin:begin + config.rec_batch]
        widest = max([width / height] + [ratios[i] for i in batch])
        images = np.stack([rec.resize_norm_img(crops[i], widest) for i in batch])
        probs = rec.session(images.astype(np.float32))[0]
        padded = int(height * widest)
        for i, p in zip(batch, probs):
            out[i] = (p, min(1.0, math.ceil(height * ratios[i]) / padded))
    return out


def decode(probs: np.ndarray, covered: float, config: TextConfig) -> list[ReadWord]:
    """A line's words from its class probabilities: only config.charset allowed, then read
    again with config.lexicon when one is given."""
    alphabet = _engine(config).text_rec.postprocess_op.character
    allowed = allowed_mask(alphabet, config.charset)
    words = decode_line(probs, alphabet, allowed, covered)
    if config.lexicon:
        lex = lexicon_reader(config.lexicon, _alphabet(_engine(config)))
        words = reread_line(probs, words, covered, allowed, lex, config.lexicon_margin,
                            config.lexicon_split)
    return words


def on_page(lines: list[Line], reads: list[list[ReadWord]]) -> list[Word]:
    """The lines' words with their boxes on the page."""
    return [Word(line.span_box(w.start, w.end), w.text, w.confidence)
            for line, words in zip(lines, reads) for w in words]


def find_words_rapid(rgb: np.ndarray, config: TextConfig) -> list[Word]:
    """Words of the page (RGB uint8) read by PP-OCR, each with its own box along its line."""
    lines = detect_lines(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), config)
    probs = recognise([line.crop for line in lines], config) if lines else []
    return on_page(lines, [decode(p, covered, config) for p, covered in probs])
