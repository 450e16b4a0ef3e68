"""A similarity map of the drawings by the programs that draw them (the supplement's §6).

Each ground-truth spec's synthesized program (from results/synthesis_times.json, written by
synthesis_times.py) is described by features of its structure — primitives by kind, arrows,
dashes, loops, nested loops, reflections, `if (i > 0)` guards, statements and cost — and the
log-scaled, standardised features are projected onto their first two principal components. Drawings with
similar programs land close together, whatever their pixels look like. Writes
experiments/results/program_similarity.{png,json,md}.

    python experiments/program_similarity.py
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from graphics2prog.synth import execute, parse_program, program_cost, statement_count
from graphics2prog.synth.program import Loop, Reflect

RESULTS = Path(__file__).resolve().parent / "results"
FEATURES = ("circles", "rectangles", "lines", "arrows", "dashed", "loops", "nested loops",
            "reflections", "guards", "statements", "cost")
COLOURS = {"loop + reflection": (148, 103, 189), "loop": (31, 119, 180),
           "reflection": (214, 39, 40), "flat": (120, 120, 120)}


def _structure(program, depth=0) -> dict:
    counts = {"loops": 0, "nested loops": 0, "reflections": 0, "guards": 0}
    for s in program:
        if isinstance(s, Loop):
            counts["loops"] += 1
            counts["nested loops"] += depth > 0
            counts["guards"] += bool(s.boundary)
            inner = [_structure(s.body, depth + 1), _structure(s.boundary, depth + 1)]
        elif isinstance(s, Reflect):
            counts["reflections"] += 1
            inner = [_structure(s.body, depth)]
        else:
            continue
        for sub in inner:
            for k, v in sub.items():
                counts[k] += v
    return counts


def features(text: str) -> dict:
    program = parse_program(text)
    spec = execute(program)
    kinds = [p.kind for p in spec]
    lines = [p for p in spec if p.kind == "line"]
    return {"circles": kinds.count("circle"), "rectangles": kinds.count("rectangle"),
            "lines": len(lines), "arrows": sum(p.arrow for p in lines),
            "dashed": sum(p.dashed for p in lines), **_structure(program),
            "statements": statement_count(program), "cost": program_cost(program) / 3}


def category(f: dict) -> str:
    if f["loops"] and f["reflections"]:
        return "loop + reflection"
    return "loop" if f["loops"] else "reflection" if f["reflections"] else "flat"


def plot(names, xy, cats, path, size=900, pad=60) -> None:
    img = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(img)
    lo, hi = xy.min(0), xy.max(0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    pts = pad + (xy - lo) / span * (size - 2 * pad)
    draw.text((pad, 15), "Drawings by their programs: PCA of program features "
                         "(x: PC1, y: PC2)", fill="black")
    for k, (label, colour) in enumerate(COLOURS.items()):
        draw.rectangle([pad + 200 * k, 35, pad + 200 * k + 10, 45], fill=colour)
        draw.text((pad + 200 * k + 15, 33), label, fill="black")
    for name, (x, y), cat in zip(names, pts, cats):
        y = size - y
        draw.ellipse([x - 5, y - 5, x + 5, y + 5], fill=COLOURS[cat])
        draw.text((x + 7, y - 6), name.rsplit(".", 1)[0], fill=(60, 60, 60))
    img.save(path)


def main() -> None:
    rows = [r for r in json.loads((RESULTS / "synthesis_times.json").read_text())
            if r.get("program")]
    names = [r["name"] for r in rows]
    table = [features(r["program"]) for r in rows]
    x = np.array([[f[k] for k in FEATURES] for f in table], float)
    x = np.log1p(x)  # counts: one big figure should not stretch the whole map
    z = (x - x.mean(0)) / np.where(x.std(0) > 0, x.std(0), 1.0)
    _, s, vt = np.linalg.svd(z, full_matrices=False)
    xy = z @ vt[:2].T
    explained = (s ** 2 / (s ** 2).sum())[:2]
    cats = [category(f) for f in table]
    plot(names, xy, cats, RESULTS / "program_similarity.png")
    loadings = {f"PC{i + 1}": {k: round(float(v), 3) for k, v in zip(FEATURES, vt[i])}
                for i in range(2)}
    (RESULTS / "program_similarity.json").write_text(json.dumps(
        {"explained_variance": explained.round(3).tolist(), "loadings": loadings,
         "drawings": [{"name": n, "pc": p.round(3).tolist(), "category": c, **f}
                      for n, p, c, f in zip(names, xy, cats, table)]}, indent=1) + "\n")
    top = {pc: sorted(l, key=lambda k: -abs(l[k]))[:3] for pc, l in loadings.items()}
    counts = {c: cats.count(c) for c in COLOURS}
    lines = ["# Program-feature similarity map (supplement §6)", "",
             "Command: `python experiments/program_similarity.py`. The programs synthesized from "
             f"the {len(rows)} dev ground-truth specs; {len(FEATURES)} features, log(1 + count), "
             "standardised; "
             f"PCA. PC1 and PC2 explain {explained[0]:.0%} and {explained[1]:.0%} of the variance.",
             "", "| component | strongest loadings |", "|---|---|"]
    lines += [f"| {pc} | " + ", ".join(f"{k} {loadings[pc][k]:+.2f}" for k in ks) + " |"
              for pc, ks in top.items()]
    lines += ["", "Programs by structure: " + ", ".join(f"{c} {n}" for c, n in counts.items())
              + ".", "", "![map](program_similarity.png)"]
    (RESULTS / "program_similarity.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
