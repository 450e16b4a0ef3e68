"""Handwritten labels on the hdBPMN photos (issue 18): how well each text backend finds and
reads the words, and what it costs.

For every photo of a split (dev by default; ../shared/diagrams/hdbpmn/SPLIT) each backend's
`find_words` runs once, timed (models loaded beforehand), with every word kept; the scores are
then taken at the confidence threshold of TextConfig (and, for the record, at a few others):

- detection recall: a ground-truth word is found when its box centre lies inside a found box;
- precision: a found box is right when it holds at least one ground-truth word centre;
- word accuracy: a ground-truth word is read right when the found box holding its centre (the
  one whose centre is nearest, if several) reads the same text, both lowercased; given over all
  ground-truth words and over the found ones;
- task-label CER: per shape of type "task", the words whose centres lie in its box, read top to
  bottom and left to right, against its label (both lowercased, hyphens as spaces, whitespace
  collapsed): edit distance / length of the label, averaged over the tasks;
- seconds per photo (find_words alone, decoding excluded) with --threads threads.

Each backend runs as it is and, with --lexicon FILE and/or --head FILE, rapidocr runs once more
reading with that word list (TextConfig.lexicon), that trained head (TextConfig.head,
experiments/text_head.py) and both. --fit-lexicon writes the lexicon of the train split: every
word of its ground truth and of its shapes' and flows' labels, lowercased, also with leading and
trailing punctuation stripped (experiments/results/lexicon_hdbpmn.txt).

Writes experiments/results/labels.{md,json} (with --limit: labels_quick.{md,json}).

    python experiments/labels.py [--split dev] [--limit N] [--threads 2]
                                 [--backends rapidocr,tesseract,rapid+tesseract] [--lexicon FILE]
    python experiments/labels.py --fit-lexicon
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from graphics2prog.infer.stroke_maps import read_strokes
from graphics2prog.models.registry import load_stroke_net
from graphics2prog.pipeline.diagram import handwritten
from graphics2prog.text import BACKENDS, TextConfig, Word, find_words
from graphics2prog.text import rapid
from graphics2prog.text.words import kept

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"
THRESHOLDS = (0.0, 0.3, 0.5, 0.6, 0.7, 0.8)
TARGETS = {"recall": 0.85, "task_cer": 0.30, "seconds": 2.0}


def hdbpmn(split: str) -> Path:
    """shared/diagrams/hdbpmn/SPLIT beside the checkout (or beside one of its parents)."""
    for parent in ROOT.parents:
        folder = parent / "shared" / "diagrams" / "hdbpmn" / split
        if folder.is_dir():
            return folder
    raise SystemExit(f"no shared/diagrams/hdbpmn/{split} above {ROOT}")


def machine() -> str:
    """CPU model, cores and platform, for the table's caption."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def inside(point: tuple[float, float], box) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


def centre(box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def normalise(text: str) -> str:
    """Lowercased, hyphens as spaces, whitespace collapsed."""
    return re.sub(r"\s+", " ", text.lower().replace("-", " ")).strip()


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions and substitutions cost 1)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def reading_order(words: list[Word]) -> list[Word]:
    """Top to bottom in rows (a word starts a new row when its centre lies below the row's
    first word by more than half that word's height), left to right within a row."""
    rows: list[list[Word]] = []
    for w in sorted(words, key=lambda w: w.centre[1]):
        if rows and w.centre[1] - rows[-1][0].centre[1] <= 0.5 * rows[-1][0].height:
            rows[-1].append(w)
        else:
            rows.append([w])
    return [w for row in rows for w in sorted(row, key=lambda w: w.centre[0])]


