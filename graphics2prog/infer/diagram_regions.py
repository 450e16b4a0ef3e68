"""Candidate shapes of a diagram from its stroke map: every region closed by strokes of one
kind (rectangle, ellipse, diamond) is a candidate, kept when the network's own probabilities
trace it all the way round (diagram_shapes.py then keeps one shape per region).

A box's inside is a hole in its outline's strokes, so holes give boxes of any size, lanes
inside containers and containers around them (a container's outer contour) alike. Outlines
drawn with a gap, or broken where an arrow or a word touches them, are closed first (strokes of
other kinds right beside the outline count as outline, then the strokes are thickened). The check
is a likelihood: the share of the candidate's ideal outline, drawn at its box, along which the
network sees that kind of stroke (for a box, the better of a sharp-cornered and a
round-cornered outline), and for a box each of its sides (a long box's along its region's own
boundary too, for sides that bow). Candidates of different kinds on the same region compete by
that score. A container the photo cuts off is closed by the picture's edge; one whose outline
is open at a corner, or runs into other strokes, by its long sides; a collapsed one (a long
thin strip with a name) by its two long lines and whatever strokes close its ends.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

from ..diagram_scenes import ARROW, DIAMOND, ELLIPSE, RECTANGLE
from .straight_lines import (LineConfig, StraightLines, line_boxes, paper_cell, straight_lines,
                             strip_boxes)
from .stroke_maps import StrokeMaps

KINDS = {RECTANGLE: "rectangle", ELLIPSE: "ellipse", DIAMOND: "diamond"}  # class -> shape kind
ROUND_CORNER = 0.25  # a "rounded" ideal outline's corner radius, share of the box's shorter side


@dataclass(frozen=True)
class ShapeConfig:
    """Decoding settings, in pixels of the 1024-px reading."""
    bridges: tuple = (3, 9, 17)  # px: thickenings tried to seal gaps in outlines
    stroke: int = 2             # px: a hole lies this far inside its outline's outer edge
    halo: int = 2               # px: an outer contour lies this far outside the ink (the network
                                # reads strokes wider than drawn: rings' outer contours lay 3 px
                                # outside their annotated boxes on held-out train writers)
    enclosed: float = 0.5       # an outer contour is a shape when its holes fill this share
    min_side: float = 12.0      # px: smaller regions are letters or specks (10 of the 7,037
                                # shapes of hdBPMN's train split are smaller at 1,024 px)
    max_aspect: float = 15.0    # longer and thinner regions are gaps between doubled lines
    gap_width: float = 16.0     # ... when narrower than this (px); wider ones are collapsed
                                # containers (a pool drawn as a long strip with its name)
    tile_size: float = 0.05     # rectangles smaller than this share of the picture's long
    tile_crowd: int = 12        # side, this many of one size (within tile_slack), are the
    tile_slack: float = 0.2     # squares of graph paper
    strip_aspect: float = 3.0   # a rectangle this many times longer than wide with a short
    strip_run: float = 1.0      # ... side running on as a line, this many widths (plus
    strip_min: int = 20         # ... strip_min px) past a long side, is a strip of a larger
                                # structure
    hole_fill: float = 0.85     # circles whose middle is this much of their kind are discs,
    hole_row: int = 3           # ... and this many discs of one size (within tile_slack) in a
    hole_line: float = 0.5      # ... line (off it by at most this share of their size) are
                                # the holes punched in the sheet, not circles anyone drew
    hole_edge: float = 0.06     # ... as are two or more alike this near an edge (share of the
                                # picture's long side)
    support: float = 0.5        # least share of the ideal outline the network must see
    reach: int = 3              # px: strokes this near an outline count as touching it
    reaches: tuple = (3, 6, 10)  # px: how far a drawn outline may wander from the ideal one,
    reach_share: float = 0.02   # ... the one nearest this share of the shape's shorter side
    overlap: float = 0.6        # IoU above which two candidates are the same shape
    rings: tuple = (1.25, 1.5, 1.75)  # a circle this many times as large around a circle,
    ring_support: float = 0.9   # ... supported this well, is its outer ring (when it lies
    ring_gap: float = 1.2       # ... this many reaches out: not its own stroke's outer edge)
    merged: float = 1.6         # an outline this many times longer than wide around shapes
    round: float = 1.3          # ... at most this much longer than wide, side by side, is
                                # theirs joined by a stroke, not one shape
    same_side: float = 8.0      # px: rectangles whose sides all lie this near are one box
    same_share: float = 0.15    # ... or this share of the smaller one's shorter side
    side: float = 0.7           # least share of each side of a rectangle the network must see
    side_reach: int = 6         # ... within this many px (one of `reaches`),
    inset: float = 0.15         # ... its ends left out (rounded corners), more where its
    round_inset: float = 0.3    # ... outline fits a box with round corners better (a bulging
                                # box: held-out shapes F1 0.912 -> 0.914, 130 trained-on
                                # photos 0.880 -> 0.883); along its region's
    bowing: float = 300.0       # ... boundary too when it is this long (px): long sides bow
    header: float = 0.12        # a strip along a box's side, at most this share across: a title
    roundness: float = 0.45     # corner support below this: rounded corners
    cut_long: float = 0.25      # a box the picture cuts off spans at least this share of
    cut_area: float = 0.5       # ... its long side, at most this share of it (not the sheet)
    border: int = 3             # px: a region reaching this near the picture's edge is the
                                # sheet's edge or a shape cut off by the picture (closed by the
                                # edge, a container is kept: one edge, its size; cut_ above)
    lines: LineConfig = LineConfig()  # containers' long sides, and the rules of ruled paper,
    faint_line: float = 0.3     # ... found where the network gives outline at least this
                                # probability (a container's long sides are often faint pencil:
                                # held-out shapes F1 +0.005)


@dataclass(frozen=True)
class FoundShape:
    """A shape in the pixels of the reading: kind, box (x1, y1, x2, y2) and its score."""
    kind: str
    box: tuple
    score: float
    rounded: bool = False


def ideal_outline(kind: str, box, shape: tuple[int, int], width: int = 1) -> np.ndarray:
    """uint8 mask of the outline a shape of `kind` drawn in `box` would have."""
    mask = np.zeros(shape, np.uint8)
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    if kind == "ellipse":
        cv2.ellipse(mask, (((x1 + x2) / 2, (y1 + y2) / 2), (x2 - x1, y2 - y1), 0), 255, width)
    elif kind == "diamond":
        cx, cy = (x1 + x2) // 2, (y1 + y2) // 2
        pts = np.array([[cx, y1], [x2, cy], [cx, y2], [x1, cy]], np.int32)
        cv2.polylines(mask, [pts], True, 255, width)
    elif kind == "rounded":  # a rectangle whose corners are quarter ellipses
        r = int(round(ROUND_CORNER * min(x2 - x1, y2 - y1)))
        for a, b in (((x1 + r, y1), (x2 - r, y1)), ((x1 + r, y2), (x2 - r, y2)),
                     ((x1, y1 + r), (x1, y2 - r)), ((x2, y1 + r), (x2, y2 - r))):
            cv2.line(mask, a, b, 255, width)
        for cx, cy, start in ((x1 + r, y1 + r, 180), (x2 - r, y1 + r, 270),
                              (x2 - r, y2 - r, 0), (x1 + r, y2 - r, 90)):
            cv2.ellipse(mask, (cx, cy), (r, r), 0, start, start + 90, 255, width)
    else:
        cv2.rectangle(mask, (x1, y1), (x2, y2), 255, width)
    return mask


def _outline_strokes(maps: StrokeMaps, cls: int, config: ShapeConfig,
                     sides: Optional[np.ndarray] = None) -> np.ndarray:
    """Pixels of class `cls`, plus strokes of any other kind right beside them (where an arrow
    or a word touches the outline), plus `sides` (a container's long sides, bridged: this
    closes lanes and pools without joining neighbouring boxes); uint8 0/255."""
    own = maps.of(cls).astype(np.uint8)
    near = config.reach
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * near + 1, 2 * near + 1))
    strokes = own | (cv2.dilate(own, kernel) & (maps.labels > 0))
    if sides is not None:
        strokes |= sides
    return strokes.astype(np.uint8) * 255


def _regions(strokes: np.ndarray, bridge: int, kind: str, config: ShapeConfig) -> list[tuple]:
    """(box, contour (N, 2) x-y) of the holes and outer contours of the strokes thickened by
    `bridge` px (which joins gaps up to that wide: a closing would not, on strokes this thin),
    boxes moved back by the thickening. A rectangle's outer contour counts only when it
    encloses holes (a pool around its lanes); a ring's or diamond's always (a marker may cut
    its inside up), moved in by the network's halo round the ink."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (bridge, bridge))
    closed = cv2.dilate(strokes, kernel)
    contours, hierarchy = cv2.findContours(closed, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    links = hierarchy[0]  # per contour: next, previous, first child, parent
    holes = np.zeros(len(contours))
    for i, c in enumerate(contours):
        if links[i][3] != -1:
            holes[links[i][3]] += cv2.contourArea(c)
    boxes = []
    for i, c in enumerate(contours):
        x, y, w, h = cv2.boundingRect(c)
        if min(w, h) < config.min_side or (max(w, h) > config.max_aspect * min(w, h)
                                           and min(w, h) < config.gap_width):
            continue
        hole = links[i][3] != -1
        compact = kind != "rectangle"  # a ring or diamond is all of its strokes' extent
        if not (hole or compact) and holes[i] < config.enclosed * cv2.contourArea(c):
            continue  # an outer contour that encloses little (a bracket, a line) is no box
        # a hole lies inside its outline's strokes; an outer contour outside the thickening
        grow = bridge // 2 + config.stroke if hole else -(bridge // 2 + config.halo)
        if min(w, h) - 1 + 2 * grow >= config.min_side:
            boxes.append(((x - grow, y - grow, x + w - 1 + grow, y + h - 1 + grow),
                          c.reshape(-1, 2)))
    return boxes


def seen_within(prob: np.ndarray, reaches: tuple) -> dict:
    """reach -> bool (H, W): where the network sees a stroke of the kind within `reach` px."""
    return {r: cv2.dilate(prob, np.ones((2 * r + 1, 2 * r + 1), np.uint8)) > 0.5
            for r in reaches}


def sides(box) -> tuple:
    """(width, height) of a box (x1, y1, x2, y2)."""
    return box[2] - box[0], box[3] - box[1]


def reach_for(box, config: ShapeConfig) -> int:
    """How far a hand-drawn outline may wander from the ideal one: more for larger shapes
    (a long line bows), one of config.reaches."""
    want = config.reach_share * max(sides(box))
    return min(config.reaches, key=lambda r: abs(r - want))


def outline_support(seen: np.ndarray, kind: str, box) -> float:
    """Share of the ideal outline of `kind` at `box` along which the network sees the stroke
    (`seen`, from seen_within): the candidate's likelihood. Drawn in the box's window only,
    not on a whole picture per candidate."""
    h, w = seen.shape
    x0, y0 = max(0, int(box[0]) - 2), max(0, int(box[1]) - 2)
    window = seen[y0:min(h, int(box[3]) + 3), x0:min(w, int(box[2]) + 3)]
    shifted = (box[0] - x0, box[1] - y0, box[2] - x0, box[3] - y0)
    outline = ideal_outline(kind, shifted, window.shape) > 0
    return float(window[outline].mean()) if outline.any() else 0.0


def side_shares(seen: np.ndarray, box, inset: float) -> list:
    """[top, bottom, left, right]: the share of each side of a rectangle (its middle, `inset`
    of each end left out for rounded corners) along which `seen` holds. A box needs all four
    sides drawn, where the overall support forgives one missing (a region an arrow cuts off)."""
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    h, w = seen.shape
    dx, dy = int(inset * (x2 - x1)), int(inset * (y2 - y1))
    rows = [seen[min(max(y, 0), h - 1), max(x1 + dx, 0):min(x2 - dx, w - 1) + 1] for y in (y1, y2)]
    cols = [seen[max(y1 + dy, 0):min(y2 - dy, h - 1) + 1, min(max(x, 0), w - 1)] for x in (x1, x2)]
    return [float(side.mean()) if side.size else 0.0 for side in rows + cols]


def contour_side_shares(seen: np.ndarray, box, contour: np.ndarray, inset: float) -> list:
    """[top, bottom, left, right]: like side_shares, but along the region's own contour, each
    of its points counted for the side of the box it lies nearest: a long side that bows or
    tilts leaves the box's straight edge, not the region's boundary."""
    x1, y1, x2, y2 = box
    xs, ys = contour[:, 0], contour[:, 1]
    gaps = np.stack([np.abs(ys - y1), np.abs(ys - y2), np.abs(xs - x1), np.abs(xs - x2)])
    nearest = gaps.argmin(0)
    dx, dy = inset * (x2 - x1), inset * (y2 - y1)
    middle = np.where(nearest < 2, (xs >= x1 + dx) & (xs <= x2 - dx),
                      (ys >= y1 + dy) & (ys <= y2 - dy))
    h, w = seen.shape
    hit = seen[np.clip(ys, 0, h - 1), np.clip(xs, 0, w - 1)]
    shares = []
    for side in range(4):
        on = middle & (nearest == side)
        shares.append(float(hit[on].mean()) if on.any() else 0.0)
    return shares


def _corner_support(prob: np.ndarray, box, reach: int) -> float:
    """How much stroke the network sees at the box's four exact corners (low: rounded)."""
    x1, y1, x2, y2 = (int(round(v)) for v in box)
    h, w = prob.shape
    values = []
    for cx, cy in ((x1, y1), (x2, y1), (x1, y2), (x2, y2)):
        patch = prob[max(0, cy - reach):min(h, cy + reach + 1),
                     max(0, cx - reach):min(w, cx + reach + 1)]
        values.append(float(patch.max(initial=0.0)))
    return float(np.mean(values))


def _drawn_box(box, contour: np.ndarray, seen: dict, lines: StraightLines,
               config: ShapeConfig, inset: float) -> bool:
    """Whether a supported rectangle candidate is a box someone drew: all four sides seen
    (`seen`: from seen_within; a long box's along its region's contour too), and no cell of
    misread ruled paper (`lines.rules`).
    The reach is narrow for all but long boxes: the gap between two boxes in a row, closed by
    strokes at its ends, has their sides for its own and its other two sides near their
    corners."""
    if max(sides(box)) < config.bowing:
        shares = side_shares(seen[config.side_reach], box, inset)
    else:
        far = seen[max(config.reaches)]
        shares = np.maximum(side_shares(far, box, inset),
                            contour_side_shares(far, box, contour, inset))
    if min(shares) < config.side:
        return False
    return lines.rules is None or not paper_cell(
        box, side_shares(lines.rules, box, config.inset), lines.spacing, config.lines)


def _framed(mask: np.ndarray, width: int) -> np.ndarray:
    """A copy of `mask` set along the picture's edge, `width` px wide."""
    framed = mask.copy()
    value = True if mask.dtype == bool else 255
    framed[:width], framed[-width:], framed[:, :width], framed[:, -width:] = (value,) * 4
    return framed


def _edges_touched(box, shape: tuple[int, int], border: int) -> int:
    """How many of the picture's four edges a box reaches within `border` px."""
    h, w = shape
    return sum((box[0] < border, box[1] < border, box[2] >= w - border, box[3] >= h - border))


def _supported(strokes: np.ndarray, prob: np.ndarray, seen: dict, kind: str,
               lines: StraightLines, config: ShapeConfig, cut_off: bool = False) -> list[tuple]:
    """(bridge, FoundShape) of every region of `strokes` the network's reading supports.
    Regions reaching the picture's edge are left out, unless `cut_off`: then only those
    reaching exactly one edge, container-sized, are kept (the edge drawn into `strokes`)."""
    h, w = strokes.shape
    boxes = {b: (k, contour) for k in reversed(config.bridges)
             for b, contour in _regions(strokes, k, kind, config)}
    found = []
    for box, (bridge, contour) in boxes.items():
        edges = _edges_touched(box, (h, w), config.border)
        if edges != int(cut_off):
            continue
        if cut_off:
            box = (max(box[0], 0), max(box[1], 0), min(box[2], w - 1), min(box[3], h - 1))
            long_side, area = max(sides(box)), np.prod(sides(box))
            if long_side < config.cut_long * max(h, w) or area > config.cut_area * h * w:
                continue
        near = seen[reach_for(box, config)]
        score = outline_support(near, kind, box)
        inset = config.inset
        if kind == "rectangle":
            bulging = outline_support(near, "rounded", box)
            if bulging > score:
                score, inset = bulging, config.round_inset
        if score >= config.support and (kind != "rectangle" or _drawn_box(
                box, contour, seen, lines, config, inset)):
            rounded = (kind == "rectangle"
                       and _corner_support(prob, box, config.stroke) < config.roundness)
            found.append((bridge, FoundShape(kind, box, score, rounded)))
    return found


def _holds(box, shapes: list[FoundShape]) -> bool:
    """Whether some other shape lies wholly inside `box`."""
    return any(box[0] < s.box[0] and box[1] < s.box[1] and s.box[2] < box[2]
               and s.box[3] < box[3] for s in shapes)


def _apart_or_around(strip, box, across: float) -> bool:
    """Whether a strip and a shape's box lie apart, the box lies in the strip, or the strip
    runs `across` of the box's length in it (a lane in its pool; not a piece of a box a
    stroke cuts)."""
    if not (min(strip[2], box[2]) > max(strip[0], box[0])
            and min(strip[3], box[3]) > max(strip[1], box[1])):
        return True
    if strip[0] <= box[0] and strip[1] <= box[1] and box[2] <= strip[2] and box[3] <= strip[3]:
        return True
    if box[0] <= strip[0] and box[1] <= strip[1] and strip[2] <= box[2] and strip[3] <= box[3]:
        axis = 0 if sides(strip)[0] >= sides(strip)[1] else 1
        return sides(strip)[axis] >= across * sides(box)[axis]
    return False


def _closed_by_lines(lines: StraightLines, seen: dict, shape: tuple[int, int],
                     config: ShapeConfig, shapes: list[FoundShape]) -> list[tuple]:
    """(bridge, FoundShape) of the containers two long lines each way close (whose outline
    is open at a corner, or runs into other strokes), where the network sees them and some
    of `shapes` lie in them (the gap between two containers holds none)."""
    found = []
    for box in line_boxes(lines, config.lines, config.min_side):
        if (_edges_touched(box, shape, config.border) or not _holds(box, shapes)
                or max(sides(box)) < config.cut_long * max(shape)):
            continue
        score = outline_support(seen[max(config.reaches)], "rectangle", box)
        if score >= config.support:
            found.append((max(config.bridges) + 1, FoundShape("rectangle", box, score)))
    return found


def _closed_strips(lines: StraightLines, seen: dict, inked: np.ndarray,
                   config: ShapeConfig, shapes: list[FoundShape]) -> list[tuple]:
    """(bridge, FoundShape) of the long thin boxes two long lines close, where the network
    sees them and strokes of any kind close their ends (`inked`: where it sees any stroke
    within config.side_reach px), that cut across no shape of `shapes`: a collapsed container
    whose outline breaks at a corner, or where its name or a flow runs into a side, so that
    it makes no region."""
    found = []
    for inner, outer in strip_boxes(lines, config.lines, config.min_side):
        box = _closed_ends(inner, outer, inked, config)
        if (box is None or min(sides(box)) < config.gap_width  # a line drawn twice
                or _edges_touched(box, inked.shape, config.border)
                or not all(_apart_or_around(box, s.box, config.lines.cover) for s in shapes)):
            continue
        score = outline_support(seen[max(config.reaches)], "rectangle", box)
        if score >= config.support:
            found.append((max(config.bridges) + 1, FoundShape("rectangle", box, score)))
    return found


def _closed_ends(inner, outer, inked: np.ndarray, config: ShapeConfig):
    """The box between `inner` and `outer` (which differ at its two ends) whose ends are the
    outermost places strokes close (`inked`, config.side of each end), or None."""
    along = 0 if sides(inner)[0] > sides(inner)[1] else 1  # 0: a horizontal strip
    first = (2, 0)[along]  # side_shares' index of the side at the box's start
    ends = {along: first, along + 2: first + 1}
    box = list(inner)
    for end, inward in ((along, 1), (along + 2, -1)):
        for at in range(int(outer[end]), int(inner[end]) + inward, inward):
            box[end] = at
            if side_shares(inked, box, config.inset)[ends[end]] >= config.side:
                break
        else:
            return None
    return tuple(box)


def candidates(maps: StrokeMaps, config: ShapeConfig) -> list[FoundShape]:
    """Every supported candidate of every kind, best first."""
    found = []
    faint = maps.of(RECTANGLE) | (maps.probs[RECTANGLE] > config.faint_line)
    lines = straight_lines(faint.astype(np.uint8), maps.of(ARROW).astype(np.uint8), config.lines)
    seen = {cls: seen_within(maps.probs[cls], config.reaches) for cls in KINDS}
    for cls, kind in KINDS.items():
        strokes = _outline_strokes(maps, cls, config, lines.sides if cls == RECTANGLE else None)
        prob = maps.probs[cls]
        found += _supported(strokes, prob, seen[cls], kind, lines, config)
        if kind == "rectangle":  # containers the picture cuts off, closed by its edge
            edge = config.border + max(config.bridges) // 2 + config.stroke  # and its outline
            found += _supported(_framed(strokes, 1), prob,
                                {r: _framed(m, edge) for r, m in seen[cls].items()},
                                kind, lines, config, cut_off=True)
    found += _closed_by_lines(lines, seen[RECTANGLE], maps.labels.shape, config,
                              [s for _, s in found])
    inked = seen_within((maps.labels > 0).astype(np.float32), (config.side_reach,))
    found += _closed_strips(lines, seen[RECTANGLE], inked[config.side_reach], config,
                            [s for _, s in found])
    return [s for _, s in sorted(found, key=lambda f: (-f[1].score, f[0]))]
