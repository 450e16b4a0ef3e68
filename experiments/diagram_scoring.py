"""Scoring of a free-form diagram parse against hdBPMN's ground truth (issue 17).

Pure functions over two JSON documents, numpy only, so the benchmark and the tests score alike:
a `g2p infer --mode diagram --json` document (primitives in grid units plus `image_from_grid`)
and one photo's entry of `ground_truth.json` (pixels, origin top-left, y down).

- Shapes: a found rectangle, circle (or ellipse) or diamond matches a ground-truth shape of the
  same kind when their pixel boxes have IoU >= 0.5, one to one, greedily by IoU. A found box is
  its primitive's grid extent, its four corners mapped through `image_from_grid`, boxed in
  pixels. Ground-truth shapes of kind "other" (data objects, stores, annotations) are not
  scored: never misses, and a found shape left unmatched that overlaps one with IoU >= 0.5 is
  ignored rather than counted as a false positive (matching to scored shapes comes first).
- Flows: a found arrow (a path or line with `arrow`) finds a flow when its head lies within
  the tolerance of the flow's last waypoint and its tail within the tolerance of the first
  waypoint. The tail is followed back through arrowless paths and lines: any such stroke with
  an end within the tolerance of a reached end adds its far end, until none is left; the
  closest end reached counts. Tolerance: half the median short side of the photo's task boxes
  (else of its rectangles; else 5% of the image's short side, as the distance itself). One to
  one, greedily by head plus tail distance.
- Precision, recall and F1 are micro: true and false positives and misses are summed over
  photos before dividing. Flows split by the ground truth's `dashed` (a false positive by the
  found arrow's own flag).
"""
from __future__ import annotations

import numpy as np

SHAPE_KIND = {"rectangle": "rectangle", "circle": "circle", "ellipse": "circle",
              "diamond": "diamond"}
SHAPE_KINDS = ("rectangle", "circle", "diamond")
FLOW_KINDS = ("solid", "dashed")
UNSCORED = "other"
MIN_IOU = 0.5
TASK_TYPE = "task"
FALLBACK_SHARE = 0.05


def to_pixels(image_from_grid, points) -> np.ndarray:
    """Grid points (n, 2) -> image pixels (n, 2) (column, row) through the homography."""
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    mapped = np.column_stack([pts, np.ones(len(pts))]) @ np.asarray(image_from_grid, float).T
    return mapped[:, :2] / mapped[:, 2:3]


def grid_extent(p: dict) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) of a primitive's outline in grid units, from its JSON."""
    kind = p["kind"]
    if kind == "circle":
        r = p.get("r", 1)
        return p["x"] - r, p["y"] - r, p["x"] + r, p["y"] + r
    if kind in ("ellipse", "diamond"):
        return p["x"] - p["rx"], p["y"] - p["ry"], p["x"] + p["rx"], p["y"] + p["ry"]
    pts = stroke_points(p) if kind in ("path", "line") else np.array(
        [[p["x1"], p["y1"]], [p["x2"], p["y2"]]], float)
    return (*pts.min(axis=0), *pts.max(axis=0))


def stroke_points(p: dict) -> np.ndarray:
    """A path's or line's points in grid units, tail first (the head, if any, last)."""
    if p["kind"] == "line":
        return np.array([[p["x1"], p["y1"]], [p["x2"], p["y2"]]], float)
    return np.asarray(p["points"], float).reshape(-1, 2)


def pixel_box(p: dict, image_from_grid) -> np.ndarray:
    """The pixel box (x1, y1, x2, y2) around a primitive's grid extent mapped into the image."""
    x1, y1, x2, y2 = grid_extent(p)
    corners = to_pixels(image_from_grid, [[x1, y1], [x2, y1], [x2, y2], [x1, y2]])
    return np.concatenate([corners.min(axis=0), corners.max(axis=0)])


