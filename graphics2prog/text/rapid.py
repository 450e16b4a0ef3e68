"""The rapidocr backend: PP-OCRv4's DB text detector, its orientation classifier and its CRNN
recogniser, run by onnxruntime from the models inside the rapidocr-onnxruntime package (nothing
is downloaded). The recogniser's output is decoded here, restricted to Latin script (ctc.py),
and each line is cut into words."""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import cv2
import numpy as np

from .base import TextBackendMissing, Word, shipped
from .config import TextConfig
from .ctc import ReadWord, allowed_mask, decode_line
from .head import HEAD_ALPHABET, head_probs, load_head
from .lexicon import LexiconReader, load_lexicon, reader, reread_line
from .lines import Line, crop_line

try:
    import rapidocr_onnxruntime
    from rapidocr_onnxruntime import RapidOCR
except ImportError:     # optional: find_words says what to install when it is asked for
    RapidOCR = None
try:
    import onnx
    import onnx.numpy_helper
    import onnxruntime
except ImportError:     # only the recogniser's features (TextConfig.head) need onnx
    onnx = None

INSTALL = ("the rapidocr text backend needs rapidocr-onnxruntime and onnxruntime: pip install "
           "--no-deps rapidocr-onnxruntime onnxruntime pyclipper shapely pyyaml")
INSTALL_ONNX = "reading with a trained head needs the onnx package: pip install onnx"
REC_MODEL = "ch_PP-OCRv4_rec_infer.onnx"
FEATURES = "transpose_51.tmp_0"     # the recogniser's (T, 120) features, before its last layer
HEAD_TUPLE = tuple(HEAD_ALPHABET)


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


def _rec_model():
    if RapidOCR is None:
        raise TextBackendMissing(INSTALL)
    if onnx is None:
        raise TextBackendMissing(INSTALL_ONNX)
    return onnx.load(str(Path(rapidocr_onnxruntime.__file__).parent / "models" / REC_MODEL))


def last_layer() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """PP-OCR's last layer: weights (120, C) and bias (C,) from its features to its classes,
    and its alphabet (class 0 the blank, the last the space); what a trained head starts
    from."""
    model = _rec_model()
    consts = {n.output[0]: onnx.numpy_helper.to_array(n.attribute[0].t)
              for n in model.graph.node if n.op_type == "Constant" and n.attribute}
    consts.update({t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer})
    matmul = next(n for n in model.graph.node if n.op_type == "MatMul" and FEATURES in n.input)
    add = next(n for n in model.graph.node if n.op_type == "Add" and matmul.output[0] in n.input)
    bias = next(i for i in add.input if i != matmul.output[0])
    alphabet = list(_engine(TextConfig()).text_rec.postprocess_op.character)
    return consts[matmul.input[1]], consts[bias], alphabet


@lru_cache(maxsize=2)
def feature_session(threads: int):
    """An onnxruntime session of PP-OCR's recogniser that also answers its features (the
    input of its final linear layer), for a head trained on handwriting (head.py)."""
    model = _rec_model()
    if not any(FEATURES in n.output for n in model.graph.node):
        raise TextBackendMissing(f"{REC_MODEL} has no tensor {FEATURES}: another "
                                 "rapidocr-onnxruntime version? (1.4.4 is known to work)")
    model.graph.output.append(onnx.helper.make_tensor_value_info(FEATURES,
                                                                 onnx.TensorProto.FLOAT, None))
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 4
    if threads > 0:
        options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(model.SerializeToString(), sess_options=options,
                                        providers=["CPUExecutionProvider"])


@lru_cache(maxsize=4)
def lexicon_reader(path: str, alphabet: tuple[str, ...]) -> LexiconReader:
    """The lexicon of the word list at `path`, ready for the recogniser's alphabet."""
    return reader(load_lexicon(path), alphabet)


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


@dataclass
class Reading:
    """The recogniser's output for one line: class probabilities (T, C), its features (T, 120)
    when asked for, and the share of the T columns that show the line (the rest pads the
    batch)."""
    probs: np.ndarray
    features: Optional[np.ndarray]
    covered: float


def recognise(crops: list[np.ndarray], config: TextConfig, features: bool = False
              ) -> list[Reading]:
    """Each crop's Reading: the recogniser run in batches of similar aspect ratio, so that
    little is padding; with `features`, through feature_session."""
    rec = _engine(config).text_rec
    session = feature_session(config.threads) if features else None
    _, height, width = rec.rec_image_shape
    ratios = [c.shape[1] / max(c.shape[0], 1) for c in crops]
    order = np.argsort(ratios)
    out: list[Reading] = [Reading(np.zeros((0, 1)), None, 1.0)] * len(crops)
    for begin in range(0, len(crops), config.rec_batch):
        batch = order[begin:begin + config.rec_batch]
        widest = max([width / height] + [ratios[i] for i in batch])
        images = np.stack([rec.resize_norm_img(crops[i], widest) for i in batch])
        images = images.astype(np.float32)
        if session is None:
            probs, feats = rec.session(images)[0], [None] * len(batch)
        else:
            probs, feats = session.run(None, {session.get_inputs()[0].name: images})
        padded = int(height * widest)
        for i, p, f in zip(batch, probs, feats):
            out[i] = Reading(p, f, min(1.0, math.ceil(height * ratios[i]) / padded))
    return out


@lru_cache(maxsize=8)
def _allowed(alphabet: tuple[str, ...], charset: str) -> np.ndarray:
    return allowed_mask(alphabet, charset)


def decode(reading: Reading, config: TextConfig) -> list[ReadWord]:
    """A line's words: its class probabilities (PP-OCR's, or config.head's from the features)
    decoded with only config.charset allowed, then read again with config.lexicon when one is
    given."""
    if config.head:
        t = max(1, int(math.ceil(reading.covered * len(reading.features))))
        probs = head_probs(reading.features[:t], load_head(shipped(config.head)))
        covered = 1.0
        alphabet = HEAD_TUPLE
    else:
        probs, covered = reading.probs, reading.covered
        alphabet = _alphabet(_engine(config))
    allowed = _allowed(alphabet, config.charset)
    words = decode_line(probs, alphabet, allowed, covered)
    if config.lexicon:
        lex = lexicon_reader(shipped(config.lexicon), alphabet)
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
    crops = [line.crop for line in lines]
    readings = recognise(crops, config, features=bool(config.head)) if lines else []
    return on_page(lines, [decode(r, config) for r in readings])
