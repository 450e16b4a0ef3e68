"""Long straight lines of a diagram's stroke map: a container's sides, which run the width of
the drawing and are broken wherever an arrow crosses them, or, where dozens run one way, the
rules of ruled or graph paper the network took for outlines (whose cells are no boxes). Two
such lines each way close a container even where its outline is left open.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Optional

import cv2
import numpy as np


@dataclass(frozen=True)
class LineConfig:
    """Line settings, in pixels of the 1024-px reading."""
    run: int = 30           # px: straight runs this long are pieces of a container's side,
    gap: int = 35           # ... pieces this near in line are joined (where arrows cross),
    in_line: float = 16.0   # ... as are pieces this near across, however far apart, that
    overlap: float = 0.2    # ... share at most this much of their length (lines side by
                            # side, such as graph paper's, share all of it)
    length: int = 150       # ... and joined sides this long close regions
    own: float = 0.5        # ... when at least this share of them is outline, not arrow
    count: int = 12         # ... and no more than this many run one way (else: ruled paper,
    on_rule: float = 0.5    # ... and a box with two sides this much on its rules,
    cell: float = 1.5       # ... at most this many spacings apart, is a cell of it)
    cover: float = 0.8      # two lines each way close a box when each covers this share of
    inset: float = 0.15     # ... its side between the other two (its ends left out),
    split: float = 0.12     # ... and no other line crosses it further in than this share
    thin: float = 3.0       # two lines one way close a box this many times longer than wide
                            # (a collapsed container: its ends are too short to be lines)


@dataclass(frozen=True)
class Line:
    """One long line: its median position across (a horizontal one's row) and which of the
    picture's columns (a vertical one's rows) it covers."""
    at: float
    along: np.ndarray

    def covers(self, start: float, end: float, inset: float) -> float:
        """Share of the stretch from `start` to `end`, `inset` of it left out at each end,
        that the line covers."""
        cut = inset * (end - start)
        span = self.along[max(0, int(start + cut)):max(0, int(end - cut)) + 1]
        return float(span.mean()) if span.size else 0.0


@dataclass(frozen=True)
class StraightLines:
    """A stroke map's long lines: containers' sides (uint8 0/1, bridged), and where the paper
    is ruled, its rules (bool, widened; None when not ruled) and their spacing per direction
    ([horizontal, vertical], 0 where not ruled)."""
    sides: np.ndarray
    rules: Optional[np.ndarray]
    spacing: list
    found: list  # [horizontal, vertical] Lines, those of ruled directions left out


def _lines(mask: np.ndarray, axis: int, config: LineConfig) -> list[Line]:
    """The long Lines of one direction's mask of straight pieces (`axis` 0: horizontal),
    pieces less than `in_line` px apart across joined into one (a side that many arrows
    cross, or the pencil left, is several pieces in line)."""
    n, labels = cv2.connectedComponents(mask)
    ys, xs = np.nonzero(labels)
    across, along = (ys, xs) if axis == 0 else (xs, ys)
    pieces = []
    for k in range(1, n):
        on = labels[ys, xs] == k
        covered = np.zeros(mask.shape[1 - axis], bool)
        covered[along[on]] = True
        pieces.append(Line(float(np.median(across[on])), covered))
    found: list[Line] = []
    for piece in sorted(pieces, key=lambda line: -line.along.sum()):  # longest first
        joins = [i for i, line in enumerate(found) if abs(piece.at - line.at) < config.in_line
                 and (line.along & piece.along).sum() <= config.overlap * piece.along.sum()]
        if joins:
            i = min(joins, key=lambda i: abs(piece.at - found[i].at))
            line = found[i]
            weight = line.along.sum() / (line.along.sum() + piece.along.sum())
            found[i] = Line(weight * line.at + (1 - weight) * piece.at, line.along | piece.along)
        else:
            found.append(piece)
    return [line for line in found if line.along.sum() >= config.length]


def long_lines(own: np.ndarray, crossing: np.ndarray, config: LineConfig) -> list:
    """[horizontal, vertical] uint8 0/1 masks: the straight pieces among `own` strokes (runs
    of at least config.run px), the gaps along each line bridged. A container's sides are
    broken wherever an arrow crosses (where the network reads a stretch of the side as arrow,
    the `crossing` strokes) or the pencil skips. A line must be mostly `own` strokes: an arrow
    is no side."""
    strokes = own | crossing
    thick = cv2.dilate(strokes, np.ones((3, 3), np.uint8))  # a tilted line stays a run
    found = []
    for axis in (0, 1):  # 0: horizontal, 1: vertical
        run = (1, config.run) if axis == 0 else (config.run, 1)  # (rows, columns)
        gap = (1, config.gap) if axis == 0 else (config.gap, 1)
        runs = cv2.morphologyEx(thick, cv2.MORPH_OPEN, np.ones(run, np.uint8))
        joined = cv2.morphologyEx(runs, cv2.MORPH_CLOSE, np.ones(gap, np.uint8))
        n, labels, stats, _ = cv2.connectedComponentsWithStats(joined)
        length = stats[:, cv2.CC_STAT_WIDTH if axis == 0 else cv2.CC_STAT_HEIGHT]
        own_share = np.bincount(labels[own > 0], minlength=n) / np.maximum(
            np.bincount(labels[strokes > 0], minlength=n), 1)
        keep = (length >= config.run) & (own_share >= config.own)
        keep[0] = False
        found.append(keep[labels].astype(np.uint8))
    return found


def _at_least(mask: np.ndarray, axis: int, length: int) -> np.ndarray:
    """The lines of one direction's mask (`axis` 0: horizontal) at least `length` px long."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask)
    keep = stats[:, cv2.CC_STAT_WIDTH if axis == 0 else cv2.CC_STAT_HEIGHT] >= length
    keep[0] = False
    return keep[labels].astype(np.uint8)


