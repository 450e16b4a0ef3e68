"""Free-form diagrams on real photos (issue 17): hdBPMN dev photos parsed by one
`g2p infer PHOTO --mode diagram --json` process each, scored by diagram_scoring.py.

Each photo is its own process, model loading included, as a user runs it; its wall time and peak
resident memory (os.wait4) are kept; a photo whose process fails counts as finding nothing and
the run goes on. Writes experiments/results/diagrams[_TAG].{md,json} and the overlays of the
ten worst photos (shape F1 + flow F1) to diagrams[_TAG]_worst/; --figure also writes
diagrams_figure.jpg, three photos beside their clean renders. --oracle answers each photo with
its own ground truth (diagram_oracle.py): the self-test, which must score F1 = 1.0; it prints
its report and writes nothing unless --out is given. Arguments after `--` go to g2p.

    python experiments/diagrams.py [--limit N] [--workers 1] [--tag NAME] [--figure]
        [--command "python -m graphics2prog.cli"] [--oracle] [-- --model NAME]
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps
from tqdm import tqdm

from diagram_scoring import nothing_found, photo_f1, score_document, summarise
from labels import hdbpmn, machine

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"
ORACLE = Path(__file__).resolve().with_name("diagram_oracle.py")
TARGETS = {"shapes": 0.90, "flows": 0.75, "median_s": 10.0, "peak_gb": 4.0}
REFERENCE = {"shapes": "object F1 0.96", "flows": "arrow keypoint accuracy 0.71"}
CREDIT = "hdBPMN (Schäfer et al., CAiSE 2021), CC BY 4.0"
WORST = 10
SMALL_SIDE = 900        # the worst photos' overlays, long side in pixels
FIGURE_ROWS = 3
FIGURE_HEIGHT = 360     # each photo and render in the figure, pixels high
JPEG_QUALITY = 80


def run_child(argv: list[str], timeout: float) -> tuple[int, str, str, float, int]:
    """Run one process on this checkout's package: (exit status, stdout, stderr, wall
    seconds, peak RSS bytes); killed after `timeout` seconds."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, cwd=ROOT, env=env)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (proc.returncode, out.read().decode(errors="replace"),
                err.read().decode(errors="replace"), seconds, usage.ru_maxrss * 1024)


def run_photo(path: Path, truth: dict, command: list[str], extra: list[str], keep: Path,
              timeout: float) -> dict:
    """One photo parsed by its own process and scored; its overlay (small) and render kept."""
    with tempfile.TemporaryDirectory() as tmp:
        argv = [*command, "infer", str(path), "--mode", "diagram", "--json", "--out", tmp,
                "--quiet", *extra]
        status, stdout, stderr, seconds, rss = run_child(argv, timeout)
        row = {"file": path.name, "seconds": round(seconds, 3), "peak_rss_mb": rss / 2**20,
               "status": status}
        try:
            counts = score_document(json.loads(stdout), truth) if status == 0 else None
        except (ValueError, KeyError, TypeError) as error:   # not JSON, or not a parse's
            stderr, counts = f"{stderr}\n{type(error).__name__}: {error}", None
        if counts is None:
            last = (stderr.strip().splitlines() or [f"exit status {status}"])[-1]
            row["error"] = f"killed after {timeout:g} s" if status < 0 else last[:300]
            counts = nothing_found(truth)
        keep_outputs(Path(tmp), keep, Path(path.name).stem)
    shape_f1, flow_f1 = photo_f1(counts)
    return {**row, "shape_f1": shape_f1, "flow_f1": flow_f1, "counts": counts}


def keep_outputs(out: Path, keep: Path, stem: str) -> None:
    """The overlay as a small JPEG and the render as it is, for the worst photos and figure."""
    if (out / "overlay.png").is_file():
        small(out / "overlay.png").save(keep / f"{stem}.overlay.jpg", quality=JPEG_QUALITY)
    if (out / "render.png").is_file():
        shutil.copy(out / "render.png", keep / f"{stem}.render.png")