def score_photo(found: list[Word], truth: dict) -> dict:
    """Counts of one photo: ground-truth words, found ones, read right; found boxes, right
    ones; per task its CER."""
    gt_words = truth["words"]
    found_right = sum(any(inside(centre(g["box"]), w.box) for g in gt_words) for w in found)
    located = read = 0
    for g in gt_words:
        c = centre(g["box"])
        hits = [w for w in found if inside(c, w.box)]
        if hits:
            located += 1
            best = min(hits, key=lambda w: (w.centre[0] - c[0]) ** 2 + (w.centre[1] - c[1]) ** 2)
            read += best.text.lower() == g["text"].lower()
    cers = []
    for s in truth["shapes"]:
        label = normalise(s.get("label") or "")
        if s["type"] != "task" or not label:
            continue
        words = reading_order([w for w in found if inside(w.centre, s["box"])])
        text = normalise(" ".join(w.text for w in words))
        cers.append(edit_distance(text, label) / len(label))
    return {"gt": len(gt_words), "located": located, "read": read, "found": len(found),
            "found_right": found_right, "task_cers": cers}


def summary(per_photo: list[dict], seconds: list[float]) -> dict:
    """The split's scores from its photos' counts."""
    tot = {k: sum(p[k] for p in per_photo) for k in ("gt", "located", "read", "found",
                                                   "found_right")}
    cers = [c for p in per_photo for c in p["task_cers"]]
    return {"recall": tot["located"] / max(tot["gt"], 1),
            "precision": tot["found_right"] / max(tot["found"], 1),
            "word_accuracy": tot["read"] / max(tot["gt"], 1),
            "word_accuracy_found": tot["read"] / max(tot["located"], 1),
            "task_cer": float(np.mean(cers)) if cers else None,
            "task_cer_median": float(np.median(cers)) if cers else None,
            "tasks": len(cers), "seconds": float(np.mean(seconds)) if seconds else None,
            "seconds_median": float(np.median(seconds)) if seconds else None, **tot}


def run_backend(config: TextConfig, photos: list[tuple[str, Path]],
                strokes=None) -> tuple[dict, list]:
    """Every word the backend finds on each photo (none dropped for confidence) and the
    seconds each took; the models are loaded on a blank page first. With `strokes` (the stroke
    network), only the words diagram mode keeps: where the network sees handwriting."""
    raw = replace(config, min_confidence=0.0)
    find_words(np.full((64, 64, 3), 255, np.uint8), raw)
    words, seconds = {}, []
    for name, path in tqdm(photos, desc=config.backend, leave=False, mininterval=10):
        rgb = np.asarray(Image.open(path).convert("RGB"))
        t = time.perf_counter()
        words[name] = find_words(rgb, raw)
        if strokes is not None:
            maps = read_strokes(strokes, rgb)
            words[name] = handwritten(words[name], maps, maps.scale)
        seconds.append(time.perf_counter() - t)
    return words, seconds


def evaluate(words: dict, seconds: list, truth: dict, threshold: float) -> dict:
    kept = {n: [w for w in ws if w.confidence >= threshold] for n, ws in words.items()}
    return summary([score_photo(kept[n], truth[n]) for n in kept], seconds)


def tune_lexicon(photos: list[tuple[str, Path]], truth: dict, config: TextConfig,
                 lexicon: str, head: str) -> list[dict]:
    """The lexicon's settings on a split's photos (train: it is fitting): the recogniser runs
    once per photo and every (margin, split penalty, confidence threshold) decodes its
    output again."""
    base = replace(config, min_confidence=0.0, head=head)
    pages = []
    for name, path in tqdm(photos, desc="recognising", leave=False, mininterval=10):
        bgr = np.asarray(Image.open(path).convert("RGB"))[..., ::-1].copy()
        lines = rapid.detect_lines(bgr, base)
        pages.append((name, lines, rapid.recognise([l.crop for l in lines], base, bool(head))
                      if lines else []))
    rows = []
    settings = [("", 0.0, 0.0)] + [(lexicon, m, sp) for m in (0.35, 0.5, 0.75, 1.0)
                                   for sp in (2.0, 4.0, 6.0, 8.0)]
    for lex, margin, split in tqdm(settings, desc="settings", leave=False, mininterval=10):
        config = replace(base, lexicon=lex, lexicon_margin=margin, lexicon_split=split)
        found = {n: kept(rapid.on_page(lines, [rapid.decode(r, config) for r in readings]),
                         config) for n, lines, readings in pages}
        for t in (0.0, 0.3, 0.5):
            s = evaluate(found, [], truth, t)
            rows.append({"lexicon": bool(lex), "margin": margin, "split": split,
                         "threshold": t, **s})
            print(f"lexicon={bool(lex)} margin={margin} split={split} conf>={t}: "
                  f"recall {pct(s['recall'])} precision {pct(s['precision'])} "
                  f"accuracy {pct(s['word_accuracy'])} task CER {num(s['task_cer'])}",
                  flush=True)
    return rows


