"""How often text.attach_labels gives a handwritten label to the right shape, on the hdBPMN
ground truth (issue 18): pure geometry, no OCR.

Per photo, the ground-truth shapes become primitives in grid units of UNIT_PX pixels (tasks:
rounded rectangles; pools, lanes, subprocesses, data objects: rectangles; events: ellipses of
their box; gateways: diamonds) and its flows paths with arrows; its annotated words are grouped
into lines (text.group_lines) and become text primitives (text.texts_in_grid). A line's true
owner is the element whose label holds most of its words (each word going to the nearest
element whose label has it); none: free text. Reported: the share of lines attached to their
true owner, overall and by the owner's kind, for the LabelConfig given.

    python experiments/attach_labels.py [--split train] [--beside 1.0] [--edge 1.0]
"""
from __future__ import annotations

import argparse
import collections
import json
import re
from pathlib import Path

import numpy as np

from graphics2prog.shapes import Diamond, Ellipse, Polyline
from graphics2prog.spec import Rectangle
from graphics2prog.text import LabelConfig, Word, attach_labels, group_lines, texts_in_grid

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "diagrams" / "hdbpmn"
UNIT_PX = 8.0


def grid(v: float) -> int:
    return int(round(v / UNIT_PX))


def shape_of(s: dict, height: float):
    x1, y1, x2, y2 = s["box"]
    gx1, gx2, gy1, gy2 = grid(x1), grid(x2), grid(height - y2), grid(height - y1)
    if s["kind"] in ("circle", "diamond"):
        cls = Ellipse if s["kind"] == "circle" else Diamond
        return cls((gx1 + gx2) // 2, (gy1 + gy2) // 2, max(1, (gx2 - gx1) // 2),
                   max(1, (gy2 - gy1) // 2))
    return Rectangle(gx1, gy1, max(gx2, gx1 + 1), max(gy2, gy1 + 1), s["type"] == "task")


def path_of(f: dict, height: float):
    pts = []
    for x, y in f["points"]:
        q = (grid(x), grid(height - y))
        if not pts or q != pts[-1]:
            pts.append(q)
    return Polyline(tuple(pts), True, f["dashed"]) if len(pts) >= 2 else None


def tokens(label: str) -> set:
    return set(re.findall(r"\w+", (label or "").lower()))


def owner_of_word(w: dict, elements: list, boxes: list) -> int | None:
    cx, cy = (w["box"][0] + w["box"][2]) / 2, (w["box"][1] + w["box"][3]) / 2
    word = set(re.findall(r"\w+", w["text"].lower()))
    have = [i for i, e in enumerate(elements) if word and word <= tokens(e["label"])]
    if not have:
        return None
    return min(have, key=lambda i: np.hypot(np.clip(cx, boxes[i][0], boxes[i][2]) - cx,
                                            np.clip(cy, boxes[i][1], boxes[i][3]) - cy))


def photo(g: dict, config: LabelConfig, tally: collections.Counter) -> None:
    h = g["height"]
    elements, prims = [], []
    for s in g["shapes"]:
        elements.append(s), prims.append(shape_of(s, h))
    for f in g["flows"]:
        p = path_of(f, h)
        if p is not None:
            elements.append(f), prims.append(p)
    boxes = [e["box"] if "box" in e else (*np.min(e["points"], 0), *np.max(e["points"], 0))
             for e in elements]
    owners = {id(w): owner_of_word(w, elements, boxes) for w in g["words"]}
    words = [Word(tuple(w["box"]), w["text"], 1.0) for w in g["words"]]
    by_box = {tuple(w["box"]): owners[id(w)] for w in g["words"]}
    lines = group_lines(words, config)
    texts = texts_in_grid(lines, UNIT_PX, (0.0, h))
    for line, a in zip(lines, attach_labels(prims, texts, config)):
        votes = collections.Counter(by_box.get(tuple(w.box)) for w in words
                                    if _within(w.box, line.box))
        truth = votes.most_common(1)[0][0] if votes else None
        kind = "free" if truth is None else elements[truth].get("type", "flow")
        kind = "flow" if truth is not None and "points" in elements[truth] else kind
        tally[(kind, a.shape == truth)] += 1


def _within(inner, outer) -> bool:
    return (outer[0] <= inner[0] + 1e-6 and outer[1] <= inner[1] + 1e-6
            and inner[2] <= outer[2] + 1e-6 and inner[3] <= outer[3] + 1e-6)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="train")
    ap.add_argument("--beside", type=float, default=LabelConfig.beside)
    ap.add_argument("--edge", type=float, default=LabelConfig.edge)
    args = ap.parse_args()
    config = LabelConfig(beside=args.beside, edge=args.edge)
    truth = json.loads((DATA / args.split / "ground_truth.json").read_text())
    tally: collections.Counter = collections.Counter()
    for g in truth.values():
        photo(g, config, tally)
    kinds = sorted({k for k, _ in tally})
    total = sum(tally.values())
    right = sum(n for (_, ok), n in tally.items() if ok)
    print(f"{args.split}: beside {args.beside}, edge {args.edge}: {right}/{total} lines "
          f"attached right ({right / total:.1%})")
    for k in kinds:
        n = tally[(k, True)] + tally[(k, False)]
        print(f"  {k:28s} {tally[(k, True)]:5d}/{n:5d} ({tally[(k, True)] / n:.1%})")


if __name__ == "__main__":
    main()