def small(path: Path, side: int = SMALL_SIDE) -> Image.Image:
    image = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    image.thumbnail((side, side))
    return image


def copy_worst(rows: list[dict], keep: Path, folder: Path) -> list[str]:
    """The overlays of the worst photos (lowest shape F1 + flow F1) into `folder`."""
    if folder.is_dir():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    worst = sorted(rows, key=lambda r: (r["shape_f1"] + r["flow_f1"], r["file"]))[:WORST]
    copied = []
    for rank, row in enumerate(worst, 1):
        overlay = keep / f"{Path(row['file']).stem}.overlay.jpg"
        if overlay.is_file():
            shutil.copy(overlay, folder / f"{rank:02d}_{overlay.name}")
            copied.append(row["file"])
    return copied


def inked(render: Image.Image) -> Image.Image:
    """A render cut to its ink and a margin (a render's canvas is square, the drawing not)."""
    box = ImageOps.invert(render.convert("L")).getbbox()
    if box is None:
        return render
    margin = max(box[2] - box[0], box[3] - box[1]) // 20
    return ImageOps.expand(render.crop(box), margin, "white")


def write_figure(rows: list[dict], folder: Path, keep: Path, path: Path) -> list[str]:
    """FIGURE_ROWS photos spread over the run, each beside its clean render, as one JPEG."""
    rendered = [r["file"] for r in rows
                if (keep / f"{Path(r['file']).stem}.render.png").is_file()]
    chosen = [rendered[k] for k in np.linspace(0, len(rendered) - 1, FIGURE_ROWS).astype(int)
              ] if len(rendered) >= FIGURE_ROWS else rendered
    pairs = [(small(folder / name, 4 * FIGURE_HEIGHT),
              inked(small(keep / f"{Path(name).stem}.render.png", 4 * FIGURE_HEIGHT)))
             for name in chosen]
    pairs = [[im.resize((round(im.width * FIGURE_HEIGHT / im.height), FIGURE_HEIGHT))
              for im in pair] for pair in pairs]
    if not pairs:
        return []
    gap = FIGURE_HEIGHT // 20
    width = max(sum(im.width for im in pair) + gap for pair in pairs)
    figure = Image.new("RGB", (width, len(pairs) * (FIGURE_HEIGHT + gap) - gap), "white")
    for k, (photo, render) in enumerate(pairs):
        figure.paste(photo, (0, k * (FIGURE_HEIGHT + gap)))
        figure.paste(render, (photo.width + gap, k * (FIGURE_HEIGHT + gap)))
    figure.save(path, quality=JPEG_QUALITY)
    return chosen


def timing(rows: list[dict]) -> dict:
    seconds = [r["seconds"] for r in rows]
    return {"median_s": float(np.median(seconds)), "p95_s": float(np.percentile(seconds, 95)),
            "peak_gb": max(r["peak_rss_mb"] for r in rows) / 1024,
            "failed": sum("error" in r for r in rows), "photos": len(rows)}


def fig(s: dict) -> str:
    return f"{s['f1']:.3f} ({s['precision']:.3f} / {s['recall']:.3f})"


def report(summary: dict, times: dict, header: str) -> str:
    """The markdown table: our figures beside the targets and the reference detector's."""
    shapes, flows = summary["shapes"], summary["flows"]
    lines = [header, "", "| figure | ours: F1 (P / R) | target | Faster R-CNN (Schäfer et al.) |",
             "|---|---|---|---|",
             f"| shapes | {fig(shapes['all'])} | ≥ {TARGETS['shapes']:.2f} | "
             f"{REFERENCE['shapes']} |"]
    lines += [f"| {kind} | {fig(shapes[kind])} | | |" for kind in ("rectangle", "circle",
                                                                    "diamond")]
    lines += [f"| flows | {fig(flows['all'])} | ≥ {TARGETS['flows']:.2f} | "
              f"{REFERENCE['flows']} |",
              f"| solid flows | {fig(flows['solid'])} | | |",
              f"| dashed flows | {fig(flows['dashed'])} | | |",
              f"| median / p95 s per photo | {times['median_s']:.2f} / {times['p95_s']:.2f} | "
              f"≤ {TARGETS['median_s']:g} (median) | |",
              f"| peak memory of one process | {times['peak_gb']:.2f} GB | "
              f"≤ {TARGETS['peak_gb']:g} GB | |",
              f"| photos failed (scored as finding nothing) | {times['failed']} of "
              f"{times['photos']} | 0 | |", "",
              f"Found shapes ignored for overlapping an unscored data object or store: "
              f"{summary['ignored']}. The reference figures are the detector's on its own test "
              f"writers of hdBPMN, not on this split. Photos: {CREDIT}."]
    return "\n".join(lines) + "\n"