def fit_lexicon(split: str = "train") -> Path:
    """The words of a split's ground truth (annotated words, shape and flow labels) as a word
    list, one per line, lowercased; each also without its leading and trailing punctuation."""
    truth = json.loads((hdbpmn(split) / "ground_truth.json").read_text())
    texts = []
    for photo in truth.values():
        texts += [w["text"] for w in photo["words"]]
        texts += [e.get("label") or "" for e in photo["shapes"] + photo["flows"]]
    words = set()
    for token in " ".join(texts).lower().split():
        words.add(token)
        stripped = token.strip("()[]{}\"',.:;!?*")
        if stripped:
            words.add(stripped)
    path = RESULTS / f"lexicon_hdbpmn_{split}.txt"
    path.write_text("\n".join(sorted(words)) + "\n", encoding="utf-8")
    print(f"wrote {len(words)} words to {path}")
    return path


def pct(x) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def num(x, digits=2) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def row(name: str, s: dict) -> str:
    return (f"| {name} | {pct(s['recall'])} | {pct(s['precision'])} | "
            f"{pct(s['word_accuracy'])} ({pct(s['word_accuracy_found'])}) | "
            f"{num(s['task_cer'])} ({num(s['task_cer_median'])}) | "
            f"{num(s['seconds'])} ({num(s['seconds_median'])}) |")


def report(doc: dict) -> str:
    """The markdown page: the backends side by side at their thresholds, then each backend
    against the threshold."""
    head = ("| backend | recall | precision | word accuracy (of found) | task-label CER mean "
            "(median) | s/photo mean (median) |\n|---|---|---|---|---|---|")
    lines = [f"# Handwritten labels: {doc['split']} ({doc['photos']} photos, "
             f"{doc['backends'][0]['at_threshold']['gt'] if doc['backends'] else 0} words)", "",
             f"Machine: {doc['machine']}; {doc['threads']} thread(s) per backend; load average "
             f"(1 min) {doc.get('load_start', float('nan')):.1f} at the start, "
             f"{doc.get('load_end', float('nan')):.1f} at the end (other jobs share the "
             "machine). Data: hdBPMN (Schäfer et al., CAiSE 2021, CC BY 4.0).", "",
             f"Targets (issue 18): recall >= {pct(TARGETS['recall'])}, task-label CER <= "
             f"{TARGETS['task_cer']}, <= {TARGETS['seconds']} s per photo on 2 CPU cores.", "",
             head]
    for b in doc["backends"]:
        lines.append(row(f"{b['backend']} (conf >= {b['threshold']})", b["at_threshold"]))
    for b in doc["backends"]:
        lines += ["", f"## {b['backend']} against the confidence threshold", "", head]
        lines += [row(f"conf >= {t}", s) for t, s in b["sweep"].items()]
    lines += ["", "Recall: ground-truth words whose box centre lies in a found box. Precision: "
              "found boxes holding a ground-truth word centre. Word accuracy: ground-truth "
              "words whose found box reads the same (lowercased), over all ground-truth words "
              "(over the found ones). Task-label CER: edit distance of the words found in a "
              "task's box (top to bottom, left to right) to its label / the label's length "
              "(lowercased, hyphens as spaces). Seconds: `find_words` alone, models loaded."]
    return "\n".join(lines) + "\n"


