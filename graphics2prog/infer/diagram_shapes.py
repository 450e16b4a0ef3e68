"""Shapes of a diagram: of the candidates on one region (diagram_regions.py) the best
supported, less what no one drew as a shape: the squares of graph paper, the holes punched in
the sheet, and containers' title strips. Also where arrows start and end: the shapes' outlines.
"""
from __future__ import annotations

import cv2
import numpy as np

from ..diagram_scenes import ARROW, ELLIPSE, RECTANGLE
from .diagram_regions import (FoundShape, ShapeConfig, candidates, ideal_outline, outline_support,
                              reach_for, seen_within, sides)
from .stroke_maps import StrokeMaps


def iou(a, b) -> float:
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    if ix <= 0 or iy <= 0:
        return 0.0
    inter = ix * iy
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / area


def outlines(shapes: list[FoundShape], shape: tuple[int, int], width: int) -> np.ndarray:
    """bool (H, W): the ideal outlines of `shapes`, `width` px wide."""
    return _numbered_outlines(shapes, shape, width) > 0


def explained_by(shapes: list[FoundShape], shape: tuple[int, int], width: int) -> np.ndarray:
    """int32 (H, W): where arrows start, the outlines of the shapes that contain no other shape
    (`width` px wide), each numbered from 1. A container's long sides pass near most arrows'
    ends; taken as places arrows start, they pulled tails off the boxes the arrows leave."""
    return _numbered_outlines(_uncontaining(shapes), shape, width)


def _numbered_outlines(shapes: list[FoundShape], shape: tuple[int, int],
                       width: int) -> np.ndarray:
    """int32 (H, W): the ideal outlines of `shapes`, `width` px wide, each numbered from 1
    (0: none; where two cross, the later one's)."""
    ids = np.zeros(shape, np.int32)
    for number, s in enumerate(shapes, 1):
        ids[ideal_outline(s.kind, s.box, shape, width) > 0] = number
    return ids


def crossed_sides(shapes: list[FoundShape], shape: tuple[int, int], width: int,
                  long: float) -> np.ndarray:
    """bool (H, W): the outlines, among those arrows start at (`explained_by`), of rectangles
    with a side at least `long` px: a pool's or a lane's, which flows also cross (a message
    flow from one pool to another) where its contents were not found to make it a container."""
    return outlines([s for s in _uncontaining(shapes)
                     if s.kind == "rectangle" and max(sides(s.box)) >= long], shape, width)


def _uncontaining(shapes: list[FoundShape]) -> list[FoundShape]:
    """The shapes that contain no other shape."""
    return [s for s in shapes if not any(_inside(k.box, s.box) for k in shapes if k is not s)]


