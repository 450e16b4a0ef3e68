"""Every setting of word finding in one place: which recognizer, how the detector sees the
page, which characters may be read, how words are cut out of an ink map.

The defaults were chosen by experiments/labels.py on the hdBPMN dev photos (results in
experiments/results/labels.md)."""
from __future__ import annotations

import string
from dataclasses import dataclass

# Letters, digits and the punctuation of diagram labels. PP-OCR's recogniser reads some 6,600
# characters, mostly Chinese; handwritten Latin script is often misread as one of those, so the
# decoder only chooses among these.
LATIN = string.ascii_letters + string.digits + " -'&/().,:;?!\"[]+#%*=<>_" + "äöüÄÖÜß"


@dataclass(frozen=True)
class TextConfig:
    """How words are found and read (frozen, so one recognizer is loaded per distinct config)."""
    backend: str = "rapidocr"       # rapidocr | tesseract | rapid+tesseract (rapidocr's boxes)
    threads: int = 0                # onnxruntime / tesseract threads; 0: their default (all cores)
    det_side: int = 1600            # the detector sees the page with this long side (px)
    det_thresh: float = 0.3         # DB detector: pixel probability that counts as text
    det_box_thresh: float = 0.3     # DB detector: least mean probability of a kept box
    det_unclip: float = 1.6         # DB detector: how far a box is grown around its text
    min_confidence: float = 0.3     # words read with less mean character confidence are dropped
    charset: str = LATIN            # characters the recogniser may read
    # a word of one of these letters alone is a shape: an event's circle read as "O", a
    # gateway's cross as "X" (no label of the hdBPMN train set is one of them)
    shape_letters: str = "oO0QxX"
    rec_batch: int = 16             # text lines per recogniser batch
    # a head trained on handwriting (head.py; .npz, a path or a file of graphics2prog/weights):
    # it reads the recogniser's features in place of PP-OCR's own last layer; "" reads with
    # PP-OCR's. The shipped one was trained on the hdBPMN train split (experiments/text_head.py)
    head: str = "text_head.npz"
    # a word list (one word per line; a path or a file of graphics2prog/weights): each word
    # read is read again as the lexicon's word or pair of words that best explains the
    # recogniser's columns (lexicon.py), when that is within lexicon_margin nats per column of
    # the free reading; "" reads freely. The shipped list is the vocabulary of the hdBPMN
    # train split's labels (experiments/labels.py --fit-lexicon): give your own for diagrams
    # about other things
    lexicon: str = "text_lexicon.txt"
    lexicon_margin: float = 0.75
    lexicon_split: float = 6.0      # nats a pair of words costs over one word
    tesseract_cmd: str = "tesseract"
    tesseract_psm: int = 11         # page segmentation of the tesseract backend: sparse text
    tesseract_line_px: int = 64     # rapid+tesseract: height each line is scaled to
    # without_words: each word box is grown by this fraction of its height; ink components
    # mostly inside a grown box and no taller than letter_size word heights are letters and
    # go whole; straight runs longer than line_length word heights (a task's border, an
    # arrow's shaft) are kept, inside the boxes too
    mask_pad: float = 0.15
    mask_ink: float = 0.2
    mask_inside: float = 0.8
    letter_size: float = 1.5
    line_length: float = 1.2


@dataclass(frozen=True)
class LabelConfig:
    """How found words become text lines and how a text is attached to a shape (labels.py,
    attach.py). Distances are in text heights (a text box's smaller side), so they hold at any
    grid unit."""
    line_gap: float = 1.0       # words at most this far apart along a line are one line
    line_overlap: float = 0.5   # ... and share this much of the smaller word's height
    # a circle's, ellipse's or diamond's label lies this close (2.0 and 1.0: the best of
    # 1.0..2.5 on the hdBPMN train ground truth, experiments/attach_labels.py)
    beside: float = 2.0
    edge: float = 1.0           # an arrow's label lies this close to one of its legs
    row_overlap: float = 0.5    # texts sharing this much of their height are one row
    joiner: str = " "           # between the texts joined into one node's label
