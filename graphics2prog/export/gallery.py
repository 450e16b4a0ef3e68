"""`g2p gallery`: the paper's supplementary gallery for a folder of drawings.

For each drawing, in numeric order: the drawing (the ink map the networks read), the render of its
most likely spec, the program synthesized from that spec and, where the folder has ground truth,
the program of the ground-truth spec, with top-1/top-5 match and IoU.

The drawings run through the pipeline's batch runner (pipeline/batch.py), in this process or in
worker processes (`workers`); `gallery_record` is its per-drawing function. Each drawing's record
goes to OUT/items/<key>.json (images beside it) the moment it is done, so a re-run skips what is
finished (same input bytes, same settings, same ground truth) and a crash loses nothing; a
drawing that raises, or whose worker dies, is recorded with its error and the batch goes on (and
is tried again by the next run). Machines split the work by `shard` ((I, N) takes every N-th
drawing from the I-th); `merge_galleries` joins the parts.
The pages (index.html, gallery.tex, results.json) are rebuilt from all items in OUT/items
(gallery_pages.py).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Callable, Optional

from .. import render
from ..errors import InputError
from ..image.drawings import Drawing, load_drawing_folder
from ..pipeline.batch import run_batch
from ..pipeline.core import InferConfig, Pipeline
from ..pipeline.scoring import score_result
from ..spec import spec_to_dict
from ..synth import program_cost, synthesize
from .gallery_pages import ITEMS, dumps, load_items, write_pages

Progress = Callable[[int, int], None]  # (finished drawings, all drawings of this run)


def item_key(name: str) -> str:
    """A file-name-safe key for a drawing (letters, digits, '-'): expert-1.png -> expert-1-png.
    LaTeX's \\includegraphics and every browser read it without quoting."""
    return re.sub(r"[^A-Za-z0-9-]+", "-", name).strip("-") or "drawing"


def run_settings(config) -> dict:
    """What decides a drawing's result: the InferConfig without the device."""
    settings = asdict(config)
    settings.pop("device", None)
    return settings


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _truth_doc(drawing: Drawing):
    return spec_to_dict(drawing.spec)["primitives"] if drawing.spec is not None else None


