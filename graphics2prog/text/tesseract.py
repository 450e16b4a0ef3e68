"""The tesseract backends: Debian's tesseract-ocr binary (LSTM engine, English model) called
once per page with TSV output. `find_words_tesseract` lets tesseract find and read the words
(sparse-text segmentation); `read_lines_tesseract` reads lines another detector found, stacked
into one image so that the page still costs one call."""
from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess

import cv2
import numpy as np

from .base import TextBackendMissing, Word
from .config import TextConfig
from .ctc import ReadWord, tiled

INSTALL = "the tesseract text backend needs the tesseract binary: apt-get install tesseract-ocr"
TIMEOUT_S = 60


def tesseract_tsv(gray: np.ndarray, psm: int, config: TextConfig) -> list[dict]:
    """tesseract's word rows (level 5 of its TSV) for a grey uint8 image: left, top, width,
    height, conf (0..100) and text, with only config.charset allowed."""
    binary = shutil.which(config.tesseract_cmd)
    if binary is None:
        raise TextBackendMissing(INSTALL)
    ok, png = cv2.imencode(".png", gray)
    if not ok:
        raise ValueError("could not encode the page for tesseract")
    env = dict(os.environ)
    if config.threads > 0:
        env["OMP_THREAD_LIMIT"] = str(config.threads)
    whitelist = config.charset.replace(" ", "").replace('"', "")
    cmd = [binary, "stdin", "stdout", "--psm", str(psm), "-l", "eng",
           "-c", f"tessedit_char_whitelist={whitelist}", "tsv"]
    done = subprocess.run(cmd, input=png.tobytes(), capture_output=True, env=env,
                          timeout=TIMEOUT_S)
    if done.returncode != 0:
        raise RuntimeError(f"tesseract failed: {done.stderr.decode(errors='replace')[-500:]}")
    text = done.stdout.decode("utf-8", errors="replace")
    rows = csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    return [r for r in rows if r.get("level") == "5" and (r.get("text") or "").strip()]


def _box(row: dict) -> tuple[float, float, float, float]:
    x, y = float(row["left"]), float(row["top"])
    return x, y, x + float(row["width"]), y + float(row["height"])


def find_words_tesseract(rgb: np.ndarray, config: TextConfig) -> list[Word]:
    """Words of the page (RGB uint8) found and read by tesseract alone."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    return [Word(_box(r), r["text"].strip(), max(0.0, float(r["conf"])) / 100.0)
            for r in tesseract_tsv(gray, config.tesseract_psm, config)]


def _stack(crops: list[np.ndarray], line_px: int) -> tuple[np.ndarray, list[tuple[int, float]]]:
    """The crops scaled to one height and stacked with white gaps, grey; per crop its top row
    in the stack and its scale."""
    gap = line_px // 2
    scaled, placed = [], []
    top = gap
    for c in crops:
        f = line_px / max(c.shape[0], 1)
        g = cv2.cvtColor(c, cv2.COLOR_BGR2GRAY)
        scaled.append(cv2.resize(g, (max(1, round(c.shape[1] * f)), line_px)))
        placed.append((top, f))
        top += line_px + gap
    width = max(s.shape[1] for s in scaled) + 2 * gap
    stack = np.full((top, width), 255, np.uint8)
    for s, (t, _) in zip(scaled, placed):
        stack[t:t + line_px, gap:gap + s.shape[1]] = s
    return stack, placed


def read_lines_tesseract(crops: list[np.ndarray], config: TextConfig) -> list[list[ReadWord]]:
    """Each crop's words read by tesseract, one call for all of them (block segmentation on
    the stacked lines); a word belongs to the line its centre falls on, and a line's words
    tile it (as the rapidocr recogniser's do)."""
    line_px, gap = config.tesseract_line_px, config.tesseract_line_px // 2
    stack, placed = _stack(crops, line_px)
    out: list[list[ReadWord]] = [[] for _ in crops]
    for r in tesseract_tsv(stack, 6, config):
        x1, y1, x2, y2 = _box(r)
        i = int(((y1 + y2) / 2 - gap / 2) // (line_px + gap))
        if not 0 <= i < len(crops):
            continue
        w = crops[i].shape[1] * placed[i][1]
        out[i].append(ReadWord(r["text"].strip(), max(0.0, float(r["conf"])) / 100.0,
                               float(np.clip((x1 - gap) / w, 0, 1)),
                               float(np.clip((x2 - gap) / w, 0, 1))))
    return [tiled(words) for words in out]
