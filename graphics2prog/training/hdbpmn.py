"""Real training pairs from the annotated diagrams of ../shared/diagrams/hdbpmn/train: each photo
with a label map saying which kind of stroke every ink pixel belongs to.

The annotations give boxes, flow waypoints and word boxes, not pixels, so a pixel's label comes
from the annotated element whose ideal outline lies nearest to it: a rectangle's four sides, the
ellipse or diamond inscribed in a circle's or gateway's box, a flow's polyline (its last stretch
is the head), a word's box. Ink far from every element is left unlabelled (ignored by the loss)
rather than guessed, and ink inside a circle or diamond but off its outline (icons, markers)
is "other". Ink itself is found as the photo's density above its paper (image/ink.py); right on
an element's outline or path fainter ink counts too (light pencil dashes and container sides,
which a single level left as paper and so taught the network to ignore).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np
from tqdm import tqdm

from ..diagram_scenes import STROKE_CLASSES
from ..image.ink import ink_from_gray
from ..infer.stroke_maps import READ_SIDE

IGNORE = 255
CLASS = {name: i for i, name in enumerate(STROKE_CLASSES)}
OUTLINE_KINDS = {"rectangle": "rectangle", "circle": "ellipse", "diamond": "diamond",
                 "other": "other"}


@dataclass(frozen=True)
class LabelConfig:
    """How annotations become pixel labels, in pixels of the image as scaled (long side)."""
    long_side: int = READ_SIDE
    ink_level: float = 0.18     # ink (image/ink.py scale) that counts as a stroke pixel,
    faint_level: float = 0.07   # ... or this much within `faint_reach` px of an element: a
    faint_reach: float = 3.0    # ... faint pencil dash or side is still that element's
    reach: float = 9.0          # px: ink further than this from every element is unlabelled
    head_length: float = 0.25   # of the median task box's short side: the head's stretch
    head_slack: float = 2.0     # px: barbs up to this much nearer another element are head
    text_margin: float = 3.0    # px: outlines this close beat a word's box


def _outline_mask(kind: str, box, shape: tuple[int, int]) -> np.ndarray:
    """uint8 mask with the ideal outline of an annotated shape drawn 1 px wide."""
    mask = np.zeros(shape, np.uint8)
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    if kind == "ellipse":
        cv2.ellipse(mask, (((x1 + x2) / 2, (y1 + y2) / 2), (x2 - x1, y2 - y1), 0), 255, 1)
    elif kind == "diamond":
        cx, cy = (x1 + x2) // 2, (y1 + y2) // 2
        pts = np.array([[cx, y1], [x2, cy], [cx, y2], [x1, cy]], np.int32)
        cv2.polylines(mask, [pts], True, 255, 1)
    elif kind == "other":
        cv2.rectangle(mask, (x1, y1), (x2, y2), 255, -1)
    else:
        cv2.rectangle(mask, (x1, y1), (x2, y2), 255, 1)
    return mask


def _distance(mask: np.ndarray) -> np.ndarray:
    """Distance of every pixel to the mask's nearest set pixel (inf when the mask is empty)."""
    if not mask.any():
        return np.full(mask.shape, np.inf, np.float32)
    return cv2.distanceTransform((mask == 0).astype(np.uint8), cv2.DIST_L2, 3)


def _class_masks(truth: dict, scale: float, shape: tuple[int, int],
                 config: LabelConfig) -> tuple[dict, np.ndarray]:
    """Ideal geometry per class (uint8 masks) and the mask of circle/diamond interiors."""
    masks = {name: np.zeros(shape, np.uint8) for name in STROKE_CLASSES[1:]}
    inside = np.zeros(shape, np.uint8)
    task_sides = [min(s["box"][2] - s["box"][0], s["box"][3] - s["box"][1]) * scale
                  for s in truth["shapes"] if s["type"] == "task"]
    head = config.head_length * (float(np.median(task_sides)) if task_sides else 60 * scale)
    for s in truth["shapes"]:
        kind = OUTLINE_KINDS.get(s["kind"], "other")
        box = [v * scale for v in s["box"]]
        masks[kind] |= _outline_mask(kind, box, shape)
        if kind in ("ellipse", "diamond"):
            x1, y1, x2, y2 = (int(round(v)) for v in box)
            cv2.rectangle(inside, (x1, y1), (x2, y2), 255, -1)
    for f in truth["flows"]:
        pts = np.array(f["points"], np.float64) * scale
        cv2.polylines(masks["arrow"], [pts.round().astype(np.int32)], False, 255, 1)
        cv2.circle(masks["head"], tuple(int(v) for v in pts[-1].round()), max(2, int(head)),
                   255, -1)
    for w in truth["words"]:
        x1, y1, x2, y2 = (int(round(v * scale)) for v in w["box"])
        cv2.rectangle(masks["text"], (x1, y1), (x2, y2), 255, -1)
    return masks, inside


def label_map(ink: np.ndarray, truth: dict, scale: float, config: LabelConfig) -> np.ndarray:
    """uint8 (H, W) labels for an ink map (float, the image as scaled by `scale`)."""
    shape = ink.shape
    masks, inside = _class_masks(truth, scale, shape, config)
    names = list(STROKE_CLASSES[1:])
    dist = np.stack([_distance(masks[n]) for n in names])  # (C-1, H, W)
    dist[names.index("text")] += config.text_margin
    dist[names.index("head")] = np.inf  # the head is the flow's end: decided below
    nearest = dist.argmin(0)
    # the flow's body near its end, and barbs no nearer any other element, are its head
    arrow = names.index("arrow")
    near_end = (masks["head"] > 0) & (dist[arrow] <= dist.min(0) + config.head_slack)
    nearest[near_end] = names.index("head")
    dist[arrow][near_end] = dist.min(0)[near_end]
    labels = np.where(dist.min(0) <= config.reach, nearest + 1, IGNORE).astype(np.uint8)
    labels[(labels == IGNORE) & (inside > 0)] = CLASS["other"]
    stroke = (ink >= config.ink_level) | ((ink >= config.faint_level)
                                          & (dist.min(0) <= config.faint_reach))
    labels[~stroke] = CLASS["background"]
    return labels


def scaled_photo(path: Path, long_side: int) -> tuple[np.ndarray, float]:
    """uint8 RGB of a photo with its long side at `long_side` px, and the scale applied."""
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"{path}: not a readable image")
    scale = long_side / max(bgr.shape[:2])
    size = (round(bgr.shape[1] * scale), round(bgr.shape[0] * scale))
    bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), scale


def labelled_photos(split_dir, config: LabelConfig = LabelConfig()
                    ) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """(name, rgb uint8, labels uint8) for every annotated photo of a split folder."""
    split_dir = Path(split_dir)
    truth = json.loads((split_dir / "ground_truth.json").read_text())
    for name in sorted(truth):
        rgb, scale = scaled_photo(split_dir / "images" / name, config.long_side)
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
        yield name, rgb, label_map(ink_from_gray(gray), truth[name], scale, config)


def write_cache(split_dir, out_dir, config: LabelConfig = LabelConfig(),
                progress: bool = True) -> int:
    """Write NAME.jpg/NAME.png (photo, labels) pairs for training; returns how many."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    photos = labelled_photos(split_dir, config)
    for name, rgb, labels in tqdm(photos, disable=not progress, unit="photo", delay=1.0):
        stem = Path(name).stem
        cv2.imwrite(str(out / f"{stem}.jpg"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                    [cv2.IMWRITE_JPEG_QUALITY, 92])
        cv2.imwrite(str(out / f"{stem}.png"), labels)
        n += 1
    return n
