"""`g2p gallery`: the paper's supplementary gallery for a folder of drawings.

For each drawing, in numeric order: the drawing (the ink map the networks read), the render of its
most likely spec, the program synthesized from that spec and, where the folder has ground truth,
the program of the ground-truth spec, with top-1/top-5 match and IoU.

Each drawing's record goes to OUT/items/<key>.json (images beside it) the moment it is done, so a
re-run skips what is finished (same input bytes, same settings, same ground truth) and a crash
loses nothing; a drawing that raises is recorded with its error and the batch goes on (and is
tried again by the next run). Work is spread over worker processes (`workers`) and machines
(`shard` = (I, N) takes every N-th drawing from the I-th); `merge_galleries` joins the parts.
The pages (index.html, gallery.tex, results.json) are rebuilt from all items in OUT/items
(gallery_pages.py).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Optional

from ..image.drawings import Drawing, load_drawing_folder
from ..errors import InputError
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
    from ..spec import spec_to_dict
    return spec_to_dict(drawing.spec)["primitives"] if drawing.spec is not None else None


def _write_json(path: Path, doc: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(dumps(doc))
    os.replace(tmp, path)  # atomic: a killed run never leaves half an item


# ---------------------------------------------------------------- one drawing

def gallery_item(pipeline, drawing: Drawing, out_dir, settings: dict) -> dict:
    """Infer, render, score and synthesize one drawing; write its item and images.

    Never raises for a bad drawing: the item then has an "error" message.
    """
    items = Path(out_dir) / ITEMS
    key = item_key(drawing.name)
    item = {"file": drawing.name, "key": key, "sha256": _sha256(drawing.path),
            "settings": settings, "truth": _truth_doc(drawing)}
    start = time.perf_counter()
    try:
        item.update(_infer_item(pipeline, drawing, items, key))
    except Exception as e:  # noqa: BLE001 - one bad drawing must not end the batch
        item["error"] = str(e) if isinstance(e, InputError) else f"{e.__class__.__name__}: {e}"
    else:
        item["seconds"] = round(time.perf_counter() - start, 4)
    _write_json(items / f"{key}.json", item)
    return item


def _infer_item(pipeline, drawing: Drawing, items: Path, key: str) -> dict:
    from .. import render
    from ..pipeline.scoring import score_drawing
    from ..spec import spec_to_dict
    from ..synth import program_cost

    result = pipeline.run_file(drawing.path)
    doc = {"drawing_png": f"{ITEMS}/{key}-drawing.png", "render_png": None,
           "specs": [{**spec_to_dict(s), "score": round(score, 4)} for s, score in result.specs],
           "primitives": len(result.best) if result.specs else 0,
           "program": result.program_text, "program_status": result.program_status,
           "program_cost": program_cost(result.program) if result.program is not None else None,
           "synth_s": round(result.timings.get("program_s", 0.0), 4),  # the program's own
           "timings": {k: round(v, 4) for k, v in result.timings.items()}}
    render.array_to_png(result.ink, items / f"{key}-drawing.png")
    if result.specs:
        render.save_png(result.best, items / f"{key}-render.png")
        doc["render_png"] = f"{ITEMS}/{key}-render.png"
    if drawing.spec is not None:
        doc.update(score_drawing(drawing.spec, [s for s, _ in result.specs]))
        if pipeline.config.program:
            doc.update(_truth_program(drawing.spec, doc, pipeline.config.synth_timeout))
    return doc


def _truth_program(truth, inferred: dict, timeout: float) -> dict:
    """The ground truth's program; the inferred one again when the best spec is the truth."""
    if inferred["top1"] and inferred["program"] is not None:
        return {"truth_program": inferred["program"],
                "truth_program_status": inferred["program_status"],
                "truth_program_cost": inferred["program_cost"],
                "truth_synth_s": inferred["synth_s"], "truth_program_same": True}
    from ..synth import synthesize

    r = synthesize(truth, timeout=timeout)
    return {"truth_program": r.text, "truth_program_status": r.status,
            "truth_program_cost": r.cost, "truth_synth_s": round(r.time_s, 4),
            "truth_program_same": False}


def _is_finished(out_dir: Path, drawing: Drawing, settings: dict) -> bool:
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