def _write_json(path: Path, doc: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(dumps(doc))
    os.replace(tmp, path)  # atomic: a killed run never leaves half an item


# ---------------------------------------------------------------- one drawing

def _item_head(drawing: Drawing, settings: dict) -> dict:
    """What an item says of its input, so a re-run can tell whether it is still current."""
    return {"file": drawing.name, "key": item_key(drawing.name),
            "sha256": _sha256(drawing.path), "settings": settings, "truth": _truth_doc(drawing)}


def gallery_record(pipeline: Pipeline, drawing: Drawing, out_dir: str) -> dict:
    """Infer, render, score and synthesize one drawing; its images go to OUT/items/.

    The batch runner (pipeline/batch.py) calls this, in a worker process or here, and records
    what it raises as the drawing's error.
    """
    items, key = Path(out_dir) / ITEMS, item_key(drawing.name)
    result = pipeline.run_file(drawing.path)
    doc = {**result.to_json(), "file": drawing.name,
           "drawing_png": f"{ITEMS}/{key}-drawing.png", "render_png": None,
           "program_cost": program_cost(result.program) if result.program is not None else None,
           "synth_s": round(result.timings.get("program_s", 0.0), 4),  # the program's own
           **score_result(result, drawing)}
    render.array_to_png(result.ink, items / f"{key}-drawing.png")
    if result.specs:
        render.save_png(result.best, items / f"{key}-render.png")
        doc["render_png"] = f"{ITEMS}/{key}-render.png"
    if drawing.spec is not None and pipeline.config.program:
        doc.update(_truth_program(drawing.spec, doc, pipeline.config.synth_timeout))
    return doc


def _truth_program(truth, inferred: dict, timeout: float) -> dict:
    """The ground truth's program; the inferred one again when the best spec is the truth."""
    if inferred["top1"] and inferred["program"] is not None:
        return {"truth_program": inferred["program"],
                "truth_program_status": inferred["program_status"],
                "truth_program_cost": inferred["program_cost"],
                "truth_synth_s": inferred["synth_s"], "truth_program_same": True}
    r = synthesize(truth, timeout=timeout)
    return {"truth_program": r.text, "truth_program_status": r.status,
            "truth_program_cost": r.cost, "truth_synth_s": round(r.time_s, 4),
            "truth_program_same": False}


def _is_finished(out_dir: Path, drawing: Drawing, settings: dict) -> bool:
    """Whether the drawing's item is done and current: no error, same input, settings and
    ground truth, its images in place (a re-run skips it)."""
    path = out_dir / ITEMS / f"{item_key(drawing.name)}.json"
    try:
        item = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return ("error" not in item and item.get("settings") == settings
            and item.get("file") == drawing.name and item.get("sha256") == _sha256(drawing.path)
            and item.get("truth") == _truth_doc(drawing)
            and all((out_dir / p).is_file() for p in (item.get("drawing_png"),
                                                      item.get("render_png")) if p))


# ---------------------------------------------------------------- the batch

def run_gallery(directory, out_dir, config: InferConfig, workers: int = 1,
                shard: tuple = (1, 1), ground_truth=None,
                progress: Optional[Progress] = None) -> dict:
    """Build (or resume) the gallery of a drawing folder in out_dir.

    Args:
        directory: the drawings; ground truth from `ground_truth`, DIR/ground_truth.json or
            NAME.json beside an image.
        out_dir: items/, index.html, gallery.tex and results.json are written here.
        config: the pipeline's InferConfig (one Pipeline is built per worker process).
        workers: processes; 1 runs in this process.
        shard: (I, N) takes drawings I-1, I-1+N, ... of the folder's numeric order.
    Returns:
        results.json's summary, plus "ran" and "resumed" (drawings done now / skipped).
    """
    index, count = shard
    if not 1 <= index <= count:
        raise InputError(f"--shard {index}/{count}: expected I/N with 1 <= I <= N")
    drawings = load_drawing_folder(directory, ground_truth)
    if not drawings:
        raise InputError(f"{directory}: no images found")
    drawings = drawings[index - 1::count]
    out = Path(out_dir)
    (out / ITEMS).mkdir(parents=True, exist_ok=True)
    settings = run_settings(config)
    todo = [d for d in drawings if not _is_finished(out, d, settings)]
    finished = len(drawings) - len(todo)
    if progress:
        progress(finished, len(drawings))

    def save(drawing: Drawing, record: dict) -> None:
        """Write the drawing's item the moment it ends (a failure too: the pages show it)."""
        nonlocal finished
        item = {**_item_head(drawing, settings), **record}
        _write_json(out / ITEMS / f"{item['key']}.json", item)
        finished += 1
        if progress:
            progress(finished, len(drawings))

    run_batch(todo, config, partial(gallery_record, out_dir=str(out)), workers=workers,
              on_record=save)
    summary = write_pages(out, title=Path(directory).name or str(directory),
                          shard=f"{index}/{count}" if count > 1 else None)
    return {**summary, "ran": len(todo), "resumed": len(drawings) - len(todo)}


# ---------------------------------------------------------------- merging parts

def merge_galleries(parts: list, out_dir) -> dict:
    """Join galleries written by `--shard I/N` runs into out_dir and rebuild its pages.

    Where two parts hold the same drawing, one without an error wins, else the later part.
    """
    out = Path(out_dir)
    found = []
    for part in map(Path, parts):
        if not (part / ITEMS).is_dir():
            raise InputError(f"{part}: not a gallery (no {ITEMS}/ folder)")
        found += [(part, item) for item in load_items(part)]
    (out / ITEMS).mkdir(parents=True, exist_ok=True)
    chosen: dict[str, tuple] = {}
    for part, item in found:
        old = chosen.get(item["key"])
        if old is None or "error" not in item or "error" in old[1]:
            chosen[item["key"]] = (part, item)
    for part, item in chosen.values():
        if part.resolve() == out.resolve():
            continue
        for rel in (item.get("drawing_png"), item.get("render_png")):
            if rel and (part / rel).is_file():
                shutil.copy2(part / rel, out / rel)
        _write_json(out / ITEMS / f"{item['key']}.json", item)
    title = next((json.loads((p / "results.json").read_text()).get("title")
                  for p in map(Path, parts) if (p / "results.json").is_file()), out.name)
    return write_pages(out, title=title or out.name)