def _inside(inner, outer) -> bool:
    """Whether box `inner`'s centre lies in box `outer` and `inner` is the smaller."""
    cx, cy = (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2
    smaller = np.prod(sides(inner)) < np.prod(sides(outer))
    return smaller and outer[0] <= cx <= outer[2] and outer[1] <= cy <= outer[3]


def _same_shape(s: FoundShape, k: FoundShape, config: ShapeConfig) -> bool:
    """Two candidates for one shape: any that overlap much (for rectangles too: a lane read
    twice, once to a side's end and once to where a flow crosses it; on held-out train
    writers, shapes F1 +0.007), rectangles whose four sides lie close (the inside and the
    outside of one outline; rectangles nest for real, lanes in a pool, boxes in a lane), or
    three, the fourth a title strip apart (a container with and without its title strip),
    other shapes that lie one inside another of their kind (a double ring, the parts a marker
    cuts a diamond into)."""
    if iou(s.box, k.box) >= config.overlap:
        return True
    if s.kind == k.kind == "rectangle":  # a lane fills most of its pool, yet is another box
        size = min(*sides(s.box), *sides(k.box))
        slack = max(config.same_side, config.same_share * size)
        apart = [i for i, (a, b) in enumerate(zip(s.box, k.box)) if abs(a - b) > slack]
        if len(apart) != 1:
            return not apart
        across = max(sides(s.box)[apart[0] % 2], sides(k.box)[apart[0] % 2])
        return abs(s.box[apart[0]] - k.box[apart[0]]) <= config.header * across
    return s.kind == k.kind and (_inside(s.box, k.box) or _inside(k.box, s.box))


def _outer_ring(ring: FoundShape, seen: dict, config: ShapeConfig) -> FoundShape:
    """The outermost of concentric rings around `ring` the network sees all the way round,
    paper between them (a double ring whose outer ring, crossed by other strokes, made no
    region of its own; not the outer edge of a thick ring). `seen`: from seen_within, with
    0 (the strokes themselves) among its reaches."""
    cx, cy = (ring.box[0] + ring.box[2]) / 2, (ring.box[1] + ring.box[3]) / 2
    rx, ry = sides(ring.box)[0] / 2, sides(ring.box)[1] / 2

    def around(grow):
        return (cx - grow * rx, cy - grow * ry, cx + grow * rx, cy + grow * ry)

    best = ring
    for grow in config.rings:
        box = around(grow)
        reach = reach_for(box, config)
        if (grow - 1) * min(rx, ry) < config.ring_gap * reach + config.halo:  # its own stroke
            continue
        score = outline_support(seen[reach], "ellipse", box)
        between = outline_support(seen[0], "ellipse", around((1 + grow) / 2))
        if score >= config.ring_support and between < config.support:
            best = FoundShape("ellipse", box, score)
    return best


def _aspect(box) -> float:
    """How many times longer than wide a box is."""
    return max(sides(box)) / max(1e-9, min(sides(box)))


def _side_by_side(whole: FoundShape, parts: list[FoundShape], config: ShapeConfig) -> bool:
    """Whether an elongated outline around round `parts` lying apart is shapes of their own
    that a stroke between them joined (two events an arrow links), not one shape cut into
    parts (the rings of a double ring lie one in the other; a marker cuts a round shape
    into pieces that are no rounder than it)."""
    if _aspect(whole.box) < config.merged:
        return False
    round_ = [k for k in parts if _aspect(k.box) <= config.round]
    return any(iou(a.box, b.box) == 0 for i, a in enumerate(round_) for b in round_[i + 1:])


def _is_header(strip: FoundShape, box: FoundShape, config: ShapeConfig) -> bool:
    """Whether rectangle `strip` is the header of rectangle `box`: it runs along one of the
    box's sides, sharing that side and the two beside it, and spans a small share across (a
    container's title strip, closed by the line that sets the title apart, is no box)."""
    if strip.kind != "rectangle" or box.kind != "rectangle" or strip is box:
        return False
    (sx1, sy1, sx2, sy2), (bx1, by1, bx2, by2) = strip.box, box.box
    slack = max(config.same_side, config.same_share * min(sides(strip.box)))

    def near(a, b):
        return abs(a - b) <= slack

    bw, bh = sides(box.box)
    if not (bx1 - slack <= sx1 and by1 - slack <= sy1
            and sx2 <= bx2 + slack and sy2 <= by2 + slack):
        return False
    across_x = sx2 - sx1 <= config.header * bw and near(sy1, by1) and near(sy2, by2)
    across_y = sy2 - sy1 <= config.header * bh and near(sx1, bx1) and near(sx2, bx2)
    return ((across_x and (near(sx1, bx1) or near(sx2, bx2)))
            or (across_y and (near(sy1, by1) or near(sy2, by2))))


def _tiles(shapes: list[FoundShape], side: float, config: ShapeConfig) -> set:
    """Indices of small rectangles that come in a crowd of one size: the squares of graph
    paper whose lines the network took for outlines, not boxes anyone drew."""
    size = {i: sides(s.box) for i, s in enumerate(shapes)
            if s.kind == "rectangle" and max(sides(s.box)) < config.tile_size * side}
    tiles = set()
    for w, h in size.values():
        alike = [j for j, (wj, hj) in size.items()
                 if abs(wj - w) <= config.tile_slack * w and abs(hj - h) <= config.tile_slack * h]
        if len(alike) >= config.tile_crowd:
            tiles.update(alike)
    return tiles


def _disc(shape: FoundShape, labels: np.ndarray, fill: float) -> bool:
    """Whether an ellipse is filled: the middle half of it is read as ellipse stroke, where a
    drawn ring (even a thick end event's) leaves its middle paper."""
    x1, y1, x2, y2 = (int(round(v)) for v in shape.box)
    qx, qy = (x2 - x1) // 4, (y2 - y1) // 4
    middle = labels[y1 + qy:y2 - qy + 1, x1 + qx:x2 - qx + 1]
    return middle.size > 0 and bool((middle == ELLIPSE).mean() >= fill)


def _across(unit: np.ndarray, offset: np.ndarray) -> float:
    """Signed distance of `offset` from the line along the 2-D `unit` vector."""
    return float(unit[0] * offset[1] - unit[1] * offset[0])


def _punched(shapes: list[FoundShape], labels: np.ndarray, config: ShapeConfig) -> set:
    """Indices of the holes punched in the sheet (a notebook's or a binder's): filled discs
    of one size, several on one line. A filled dot on its own stays a shape, and so do rings."""
    discs = [i for i, s in enumerate(shapes) if s.kind == "ellipse" and _disc(s, labels,
                                                                              config.hole_fill)]
    centre = {i: np.array([(shapes[i].box[0] + shapes[i].box[2]) / 2,
                           (shapes[i].box[1] + shapes[i].box[3]) / 2]) for i in discs}
    size = {i: max(sides(shapes[i].box)) for i in discs}
    holes = set()
    for a in discs:
        for b in discs:
            if b <= a or abs(size[b] - size[a]) > config.tile_slack * size[a]:
                continue
            along = (centre[b] - centre[a]) / np.hypot(*(centre[b] - centre[a]))
            row = [k for k in discs if abs(size[k] - size[a]) <= config.tile_slack * size[a]
                   and abs(_across(along, centre[k] - centre[a])) <= config.hole_line * size[a]]
            if len(row) >= config.hole_row:
                holes.update(row)
    return holes


def _edge_gaps(box, shape: tuple[int, int]) -> tuple:
    """How far a box's centre lies from the picture's left, top, right and bottom edges."""
    h, w = shape
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return cx, cy, w - cx, h - cy


def _edge_holes(shapes: list[FoundShape], shape: tuple[int, int], config: ShapeConfig) -> set:
    """Indices of the holes punched along the sheet's edge: circles of one size, two or more
    along one edge of the picture, each within `hole_edge` of its long side from it."""
    band = config.hole_edge * max(shape)
    gaps = {i: _edge_gaps(s.box, shape) for i, s in enumerate(shapes) if s.kind == "ellipse"}
    holes = set()
    for edge in range(4):
        near = {i: max(sides(shapes[i].box)) for i, gap in gaps.items() if gap[edge] < band}
        for size in near.values():
            alike = [j for j, other in near.items() if abs(other - size) <= config.tile_slack * size]
            if len(alike) >= 2:
                holes.update(alike)
    return holes


def _strip_of_lines(s: FoundShape, lines: np.ndarray, config: ShapeConfig) -> bool:
    """Whether a long thin rectangle is a strip cut from a larger structure: one of its short
    sides runs on as a line past a long side (a container's title strip where the container
    itself was not closed, a table's column; the container's other side is often unread).
    The caller keeps lanes (`_lane_of`)."""
    if s.kind != "rectangle":
        return False
    x1, y1, x2, y2 = (int(round(v)) for v in s.box)
    w, h = x2 - x1, y2 - y1
    if max(w, h) < config.strip_aspect * min(w, h):
        return False
    run = int(config.strip_run * min(w, h)) + config.strip_min
    H, W = lines.shape

    def seen(values):
        return values.size > 0 and values.mean() >= config.side

    if h > w:  # a tall strip: does its top or bottom run on to the left or the right?
        ends = [(lines[y1, max(0, x1 - run):x1], lines[y2, max(0, x1 - run):x1]),
                (lines[y1, x2 + 1:min(W, x2 + 1 + run)], lines[y2, x2 + 1:min(W, x2 + 1 + run)])]
    else:
        ends = [(lines[max(0, y1 - run):y1, x1], lines[max(0, y1 - run):y1, x2]),
                (lines[y2 + 1:min(H, y2 + 1 + run), x1], lines[y2 + 1:min(H, y2 + 1 + run), x2])]
    return any(seen(a) or seen(b) for a, b in ends)


def _lane_of(strip: FoundShape, k: FoundShape) -> bool:
    """Whether a strip is a lane, as far as shape `k` tells: `k` lies in it, or it lies in `k`
    lengthwise (a title strip runs across its container)."""
    if _inside(k.box, strip.box):
        return True
    (w, h), (kw, kh) = sides(strip.box), sides(k.box)
    return _inside(strip.box, k.box) and (w > h) == (kw > kh)


def find_shapes(maps: StrokeMaps, config: ShapeConfig = ShapeConfig()) -> list[FoundShape]:
    """The diagram's shapes, one per region (module doc): of the candidates for one shape the
    best supported, and of a circle or diamond the outermost."""
    kept: list[FoundShape] = []
    for s in candidates(maps, config):  # best first; on ties, the least closed
        twins = [k for k in kept if _same_shape(s, k, config)]
        if not twins:
            kept.append(s)
        elif all(k.kind == s.kind != "rectangle" and _inside(k.box, s.box) for k in twins) \
                and not _side_by_side(s, twins, config):
            kept = [k for k in kept if k not in twins] + [s]  # the whole, not its parts
    seen = seen_within(maps.probs[ELLIPSE], (0, *config.reaches))
    kept = [_outer_ring(s, seen, config) if s.kind == "ellipse" else s for s in kept]
    paper = (_tiles(kept, max(maps.labels.shape), config) | _punched(kept, maps.labels, config)
             | _edge_holes(kept, maps.labels.shape, config))
    kept = [s for i, s in enumerate(kept) if i not in paper]
    lines = cv2.dilate((maps.of(RECTANGLE) | maps.of(ARROW)).astype(np.uint8),
                       np.ones((2 * config.reach + 1,) * 2, np.uint8)) > 0
    kept = [s for s in kept if not any(_is_header(s, k, config) for k in kept)]
    strips = [s for s in kept if _strip_of_lines(s, lines, config)]
    boxes = [k for k in kept if k not in strips]  # a strip in a strip is no lane of it
    return [s for s in kept if s not in strips or any(_lane_of(s, k) for k in boxes)]