def run_gallery(directory, out_dir, config, workers: int = 1, shard: tuple = (1, 1),
                ground_truth=None, progress: Optional[Progress] = None) -> dict:
    """Build (or resume) the gallery of a drawing folder in out_dir.

    Args:
        directory: the drawings; ground truth from `ground_truth` or DIR/ground_truth.json.
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

    def on_item(_item) -> None:
        nonlocal finished
        finished += 1
        if progress:
            progress(finished, len(drawings))

    if todo and workers <= 1:
        from ..pipeline.core import Pipeline
        pipeline = Pipeline(config)
        for drawing in todo:
            on_item(gallery_item(pipeline, drawing, out, settings))
    elif todo:
        _run_workers(todo, out, config, settings, min(workers, len(todo)), on_item)
    summary = write_pages(out, title=Path(directory).name or str(directory),
                          shard=f"{index}/{count}" if count > 1 else None)
    return {**summary, "ran": len(todo), "resumed": len(drawings) - len(todo)}


def _worker(config, settings: dict, out_dir: str, conn) -> None:
    """A worker process: one Pipeline, then the drawings the parent sends until a None."""
    import cv2
    import torch

    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    try:
        from ..pipeline.core import Pipeline
        pipeline = Pipeline(config)
    except Exception as e:  # noqa: BLE001 - reported to the parent, which stops the batch
        is_input = isinstance(e, InputError)
        conn.send(("fatal", (is_input, str(e) if is_input else f"{type(e).__name__}: {e}")))
        return
    while (drawing := conn.recv()) is not None:
        conn.send(("done", gallery_item(pipeline, drawing, out_dir, settings)))


def _run_workers(todo: list, out: Path, config, settings: dict, workers: int,
                 on_item: Callable[[dict], None]) -> None:
    """Spread drawings over `workers` spawned processes, one drawing at a time each, over a
    pipe per worker: the parent always knows who holds what, so a worker that dies has its
    drawing recorded as failed and is replaced, and nothing it held can wedge the others."""
    import multiprocessing as mp
    from multiprocessing.connection import wait

    ctx = mp.get_context("spawn")
    pending = list(reversed(todo))  # pop() takes them in numeric order
    busy: dict = {}                 # parent end of a pipe -> [process, drawing it holds]
    procs = []

    def start() -> None:
        conn, child = ctx.Pipe()
        proc = ctx.Process(target=_worker, args=(config, settings, str(out), child))
        proc.start()
        child.close()
        procs.append(proc)
        busy[conn] = [proc, None]
        feed(conn)

    def feed(conn) -> None:
        drawing = pending.pop() if pending else None
        try:
            conn.send(drawing)
        except OSError:  # the worker is gone: the drawing waits for another
            if drawing is not None:
                pending.append(drawing)
            raise
        busy[conn][1] = drawing
        if drawing is None:  # no more work: the worker exits
            del busy[conn]

    def receive(conn) -> None:
        kind, payload = conn.recv()
        if kind == "fatal":  # the pipeline could not be built
            is_input, message = payload
            raise (InputError if is_input else RuntimeError)(message)
        on_item(payload)
        feed(conn)

    def lost(conn) -> None:
        proc, drawing = busy.pop(conn)
        proc.join(1.0)
        if drawing is not None:
            on_item(_record_crash(out, drawing, settings, proc.exitcode))
        if pending:
            start()

    for _ in range(workers):
        start()
    try:
        while busy:
            sentinels = {entry[0].sentinel: conn for conn, entry in busy.items()}
            for ready in wait(list(busy) + list(sentinels)):
                conn = sentinels.get(ready, ready)
                if conn not in busy:
                    continue  # already handled through its pipe or its sentinel
                try:
                    while conn in busy and conn.poll():
                        receive(conn)
                except (EOFError, OSError):
                    lost(conn)
                    continue
                if conn in busy and not busy[conn][0].is_alive():
                    lost(conn)
    finally:  # stopped early: kill the workers; done: they were told to exit
        for proc in procs:
            if proc.is_alive() and busy:
                proc.kill()
            proc.join(5.0)
            if proc.is_alive():  # a worker that would not end must not hang our exit
                proc.kill()
                proc.join()


def _record_crash(out: Path, drawing: Drawing, settings: dict, exitcode) -> dict:
    item = {"file": drawing.name, "key": item_key(drawing.name), "sha256": _sha256(drawing.path),
            "settings": settings, "truth": _truth_doc(drawing),
            "error": f"the worker process died (exit code {exitcode})"}
    _write_json(out / ITEMS / f"{item['key']}.json", item)
    return item


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
