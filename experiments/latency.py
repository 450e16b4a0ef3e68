"""How fast `g2p` answers on the dev drawings, and what the time buys: the curve of top-1
against the search budget, then the chosen defaults side by side with the previous ones,
warm (one `g2p serve` process answering POST /api/infer) and cold (one `g2p infer` process per
drawing, start and model loading included). Program synthesis is off throughout: it keeps its
own timeout, and the latency of the parse is what is measured.

- curve: one warm pipeline; for each budget, the current search settings; per drawing the
  seconds of the whole `run_file` and how far the search ran past its budget.
- warm: the web app (serve/app.py) through Starlette's test client, requests one at a time.
- cold: `g2p infer DRAWING --no-program --json --quiet` in a fresh process per drawing; the
  previous defaults run the code of --before (a git revision) in a temporary worktree, so
  "previous" is what `g2p infer` did before this change, not an imitation of it.

    python experiments/latency.py [--limit N] [--before REV] [--skip-cold]
Writes experiments/results/latency.{md,json}.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch
from starlette.testclient import TestClient
from tqdm import tqdm

from graphics2prog.image.drawings import load_drawing_folder
from graphics2prog.pipeline.config import InferConfig
from graphics2prog.pipeline.core import Pipeline
from graphics2prog.serve.app import create_app
from graphics2prog.spec import exact_match, spec_from_dict

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"
BUDGETS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
# what `g2p infer` searched with before the budget became a ceiling (commit 62f9055)
PREVIOUS = dict(beam=16, seeds=16, particles=256, settle=0, time_budget=8.0)


def figures(seconds: list[float], hits: list[bool], top5: list[bool] | None = None) -> dict:
    out = {"top1": float(np.mean(hits)), "median_s": float(np.median(seconds)),
           "p95_s": float(np.percentile(seconds, 95)), "max_s": float(max(seconds))}
    if top5 is not None:
        out["top5"] = float(np.mean(top5))
    return out


def curve_point(pipeline: Pipeline, drawings, config: InferConfig) -> dict:
    """One warm pipeline with `config`'s search settings over every drawing."""
    pipeline.config = config
    seconds, hits, top5, over = [], [], [], []
    for d in tqdm(drawings, desc=f"budget {config.time_budget:g} s", leave=False):
        start = time.perf_counter()
        result = pipeline.run_file(d.path)
        seconds.append(time.perf_counter() - start)
        specs = [s for s, _ in result.specs]
        hits.append(bool(specs) and exact_match(specs[0], d.spec))
        top5.append(any(exact_match(s, d.spec) for s in specs[:5]))
        over.append(result.timings["parse_s"] - config.time_budget)
    return {**figures(seconds, hits, top5), "budget_s": config.time_budget,
            "max_over_budget_s": float(max(over))}


def warm_server(drawings, config: InferConfig) -> dict:
    """Requests one at a time to the web app serving `config`; seconds on the client."""
    seconds, hits = [], []
    with TestClient(create_app(config)) as client:
        client.get("/api/health")
        for d in tqdm(drawings, desc="warm server", leave=False):
            start = time.perf_counter()
            response = client.post("/api/infer", files={"image": (d.name, d.path.read_bytes())})
            seconds.append(time.perf_counter() - start)
            doc = response.json()
            hits.append(response.status_code == 200 and bool(doc["specs"])
                        and exact_match(spec_from_dict(doc["specs"][0]), d.spec))
    return figures(seconds, hits)


def cold(drawings, command: list[str], env: dict, cwd: Path = ROOT) -> dict:
    """One `g2p infer` process per drawing, run in `cwd`; seconds from start to exit."""
    seconds, hits = [], []
    for d in tqdm(drawings, desc="cold", leave=False):
        start = time.perf_counter()
        run = subprocess.run([*command, str(d.path), "--no-program", "--json", "--quiet"],
                             capture_output=True, text=True, env=env, cwd=cwd, check=True)
        seconds.append(time.perf_counter() - start)
        doc = json.loads(run.stdout)
        hits.append(bool(doc["specs"]) and exact_match(spec_from_dict(doc["specs"][0]), d.spec))
    return figures(seconds, hits)


