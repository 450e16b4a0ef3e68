"""A recognition head for handwriting (issue 18): PP-OCR's recogniser is kept as it is and only
what turns its features into characters is trained, on the hdBPMN train split's photos.

Every line the detector finds on a train photo is read by the recogniser with its features
(T, 120) kept (rapid.feature_session); its target is the ground-truth words whose centres lie in
the line's box, in reading order, joined by spaces. Lines are skipped where a word is cut by
the box (less than `--covered` of the word's box inside) or where a word outside it reaches
into it, and lines with no word. The head (graphics2prog/text/head.py) starts as PP-OCR's own
last layer restricted to TextConfig.charset and adds a zero-initialised correction read from a
bidirectional LSTM along the line; it is trained with CTC on the writers of the train split but
every `--val-every`-th, on which it is validated (greedy CER per line, before and after).

Writes experiments/results/text_head.{npz,json} (the head's weights and its training record);
ship it by copying text_head.npz to graphics2prog/weights/.

    python experiments/text_head.py [--limit N] [--epochs 30] [--cache /tmp/text_head_lines.npz]
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from tqdm import tqdm

from graphics2prog.text import TextConfig, rapid
from graphics2prog.text.head import (HEAD_ALPHABET, HeadWeights, head_probs, restricted_layer,
                                     save_head)
from labels import edit_distance, hdbpmn

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"


def _area(b) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def _overlap(a, b) -> float:
    return _area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def line_target(line, words: list[dict], covered: float) -> str | None:
    """The line's text from the ground truth, in reading order, or None when the line is not
    a clean example (a word cut by it, a word outside reaching in, no word)."""
    q = line.quad
    box = (q[:, 0].min(), q[:, 1].min(), q[:, 0].max(), q[:, 1].max())
    inside = []
    for w in words:
        b = w["box"]
        c = ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
        share = _overlap(b, box) / max(_area(b), 1e-6)
        if box[0] <= c[0] <= box[2] and box[1] <= c[1] <= box[3]:
            if share < covered:
                return None
            inside.append((c, w["text"]))
        elif share > 0.3:
            return None
    if not inside:
        return None
    a, e = (q[0], q[3]) if line.vertical else (q[0], q[1])
    axis = (e - a) / max(np.linalg.norm(e - a), 1e-6)
    order = sorted(inside, key=lambda cw: float(np.dot(np.array(cw[0]) - a, axis)))
    if line.flipped:
        order = order[::-1]
    text = " ".join(t for _, t in order)
    return "".join(ch for ch in text if ch in HEAD_ALPHABET[1:])


def collect(folder: Path, names: list[str], config: TextConfig, covered: float) -> dict:
    """Features and targets of the clean lines of these photos."""
    truth = json.loads((folder / "ground_truth.json").read_text())
    feats, texts, writers = [], [], []
    for name in tqdm(names, desc="lines", mininterval=20):
        rgb = np.asarray(Image.open(folder / "images" / name).convert("RGB"))
        lines = rapid.detect_lines(rgb[..., ::-1].copy(), config)
        readings = rapid.recognise([l.crop for l in lines], config, features=True)
        for line, r in zip(lines, readings):
            target = line_target(line, truth[name]["words"], covered)
            if target:
                t = max(1, int(np.ceil(r.covered * len(r.features))))
                feats.append(r.features[:t].astype(np.float16))
                texts.append(target)
                writers.append(truth[name]["writer"])
    return {"features": feats, "texts": texts, "writers": writers}


class TorchHead(torch.nn.Module):
    """head.py's head in torch, for training; `weights()` exports it to numpy."""

    def __init__(self, w0: np.ndarray, b0: np.ndarray, hidden: int, dropout: float):
        super().__init__()
        self.w0 = torch.nn.Parameter(torch.from_numpy(w0.copy()))
        self.b0 = torch.nn.Parameter(torch.from_numpy(b0.copy()))
        self.lstm = torch.nn.LSTM(w0.shape[0], hidden, batch_first=True, bidirectional=True)
        self.out = torch.nn.Linear(2 * hidden, w0.shape[1])
        torch.nn.init.zeros_(self.out.weight)
        torch.nn.init.zeros_(self.out.bias)
        self.drop = torch.nn.Dropout(dropout)

    def forward(self, f: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """(B, T, D) features of lines of these lengths -> (B, T, K) logits; the padding
        beyond a line's end never reaches its LSTM states (packed sequences)."""
        f = self.drop(f)
        packed = torch.nn.utils.rnn.pack_padded_sequence(f, lengths, batch_first=True,
                                                         enforce_sorted=False)
        x, _ = self.lstm(packed)
        x, _ = torch.nn.utils.rnn.pad_packed_sequence(x, batch_first=True,
                                                      total_length=f.shape[1])
        return f @ self.w0 + self.b0 + self.out(self.drop(x))

    def weights(self) -> HeadWeights:
        n = lambda t: t.detach().numpy().copy()
        lstm = self.lstm
        return HeadWeights(n(self.w0), n(self.b0),
                           n(lstm.weight_ih_l0), n(lstm.weight_hh_l0),
                           n(lstm.bias_ih_l0 + lstm.bias_hh_l0),
                           n(lstm.weight_ih_l0_reverse), n(lstm.weight_hh_l0_reverse),
                           n(lstm.bias_ih_l0_reverse + lstm.bias_hh_l0_reverse),
                           n(self.out.weight).T.copy(), n(self.out.bias))


CODE = {c: i for i, c in enumerate(HEAD_ALPHABET)}


def batches(idx: np.ndarray, data: dict, size: int, rng):
    """Padded feature batches with their CTC targets, lines of similar length together."""
    idx = idx[np.argsort([len(data["features"][i]) for i in idx], kind="stable")]
    chunks = [idx[i:i + size] for i in range(0, len(idx), size)]
    rng.shuffle(chunks)
    for chunk in chunks:
        fs = [data["features"][i].astype(np.float32) for i in chunk]
        t = max(len(f) for f in fs)
        x = np.zeros((len(fs), t, fs[0].shape[1]), np.float32)
        for j, f in enumerate(fs):
            x[j, :len(f)] = f
        targets = [[CODE[c] for c in data["texts"][i]] for i in chunk]
        yield (torch.from_numpy(x), torch.tensor([len(f) for f in fs]),
               torch.tensor([c for t_ in targets for c in t_]),
               torch.tensor([len(t_) for t_ in targets]))


def greedy(probs: np.ndarray) -> str:
    idx = probs.argmax(axis=1)
    keep = (idx != 0) & np.r_[True, idx[1:] != idx[:-1]]
    return "".join(HEAD_ALPHABET[i] for i in idx[keep]).strip()


def line_cer(weights: HeadWeights, idx, data) -> float:
    """Mean CER (lowercased) of greedy readings of these lines."""
    errs = [edit_distance(greedy(head_probs(data["features"][i], weights)).lower(),
                 data["texts"][i].lower()) / max(len(data["texts"][i]), 1) for i in idx]
    return float(np.mean(errs))


def train(data: dict, train_idx, val_idx, args) -> tuple[HeadWeights, list]:
    """CTC training of the head; returns the weights of the epoch with the lowest validation
    CER and the per-epoch record."""
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    w, b, alphabet = rapid.last_layer()
    model = TorchHead(*restricted_layer(w, b, alphabet), args.hidden, args.dropout)
    base = model.weights()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    best, best_cer = base, line_cer(base, val_idx, data)
    record = [{"epoch": 0, "val_cer_base": best_cer}]
    print(f"epoch 0: val CER {best_cer:.3f}", flush=True)
    for epoch in range(1, args.epochs + 1):
        model.train()
        losses = []
        for x, xl, y, yl in batches(train_idx, data, args.batch, rng):
            logp = torch.log_softmax(model(x, xl), dim=2).transpose(0, 1)
            loss = ctc(logp, y, xl, yl)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        model.eval()
        w = model.weights()
        cer = line_cer(w, val_idx, data)
        record.append({"epoch": epoch, "loss": float(np.mean(losses)), "val_cer": cer})
        print(f"epoch {epoch}: loss {np.mean(losses):.3f} val CER {cer:.3f}", flush=True)
        if cer < best_cer:
            best, best_cer = w, cer
    return best, record


def load_or_collect(args) -> dict:
    cache = Path(args.cache)
    if cache.exists():
        z = np.load(cache, allow_pickle=True)
        return {k: list(z[k]) for k in ("features", "texts", "writers")}
    folder = hdbpmn("train")
    names = sorted(json.loads((folder / "ground_truth.json").read_text()))
    if args.limit:
        names = [names[i] for i in np.linspace(0, len(names) - 1, args.limit).round().astype(int)]
    data = collect(folder, names, TextConfig(threads=args.threads), args.covered)
    feats = np.empty(len(data["features"]), dtype=object)
    feats[:] = data["features"]
    np.savez(cache, features=feats, texts=np.array(data["texts"], dtype=object),
             writers=np.array(data["writers"], dtype=object))
    return data


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="N train photos (0: all)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--covered", type=float, default=0.6)
    parser.add_argument("--cache", default="/tmp/text_head_lines.npz",
                        help="the lines' features and targets (outside the repository)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--hidden", type=int, default=96, help="LSTM units per direction")
    parser.add_argument("--val-every", type=int, default=8, help="every N-th writer validates")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    t0 = time.time()
    data = load_or_collect(args)
    writers = sorted(set(data["writers"]))
    val_writers = set(writers[::args.val_every])
    idx = np.arange(len(data["texts"]))
    val = np.array([i for i in idx if data["writers"][i] in val_writers])
    tr = np.array([i for i in idx if data["writers"][i] not in val_writers])
    print(f"{len(tr)} training lines ({len(writers) - len(val_writers)} writers), {len(val)} "
          f"validation lines ({len(val_writers)} writers)", flush=True)
    head, record = train(data, tr, val, args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    save_head(RESULTS / "text_head.npz", head)
    doc = {"lines": len(idx), "train_lines": len(tr), "val_lines": len(val),
           "val_writers": sorted(val_writers), "args": vars(args), "record": record,
           "val_cer_base": record[0]["val_cer_base"],
           "val_cer": line_cer(head, val, data), "minutes": (time.time() - t0) / 60}
    (RESULTS / "text_head.json").write_text(json.dumps(doc, indent=1) + "\n")
    print(f"val CER {doc['val_cer_base']:.3f} -> {doc['val_cer']:.3f}; wrote "
          f"{RESULTS / 'text_head.npz'}")


if __name__ == "__main__":
    main()
