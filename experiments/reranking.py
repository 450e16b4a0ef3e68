"""Error correction with a program prior: cross-validated top-1 with and without reranking.

For every dev drawing, `g2p infer`'s search (beam-seeded SMC, defaults, no reranking) returns its
top-k specs with their scores; each spec's program is synthesized (short timeout) and described
by `rerank.program_features`. Leave-one-out: the prior is fitted on the other drawings and
reranks the held-out drawing's list. The prior fitted on all drawings is written to
graphics2prog/weights/program_prior.json (what `g2p infer --rerank` uses). Writes
experiments/results/reranking.{md,json}; candidates are cached in results/reranking_candidates.json
so that refitting takes seconds (--refresh recomputes them).

    python experiments/reranking.py [--drawings ../shared/drawings/dev] [--k 10] [--refresh]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from graphics2prog.image.drawings import load_drawing_folder
from graphics2prog.pipeline.core import InferConfig, Pipeline
from graphics2prog.pipeline.rerank import (FEATURES, Candidates, describe, fit_prior,
                                        rerank_order)
from graphics2prog.spec import exact_match, iou, spec_from_dict, spec_to_dict

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"
CACHE = RESULTS / "reranking_candidates.json"
L2 = 1.0  # fixed before looking at results: pulls the prior towards "no reranking"


def collect(drawings, k: int, seed: int) -> list[dict]:
    """Each drawing's top-k specs, search scores and program features."""
    pipeline = Pipeline(InferConfig(top=k, program=False, rerank=False, seed=seed))
    rows = []
    for d in tqdm(drawings, desc="search + synthesis", leave=False):
        start = time.perf_counter()
        result = pipeline.run_file(d.path)
        specs = [s for s, _ in result.specs]
        features, _ = describe(specs)
        rows.append({"file": d.name, "seconds": time.perf_counter() - start,
                     "specs": [spec_to_dict(s)["primitives"] for s in specs],
                     "scores": [float(v) for _, v in result.specs],
                     "features": features.tolist()})
    return rows


def group(row: dict, truth) -> Candidates:
    specs = [spec_from_dict({"primitives": p}) for p in row["specs"]]
    hit = next((i for i, s in enumerate(specs) if exact_match(s, truth)), -1)
    return Candidates(np.array(row["scores"]), np.array(row["features"]).reshape(-1, len(FEATURES)),
                      hit)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drawings", default=str(ROOT.parent / "shared" / "drawings" / "dev"))
    ap.add_argument("--k", type=int, default=10, help="specs reranked per drawing")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--refresh", action="store_true", help="recompute the cached candidates")
    args = ap.parse_args()
    torch.set_num_threads(1)
    drawings = [d for d in load_drawing_folder(args.drawings) if d.spec is not None]
    if args.refresh or not CACHE.exists():
        RESULTS.mkdir(parents=True, exist_ok=True)
        CACHE.write_text(json.dumps(collect(drawings, args.k, args.seed)) + "\n")
    rows = {r["file"]: r for r in json.loads(CACHE.read_text())}
    groups = [group(rows[d.name], d.spec) for d in drawings]

    before, after, held_out = [], [], []
    for i, g in enumerate(groups):
        prior = fit_prior(groups[:i] + groups[i + 1:], l2=L2)
        order = rerank_order(prior, g)
        before.append(g.truth == 0)
        after.append(g.truth >= 0 and order[0] == g.truth)
        held_out.append(prior.beta.tolist())
    ious = {}
    for name, pick in (("before", lambda g, i: 0), ("after", None)):
        values = []
        for i, (d, g) in enumerate(zip(drawings, groups)):
            specs = rows[d.name]["specs"]
            if not specs:
                values.append(0.0)
                continue
            j = 0 if pick else int(rerank_order(fit_prior(groups[:i] + groups[i + 1:], l2=L2), g)[0])
            values.append(iou(spec_from_dict({"primitives": specs[j]}), d.spec))
        ious[name] = float(np.mean(values))
    final = fit_prior(groups, l2=L2)
    # fitted here, shipped by hand: cp experiments/results/program_prior.json
    # graphics2prog/weights/program_prior.json
    (RESULTS / "program_prior.json").write_text(json.dumps({**final.to_json(), "fitted_on": (
        f"{len(drawings)} dev drawings, top-{args.k} of g2p infer's search, l2 {L2}")}, indent=1)
        + "\n")

    n = len(groups)
    summary = {"drawings": n, "k": args.k, "l2": L2,
               "truth_in_top_k": sum(g.truth >= 0 for g in groups) / n,
               "top1_before": float(np.mean(before)), "top1_after_loo": float(np.mean(after)),
               "iou_before": ious["before"], "iou_after_loo": ious["after"],
               "prior_all": final.to_json(),
               "changed": [d.name + (" fixed" if a else " broken")
                           for d, b, a in zip(drawings, before, after) if a != b]}
    machine = f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}"
    lines = ["# Reranking with a program prior (supplement §5)", "",
             f"Machine: {machine}. Command: `python experiments/reranking.py --k {args.k}`. "
             f"{n} dev drawings; candidates: the top-{args.k} specs of `g2p infer`'s search "
             "(beam-seeded SMC, defaults); programs synthesized with a 1 s timeout each. "
             "Leave-one-out: the prior that reranks a drawing was fitted on the other "
             f"{n - 1} (L2 {L2}).", "",
             "| | top-1 | mean IoU of top-1 |", "|---|---|---|",
             f"| search order | {summary['top1_before']:.0%} | {summary['iou_before']:.3f} |",
             f"| reranked, leave-one-out | {summary['top1_after_loo']:.0%} | "
             f"{summary['iou_after_loo']:.3f} |", "",
             f"Truth among the top-{args.k}: {summary['truth_in_top_k']:.0%} (the ceiling). "
             f"Changed drawings: {', '.join(summary['changed']) or 'none'}.", "",
             "Prior fitted on all drawings (shipped): score weight "
             f"{final.score_weight:.3f}, beta " + ", ".join(
                 f"{f} {b:+.3f}" for f, b in zip(FEATURES, final.beta)) + ".", "",
             "The paper (100 drawings): top-1 63% -> 67% with the prior."]
    (RESULTS / "reranking.md").write_text("\n".join(lines) + "\n")
    (RESULTS / "reranking.json").write_text(json.dumps(summary, indent=1) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