def cold_before(drawings, revision: str) -> dict:
    """`g2p infer` as it was at `revision`, with its own defaults, from a temporary worktree."""
    with tempfile.TemporaryDirectory(prefix="g2p-before-") as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree),
                        revision], check=True, capture_output=True)
        try:
            # run in the worktree: `python -m` puts the working folder first on the path
            env = {**os.environ, "PYTHONPATH": str(tree)}
            return cold(drawings, [sys.executable, "-m", "graphics2prog.cli", "infer"], env,
                        cwd=tree)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                           check=True, capture_output=True)


def machine() -> str:
    return (f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.processor() or 'cpu'}, "
            f"torch {torch.__version__} ({torch.get_num_threads()} threads), "
            f"Python {platform.python_version()}")


def report(doc: dict) -> str:
    lines = ["# Latency on the dev drawings (program synthesis off)", "",
             f"Machine: {doc['machine']}. {doc['drawings']} drawings. Chosen defaults: "
             f"{doc['defaults']}. Previous: {PREVIOUS} (cold: the code of {doc['before']}).", "",
             "## Top-1 against the search budget (warm, one process)", "",
             "| budget s | top-1 | top-5 | median s | p95 s | max s | most past budget s |",
             "|---|---|---|---|---|---|---|"]
    for r in doc["curve"]:
        lines.append(f"| {r['label']} | {r['top1']:.0%} | {r['top5']:.0%} | {r['median_s']:.2f} | "
                     f"{r['p95_s']:.2f} | {r['max_s']:.2f} | {r['max_over_budget_s']:+.2f} |")
    lines += ["", "## Chosen defaults against the previous ones", "",
              "| run | top-1 | median s | p95 s | max s |", "|---|---|---|---|---|"]
    for name, r in doc["side_by_side"].items():
        lines.append(f"| {name} | {r['top1']:.0%} | {r['median_s']:.2f} | {r['p95_s']:.2f} | "
                     f"{r['max_s']:.2f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drawings", default=str(ROOT.parent / "shared" / "drawings" / "dev"))
    ap.add_argument("--limit", type=int, default=0, help="the first N drawings only")
    ap.add_argument("--before", default="62f9055", help="revision of the previous defaults")
    ap.add_argument("--skip-cold", action="store_true")
    args = ap.parse_args()
    drawings = [d for d in load_drawing_folder(args.drawings) if d.spec is not None]
    drawings = drawings[:args.limit] if args.limit else drawings
    chosen = InferConfig(program=False, device="cpu")
    previous = replace(chosen, **PREVIOUS)
    print(machine(), file=sys.stderr)
    pipeline = Pipeline(chosen)
    curve = [{**curve_point(pipeline, drawings, replace(chosen, time_budget=b)), "label": f"{b:g}"}
             for b in BUDGETS]
    curve.append({**curve_point(pipeline, drawings, previous), "label": "8 (previous search)"})
    side = {"warm server, chosen": warm_server(drawings, chosen),
            "warm server, previous settings": warm_server(drawings, previous)}
    if not args.skip_cold:
        side["cold g2p infer, chosen"] = cold(drawings, [str(Path(sys.executable).with_name("g2p")),
                                                           "infer"], dict(os.environ))
        side["cold g2p infer, previous code"] = cold_before(drawings, args.before)
    doc = {"machine": machine(), "drawings": len(drawings), "before": args.before,
           "defaults": {k: v for k, v in asdict(chosen).items()
                        if k in ("beam", "seeds", "particles", "settle", "time_budget")},
           "curve": curve, "side_by_side": side}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latency.json").write_text(json.dumps(doc, indent=1) + "\n")
    (RESULTS / "latency.md").write_text(report(doc))
    print(report(doc))


if __name__ == "__main__":
    main()