def detector(args) -> TextConfig:
    """The settings every variant shares: threads and the detector's."""
    return TextConfig(threads=args.threads, det_box_thresh=args.det_box_thresh,
                      det_side=args.det_side, lexicon="", head="")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="dev", help="hdBPMN split (default: dev)")
    parser.add_argument("--limit", type=int, default=0,
                        help="N photos spread evenly over the sorted names (0: all)")
    parser.add_argument("--threads", type=int, default=2, help="threads per backend")
    parser.add_argument("--backends", default=",".join(BACKENDS),
                        help=f"comma-separated (default: {','.join(BACKENDS)})")
    parser.add_argument("--lexicon", default="", help="also rapidocr reading with this word "
                        "list (default: none)")
    parser.add_argument("--det-box-thresh", type=float, default=TextConfig.det_box_thresh,
                        help="the detector's box threshold for every variant (default: "
                        "%(default)s)")
    parser.add_argument("--det-side", type=int, default=TextConfig.det_side,
                        help="the detector's long side for every variant (default: %(default)s)")
    parser.add_argument("--writers", default="", help="only the photos of the validation "
                        "writers in this JSON (experiments/results/text_head.json)")
    parser.add_argument("--head", default="", help="also rapidocr reading with this trained "
                        "head (.npz; default: none)")
    parser.add_argument("--diagram", action="store_true",
                        help="also the words diagram mode keeps (the default reader, filtered "
                             "by the stroke network; its seconds include the network)")
    parser.add_argument("--fit-lexicon", action="store_true",
                        help="write the train split's word list and stop")
    parser.add_argument("--tune", action="store_true", help="sweep the lexicon's settings "
                        "(use --split train) and write labels_tune_SPLIT.json")
    args = parser.parse_args(argv)
    if args.fit_lexicon:
        fit_lexicon()
        return
    folder = hdbpmn(args.split)
    truth = json.loads((folder / "ground_truth.json").read_text())
    names = sorted(truth)
    if args.writers:
        chosen = set(json.loads(Path(args.writers).read_text())["val_writers"])
        names = [n for n in names if truth[n]["writer"] in chosen]
    if args.limit and args.limit < len(names):   # spread over the exercises and writers
        picks = np.linspace(0, len(names) - 1, args.limit).round().astype(int)
        names = [names[i] for i in picks]
    photos = [(n, folder / "images" / n) for n in names]
    print(f"machine: {machine()}; {len(photos)} photos of {args.split}")
    if args.tune:
        rows = tune_lexicon(photos, truth, detector(args), args.lexicon, args.head)
        out = RESULTS / f"labels_tune_{args.split}.json"
        out.write_text(json.dumps({"machine": machine(), "photos": len(photos),
                                   "rows": rows}, indent=1) + "\n")
        print(f"wrote {out}")
        return
    doc = {"split": args.split, "photos": len(photos), "machine": machine(),
           "threads": args.threads, "load_start": os.getloadavg()[0], "backends": []}
    base = detector(args)
    variants = {b: replace(base, backend=b) for b in args.backends.split(",") if b}
    if args.lexicon:
        variants["rapidocr + lexicon"] = replace(base, lexicon=args.lexicon)
    if args.head:
        variants["rapidocr + head"] = replace(base, head=args.head)
    if args.head and args.lexicon:
        variants["rapidocr + head + lexicon"] = replace(base, head=args.head, lexicon=args.lexicon)
    if args.diagram:  # the shipped reader (head and lexicon by default), then the filter
        variants["diagram mode (default reader, kept where the stroke network sees "
                 "handwriting)"] = replace(base, head=TextConfig.head, lexicon=TextConfig.lexicon)
    for name, config in variants.items():
        words, seconds = run_backend(config, photos,
                                     load_stroke_net() if name.startswith("diagram") else None)
        sweep = {t: evaluate(words, seconds, truth, t) for t in THRESHOLDS}
        at = evaluate(words, seconds, truth, config.min_confidence)
        doc["backends"].append({"backend": name, "threshold": config.min_confidence,
                                "lexicon": config.lexicon, "at_threshold": at,
                                "sweep": sweep})
        print(row(name, at))
    doc["load_end"] = os.getloadavg()[0]
    stem = "labels_quick" if args.limit else "labels"
    stem += "_diagram" if args.diagram else ""
    if args.split != "dev":
        stem += f"_{args.split}"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{stem}.json").write_text(json.dumps(doc, indent=1) + "\n")
    (RESULTS / f"{stem}.md").write_text(report(doc))
    print(f"wrote {RESULTS / stem}.{{md,json}}")


if __name__ == "__main__":
    main()