def rule_spacing(lines: np.ndarray, axis: int, config: LineConfig) -> float:
    """The spacing of one direction's long lines (`axis` 0: horizontal) when they are the rules
    of graph or ruled paper the network misread (a drawing has a few such lines each way,
    ruled paper dozens), else 0."""
    n, _, _, centres = cv2.connectedComponentsWithStats(lines)
    if n - 1 <= config.count:
        return 0.0
    return float(np.median(np.diff(np.sort(centres[1:, 1 - axis]))))


def straight_lines(own: np.ndarray, crossing: np.ndarray, config: LineConfig) -> StraightLines:
    """The long lines of `own` strokes (outlines) crossed by `crossing` ones (arrows), told
    apart into containers' sides and the paper's rules, one direction at a time."""
    pieces = long_lines(own, crossing, config)
    lines = [_at_least(m, axis, config.length) for axis, m in enumerate(pieces)]
    spacing = [rule_spacing(m, axis, config) for axis, m in enumerate(lines)]
    sides = sum((m for m, r in zip(lines, spacing) if not r), np.zeros_like(lines[0]))
    rules = cv2.dilate(sum(m for m, r in zip(lines, spacing) if r),
                       np.ones((5, 5), np.uint8)) > 0 if any(spacing) else None
    found = [[] if r else _lines(m, axis, config)
             for axis, (m, r) in enumerate(zip(pieces, spacing))]
    return StraightLines(sides, rules, spacing, found)


def line_boxes(lines: StraightLines, config: LineConfig, least: float) -> list[tuple]:
    """Boxes (x1, y1, x2, y2) closed by two long lines each way, each covering its side between
    the other two, and split by no line across them (two boxes side by side are not one; a
    title strip, `split` of the box across, is no split). A container whose outline the
    strokes leave open at a corner, or joined to the sheet's edge, is still closed so.
    `least`: px, the shortest side."""
    rows, columns = (sorted(found, key=lambda line: line.at) for found in lines.found)
    boxes = []
    for t, b in combinations(rows, 2):
        if b.at - t.at < least:
            continue
        for l, r in combinations(columns, 2):
            if r.at - l.at < least or min(
                    t.covers(l.at, r.at, config.inset), b.covers(l.at, r.at, config.inset),
                    l.covers(t.at, b.at, config.inset),
                    r.covers(t.at, b.at, config.inset)) < config.cover:
                continue
            box = (l.at, t.at, r.at, b.at)
            if not _split(box, rows, columns, config):
                boxes.append(box)
    return boxes


def strip_boxes(lines: StraightLines, config: LineConfig, least: float) -> list[tuple]:
    """(inner, outer) box pairs (x1, y1, x2, y2) between two long lines of one direction, each
    covering the stretch both span (the inner box), no line between them, at least `thin`
    times longer than wide: a long, thin box (a container drawn collapsed, with only its name)
    whose short sides are too short to be long lines. Its ends lie between the inner and the
    outer box (the stretch either line spans; the two lines of a hand-drawn box end apart),
    where something closes them: for the caller to see. `least`: px, the shortest side."""
    rows, columns = lines.found
    boxes = []
    for axis, found in enumerate(lines.found):
        ordered = [(line, _ends(line)) for line in sorted(found, key=lambda line: line.at)]
        for (a, (a1, a2)), (b, (b1, b2)) in combinations(ordered, 2):
            across = b.at - a.at
            start, end = max(a1, b1), min(a2, b2)
            if across < least or end - start < config.thin * across or min(
                    a.covers(start, end, config.inset),
                    b.covers(start, end, config.inset)) < config.cover:
                continue
            spans = ((start, end), (min(a1, b1), max(a2, b2)))
            inner, outer = ((s, a.at, e, b.at) if axis == 0 else (a.at, s, b.at, e)
                            for s, e in spans)
            if not _split(inner, rows, columns, config):
                boxes.append((inner, outer))
    return boxes


def _ends(line: Line) -> tuple[int, int]:
    """The first and last place a line covers."""
    covered = np.flatnonzero(line.along)
    return int(covered[0]), int(covered[-1])


def _split(box, rows: list, columns: list, config: LineConfig) -> bool:
    """Whether a line crosses the box from side to side further in than `split` of it."""
    x1, y1, x2, y2 = box
    my, mx = config.split * (y2 - y1), config.split * (x2 - x1)
    return (any(y1 + my < h.at < y2 - my and h.covers(x1, x2, config.inset) >= config.cover
                for h in rows)
            or any(x1 + mx < v.at < x2 - mx and v.covers(y1, y2, config.inset) >= config.cover
                   for v in columns))


def paper_cell(box, shares: list, spacing: list, config: LineConfig) -> bool:
    """Whether a rectangle is a cell of the paper: its top and bottom on horizontal rules, or
    its left and right on vertical ones, no further apart than the rules are (`spacing`:
    [horizontal, vertical] rules' spacing, 0 where not ruled; `shares`: [top, bottom, left,
    right], how much of each side lies on the rules). A box drawn on such paper spans several
    rules."""
    across = (box[3] - box[1], box[2] - box[0])  # across the horizontal rules, the vertical
    return any(0 < spacing[axis] and across[axis] <= config.cell * spacing[axis]
               and min(shares[2 * axis:2 * axis + 2]) >= config.on_rule for axis in (0, 1))