def box_iou(a, b) -> np.ndarray:
    """IoU of every box of `a` (n, 4) with every box of `b` (m, 4): an (n, m) matrix."""
    a, b = np.asarray(a, float).reshape(-1, 4), np.asarray(b, float).reshape(-1, 4)
    lo = np.maximum(a[:, None, :2], b[None, :, :2])
    hi = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(hi - lo, 0, None).prod(axis=-1)
    area_a = np.clip(a[:, 2:] - a[:, :2], 0, None).prod(axis=-1)
    area_b = np.clip(b[:, 2:] - b[:, :2], 0, None).prod(axis=-1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def greedy_pairs(priority: np.ndarray, allowed: np.ndarray) -> list[tuple[int, int]]:
    """One-to-one pairs (i, j) among the allowed ones, highest priority first."""
    rows, cols = np.nonzero(allowed)
    order = np.argsort(-priority[rows, cols], kind="stable")
    used_i, used_j, pairs = set(), set(), []
    for k in order:
        i, j = int(rows[k]), int(cols[k])
        if i not in used_i and j not in used_j:
            used_i.add(i)
            used_j.add(j)
            pairs.append((i, j))
    return pairs


def empty_counts(kinds) -> dict:
    return {kind: {"tp": 0, "fp": 0, "fn": 0} for kind in kinds}


def score_shapes(found: list[dict], truth: dict, image_from_grid) -> tuple[dict, int]:
    """Per kind true positives, false positives and misses, and how many found shapes were
    ignored for overlapping an unscored ("other") ground-truth shape."""
    counts = empty_counts(SHAPE_KINDS)
    shapes = [p for p in found if p["kind"] in SHAPE_KIND]
    found_kinds = np.array([SHAPE_KIND[p["kind"]] for p in shapes], dtype=object)
    truth_kinds = np.array([s["kind"] for s in truth["shapes"]], dtype=object)
    iou = box_iou([pixel_box(p, image_from_grid) for p in shapes],
                  [s["box"] for s in truth["shapes"]])
    same = found_kinds[:, None] == truth_kinds[None, :]
    pairs = greedy_pairs(iou, same & (iou >= MIN_IOU))
    for _, j in pairs:
        counts[truth_kinds[j]]["tp"] += 1
    matched_found, matched_truth = {i for i, _ in pairs}, {j for _, j in pairs}
    unscored = truth_kinds == UNSCORED
    ignored = 0
    for i, kind in enumerate(found_kinds):
        if i in matched_found:
            continue
        if (iou[i, unscored] >= MIN_IOU).any():
            ignored += 1
        else:
            counts[kind]["fp"] += 1
    for j, kind in enumerate(truth_kinds):
        if j not in matched_truth and kind != UNSCORED:
            counts[kind]["fn"] += 1
    return counts, ignored


def flow_tolerance(truth: dict) -> float:
    """Half the median short side of the task boxes (else of all rectangles); else 5% of the
    image's short side."""
    for keep in (lambda s: s["type"] == TASK_TYPE, lambda s: s["kind"] == "rectangle"):
        sides = [min(s["box"][2] - s["box"][0], s["box"][3] - s["box"][1])
                 for s in truth["shapes"] if keep(s)]
        if sides:
            return 0.5 * float(np.median(sides))
    return FALLBACK_SHARE * min(truth["width"], truth["height"])


def tail_ends(tail: np.ndarray, strokes: list[np.ndarray], tolerance: float) -> np.ndarray:
    """Every end reached from an arrow's tail through arrowless strokes (pixel polylines)
    whose one end lies within the tolerance of an end already reached; the tail included."""
    reached, frontier, unused = [tail], [tail], list(range(len(strokes)))
    while frontier:
        point = frontier.pop()
        for k in list(unused):
            ends = strokes[k][[0, -1]]
            near = np.hypot(*(ends - point).T)
            if near.min() <= tolerance:
                unused.remove(k)
                far = ends[1 - int(near.argmin())]
                reached.append(far)
                frontier.append(far)
    return np.array(reached)


def score_flows(found: list[dict], truth: dict, image_from_grid) -> dict:
    """Solid and dashed flows (by the ground truth's flag): true positives, false positives
    (by the found arrow's flag) and misses."""
    counts = empty_counts(FLOW_KINDS)
    tolerance = flow_tolerance(truth)
    strokes = [p for p in found if p["kind"] in ("path", "line")]
    pixels = [to_pixels(image_from_grid, stroke_points(p)) for p in strokes]
    arrows = [k for k, p in enumerate(strokes) if p.get("arrow", False)]
    plain = [pixels[k] for k, p in enumerate(strokes) if not p.get("arrow", False)]
    flows = truth["flows"]
    cost = np.full((len(arrows), len(flows)), np.inf)
    for i, k in enumerate(arrows):
        head, ends = pixels[k][-1], tail_ends(pixels[k][0], plain, tolerance)
        for j, flow in enumerate(flows):
            first, last = np.asarray(flow["points"][0]), np.asarray(flow["points"][-1])
            head_d = float(np.hypot(*(head - last)))
            tail_d = float(np.hypot(*(ends - first).T).min())
            if head_d <= tolerance and tail_d <= tolerance:
                cost[i, j] = head_d + tail_d
    pairs = greedy_pairs(-cost, np.isfinite(cost))
    matched_arrows, matched_flows = {i for i, _ in pairs}, {j for _, j in pairs}
    for j in matched_flows:
        counts[flow_kind(flows[j])]["tp"] += 1
    for i, k in enumerate(arrows):
        if i not in matched_arrows:
            counts[flow_kind(strokes[k])]["fp"] += 1
    for j, flow in enumerate(flows):
        if j not in matched_flows:
            counts[flow_kind(flow)]["fn"] += 1
    return counts


def flow_kind(item: dict) -> str:
    return "dashed" if item.get("dashed", False) else "solid"


def primitives_of(doc: dict) -> list[dict]:
    """The best spec's primitives of a `g2p infer --json` document (none when it has no spec)."""
    specs = doc.get("specs") or []
    return list(specs[0].get("primitives", [])) if specs else []


def score_document(doc: dict, truth: dict) -> dict:
    """One photo's counts: {"shapes": {kind: {tp, fp, fn}}, "flows": {solid|dashed: ...},
    "ignored": n}. ValueError when the document has no image_from_grid."""
    if doc.get("image_from_grid") is None:
        raise ValueError("the document has no image_from_grid")
    found = primitives_of(doc)
    shapes, ignored = score_shapes(found, truth, doc["image_from_grid"])
    return {"shapes": shapes, "flows": score_flows(found, truth, doc["image_from_grid"]),
            "ignored": ignored}


def nothing_found(truth: dict) -> dict:
    """The counts of a photo whose parse failed: every scored shape and flow missed."""
    return score_document({"specs": [], "image_from_grid": np.eye(3)}, truth)


def prf(counts: dict) -> dict:
    """Precision, recall and F1 of summed counts (an empty side counts as perfect)."""
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {**counts, "precision": precision, "recall": recall, "f1": f1}


def total(per_kind: dict) -> dict:
    return {key: sum(c[key] for c in per_kind.values()) for key in ("tp", "fp", "fn")}


def summarise(photos: list[dict]) -> dict:
    """Micro precision, recall and F1 over photos' counts (score_document's): shapes overall
    and per kind, flows overall and solid / dashed."""
    out = {}
    for group, kinds in (("shapes", SHAPE_KINDS), ("flows", FLOW_KINDS)):
        summed = {kind: total({n: c[group][kind] for n, c in enumerate(photos)})
                  for kind in kinds}
        out[group] = {"all": prf(total(summed)), **{k: prf(v) for k, v in summed.items()}}
    out["ignored"] = sum(c["ignored"] for c in photos)
    return out


def photo_f1(counts: dict) -> tuple[float, float]:
    """(shape F1, flow F1) of one photo's counts, for ranking the worst photos."""
    return prf(total(counts["shapes"]))["f1"], prf(total(counts["flows"]))["f1"]