def parse_args(argv=None) -> tuple[argparse.Namespace, list[str]]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split-dir", type=Path, help="default: shared/diagrams/hdbpmn/dev")
    ap.add_argument("--limit", type=int, default=0, help="first N photos only (0: all)")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--command", help="the g2p command (default: this python -m "
                                      "graphics2prog.cli)")
    ap.add_argument("--out", type=Path, help="default: experiments/results (none for --oracle)")
    ap.add_argument("--tag", help="name this run's files diagrams_TAG.* (another model's run)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per photo at most")
    ap.add_argument("--figure", action="store_true", help="also write diagrams_figure.jpg")
    ap.add_argument("--oracle", action="store_true", help="score the ground truth itself")
    args, extra = ap.parse_known_args(argv)
    return args, [a for a in extra if a != "--"]


def run_all(args, extra: list[str], keep: Path) -> tuple[list[dict], Path]:
    folder = args.split_dir or hdbpmn("dev")
    truth = json.loads((folder / "ground_truth.json").read_text())
    names = sorted(truth)[:args.limit] if args.limit else sorted(truth)
    command = ([sys.executable, str(ORACLE)] if args.oracle else
               shlex.split(args.command) if args.command else
               [sys.executable, "-m", "graphics2prog.cli"])
    with ThreadPoolExecutor(max(1, args.workers)) as pool:
        jobs = [pool.submit(run_photo, folder / "images" / name, truth[name], command, extra,
                            keep, args.timeout) for name in names]
        rows = [job.result() for job in tqdm(jobs, desc="photos")]
    return rows, folder / "images"


def main(argv=None) -> None:
    args, extra = parse_args(argv)
    print(f"machine: {machine()}; torch {metadata.version('torch')}")
    out = args.out or (None if args.oracle else RESULTS)
    stem = "diagrams" + (f"_{args.tag}" if args.tag else "") + ("_oracle" if args.oracle else "")
    with tempfile.TemporaryDirectory() as keep:
        rows, images = run_all(args, extra, Path(keep))
        summary, times = summarise([r["counts"] for r in rows]), timing(rows)
        what = "the ground truth itself (oracle self-test)" if args.oracle else "g2p"
        text = report(summary, times, f"# Diagrams: {len(rows)} hdBPMN photos parsed by {what}"
                                      f"\n\nMachine: {machine()}; torch "
                                      f"{metadata.version('torch')}")
        print(text)
        for row in rows:
            if "error" in row:
                print(f"failed: {row['file']}: {row['error']}")
        if out is None:
            return
        out.mkdir(parents=True, exist_ok=True)
        worst = copy_worst(rows, Path(keep), out / f"{stem}_worst")
        (out / f"{stem}.md").write_text(text)
        (out / f"{stem}.json").write_text(json.dumps(
            {"machine": machine(), "torch": metadata.version("torch"),
             "argv": sys.argv[1:] if argv is None else argv, "summary": summary,
             "timing": times, "worst": worst, "rows": rows}, indent=1) + "\n")
        if args.figure:
            chosen = write_figure(rows, images, Path(keep), out / "diagrams_figure.jpg")
            print(f"\nFigure caption: hdBPMN dev photos ({', '.join(chosen)}), each beside "
                  f"g2p's clean render of its parse. Photos: {CREDIT}.")


if __name__ == "__main__":
    main()
