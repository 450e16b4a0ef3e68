"""A stand-in for `g2p infer PHOTO --mode diagram --json --out DIR` that answers with the
photo's ground truth: the self-test of the diagram benchmark, which must score F1 = 1.0.

The ground truth (pixels, y down) becomes grid primitives (integer units, y up) under an
`image_from_grid` with a scale, an offset and a homogeneous weight of 2, so the scoring's
mapping is exercised; bent flows are split into an arrowless first leg and an arrow through the
rest, so the tail is only reached through an arrowless stroke; data objects and stores become
rectangles, which the scoring must ignore. With --out it writes overlay.png (the parse drawn over
the photo) and render.png, as `g2p infer --out` does.

    python experiments/diagram_oracle.py infer PHOTO [--out DIR] [--json] [...]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from graphics2prog import render
from graphics2prog.export.overlay import draw_overlay
from graphics2prog.spec import CLASSES

PX_PER_UNIT = 2.0
ORIGIN = (3.0, 5.0)   # grid (0, 0) lies this many pixels right of and below the image's corner
WEIGHT = 2.0          # the homogeneous w, so a consumer that forgets to divide by it misses
RENDER_PX = 800


def image_from_grid(height: int) -> np.ndarray:
    s, (ox, oy) = PX_PER_UNIT, ORIGIN
    return WEIGHT * np.array([[s, 0, ox], [0, -s, height + oy], [0, 0, 1]])


def to_grid(height: int, x: float, y: float) -> list[int]:
    """A pixel (column, row) as the nearest grid point."""
    s, (ox, oy) = PX_PER_UNIT, ORIGIN
    return [round((x - ox) / s), round((height + oy - y) / s)]


def shape_primitive(shape: dict, height: int) -> dict:
    x1, y1, x2, y2 = shape["box"]
    (gx1, gy1), (gx2, gy2) = to_grid(height, x1, y2), to_grid(height, x2, y1)
    if shape["kind"] in ("rectangle", "other"):
        return {"kind": "rectangle", "x1": gx1, "y1": gy1, "x2": gx2, "y2": gy2,
                "rounded": shape["type"] == "task"}
    x, y = to_grid(height, (x1 + x2) / 2, (y1 + y2) / 2)
    rx = max(1, round((x2 - x1) / 2 / PX_PER_UNIT))
    ry = max(1, round((y2 - y1) / 2 / PX_PER_UNIT))
    if shape["kind"] == "circle" and rx == ry:
        return {"kind": "circle", "x": x, "y": y, "r": rx}
    kind = "ellipse" if shape["kind"] == "circle" else "diamond"
    return {"kind": kind, "x": x, "y": y, "rx": rx, "ry": ry}


def flow_primitives(flow: dict, height: int) -> list[dict]:
    """A flow as one arrow path, or a bent one as an arrowless first leg and an arrow on."""
    points = []
    for x, y in flow["points"]:
        q = to_grid(height, x, y)
        if not points or q != points[-1]:
            points.append(q)
    if len(points) < 3:
        return [{"kind": "path", "points": points, "arrow": True, "dashed": flow["dashed"]}]
    return [{"kind": "path", "points": points[:2], "arrow": False, "dashed": flow["dashed"]},
            {"kind": "path", "points": points[1:], "arrow": True, "dashed": flow["dashed"]}]


def oracle_document(name: str, truth: dict) -> dict:
    """The `g2p infer --json` document a perfect parser would print for this photo."""
    h = truth["height"]
    primitives = [shape_primitive(s, h) for s in truth["shapes"]]
    primitives += [p for f in truth["flows"] for p in flow_primitives(f, h)]
    for word in truth["words"]:
        (x1, y1), (x2, y2) = to_grid(h, *word["box"][:2]), to_grid(h, *word["box"][2:])
        if x1 != x2 and y1 != y2 and word["text"].strip():
            primitives.append({"kind": "text", "x1": x1, "y1": y2, "x2": x2, "y2": y1,
                               "text": word["text"]})
    return {"file": name, "specs": [{"primitives": primitives, "score": 0.0}],
            "program": None, "program_status": "skipped", "timings": {},
            "image_from_grid": image_from_grid(h).tolist()}


def write_files(photo: Path, doc: dict, out: Path) -> None:
    """overlay.png and render.png, as `g2p infer --out` writes them."""
    out.mkdir(parents=True, exist_ok=True)
    rgb = np.asarray(ImageOps.exif_transpose(Image.open(photo)).convert("RGB"))
    primitives = doc["specs"][0]["primitives"]
    Image.fromarray(draw_overlay(rgb, primitives, np.asarray(doc["image_from_grid"]))).save(
        out / "overlay.png")
    spec = [CLASSES[p["kind"]](**{k: v for k, v in p.items() if k != "kind"})
            for p in primitives]
    units = render.canvas_units(spec)
    render.save_png(spec, out / "render.png", round(RENDER_PX * render.GRID_MAX / units), units)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=("infer",))
    ap.add_argument("photo", type=Path)
    ap.add_argument("--out", type=Path)
    args, _ = ap.parse_known_args()   # --mode, --json, --quiet and the rest: as g2p takes them
    truth = json.loads((args.photo.parent.parent / "ground_truth.json").read_text())
    doc = oracle_document(args.photo.name, truth[args.photo.name])
    if args.out is not None:
        write_files(args.photo, doc, args.out)
    print(json.dumps(doc))


if __name__ == "__main__":
    main()
