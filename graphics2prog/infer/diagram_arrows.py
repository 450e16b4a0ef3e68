"""Arrows of a diagram from its stroke map: each arrowhead the network is sure of, followed
back along the arrow strokes to where they end.

Arrow and head strokes are bridged (dashes, small breaks) and thinned to a one-pixel
skeleton. Each head blob's tip is its point furthest along the arriving stroke, and the
arrow's tail is the skeleton end farthest from it along the strokes (not another arrow's head),
one near a found shape, or an object of another kind (a data object), where there is one (but
never near the shape the head points at: that is its own spurs and corners there), reached
without passing by another head (a flow ends at its head), going straight on where strokes
cross or join. A tail short of every shape goes on across gaps, and along outline strokes no
shape explains (round a corner onto one, too), while that leads to a shape, or straight on to a
shape that such a stroke stops short of; one that ends at a T, a stroke running off both
ways across its end, is where two flows merge: an arrow comes from each side that leads to a
shape. A tail at a pool's or lane's side goes on across it where strokes run on beyond (a flow
from one pool to another), and across a stroke that crosses it beyond a gap. A head whose own
strokes reach no tail takes the dash nearest behind it that points at it (the side away from
the shape it points at), or, lying between two shapes, is the whole arrow from the one to the
other. The walk between them, simplified to its bends, is the path.
Strokes with no head at all are arrowless paths from end to end, or, leaving a shape with a
faint head at their other end, arrows to it. An arrow is dashed when much of its walk has no
ink under it before bridging.
"""
from __future__ import annotations

import copy
from collections import deque
from dataclasses import dataclass
from typing import Collection, Optional, Sequence

import cv2
import numpy as np
from skimage.morphology import skeletonize

from ..diagram_scenes import ARROW, DIAMOND, ELLIPSE, HEAD, OTHER, RECTANGLE
from .dash_links import NEIGHBOURS, LinkConfig, link_dashes
from .stroke_maps import StrokeMaps


@dataclass(frozen=True)
class ArrowConfig:
    """Decoding settings, in pixels of the 1024-px reading."""
    bridge: int = 9           # px: dilation that joins dashes and breaks
    min_length: float = 20.0  # px: shorter walks without a head are specks
    min_arrow: float = 8.0    # px: shorter walks to a head are specks
    min_tail: float = 20.0    # px: ends this near a head along the strokes are its own spurs
    near_shape: int = 10      # px: a tail this near a found shape's outline starts there (15
                              # before boxes were their ink's: held-out flows 0.770 -> 0.784)
    turn_reach: int = 16      # px: a walk's way into and out of a junction, measured this far,
    turn_cos: float = 0.5     # ... bending further than this (cosine) is a turn there
    min_head: int = 20        # px: least area of a head blob,
    head_prob: float = 0.55   # ... of pixels the network is this sure are a head (where a head
                              # is merely its likeliest class, on held-out train writers most
                              # such blobs were no head: flows F1 0.507 -> 0.560; 0.55 over
                              # 0.5: 130 train photos 0.714 -> 0.721, held-out 0.794 -> 0.797)
    head_join: int = 7        # px: pieces of a head this near are one head (its barbs)
    head_block: float = 4.0   # px: a walk back from a head never passes this near another
    head_clear: int = 5       # px: a stroke's end this near a head is no tail (an arrow does
                              # not start at a head: that is another flow arriving there)
    weak_head: float = 0.2    # a path leaving a shape with a head this likely within
    weak_reach: int = 10      # ... this many px of one end is an arrow to that end
    bend: float = 4.0         # px: polyline simplification tolerance
    dashed: float = 0.72      # ink under less of the walk than this: dashed
    jump: float = 45.0        # px: a tail short of any shape goes on across a gap this wide
    jump_cone: float = 0.8    # ... to strokes this near straight ahead (cosine)
    jumps: int = 12           # ... this many times at most
    bar_reach: int = 8        # px: a stroke passing this near the end of a walk that cannot go
                              # on straight is a T's bar, where two flows merge, when both its
    bar_apart: float = 40.0   # ... sides lead to shapes this far apart (held-out flows F1
                              # +0.001 alone, +0.005 with crossed sides; mostly merges whose
                              # branches the network read as a box's sides)
    feed_away: float = 0.5    # a lone head's shaft lies this far round to the side away from
                              # the shape it points at (cosine; `Skeleton.feeder`)
    off_shape: int = 15       # px: outline strokes this far from found shapes may be shafts
    behind: int = 3           # px: ... never back within this of where it has been
    links: LinkConfig = LinkConfig()  # dashes joined across wider gaps than `bridge`


@dataclass(frozen=True)
class FoundArrow:
    """A path in the pixels of the reading: points (x, y) tail to head."""
    points: tuple
    arrow: bool
    dashed: bool


def _widened(mask: np.ndarray, px: int) -> np.ndarray:
    """bool: `mask` grown by a `px`-wide square."""
    return cv2.dilate(mask.astype(np.uint8), np.ones((px, px), np.uint8)) > 0


def _loose(maps: StrokeMaps, drawn: np.ndarray, config: ArrowConfig) -> np.ndarray:
    """bool (H, W): outline strokes away from every found shape's outline (`drawn`), such as
    an arrow's shaft the network read as a box's side."""
    return np.isin(maps.labels, (RECTANGLE, ELLIPSE, DIAMOND)) & ~_widened(drawn, config.off_shape)


def _skeleton(maps: StrokeMaps, config: ArrowConfig, extra: Optional[np.ndarray] = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """(skeleton bool, raw strokes bool) of the arrow and head strokes, and `extra` ones.
    Arrows are found on arrow strokes alone: taking loose outline strokes as connectors too
    joined arrows to containers' sides and cost a third of the flows found on held-out photos;
    a tail may only go on along them (`_go_on`)."""
    raw = maps.of(ARROW) | maps.of(HEAD)
    if extra is not None:
        raw = raw | extra
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (config.bridge, config.bridge))
    bridged = cv2.dilate(raw.astype(np.uint8), kernel)  # its skeleton runs down the middle
    return skeletonize(bridged > 0), raw


def _graph(skel: np.ndarray) -> dict:
    """Skeleton pixel (row, col) -> its 8-connected skeleton neighbours."""
    pixels = set(zip(*np.nonzero(skel)))
    return {p: [(p[0] + dy, p[1] + dx) for dy, dx in NEIGHBOURS
                if (p[0] + dy, p[1] + dx) in pixels] for p in pixels}


def _walk(graph: dict, start, blocked: Collection = frozenset()) -> tuple[dict, dict]:
    """Breadth-first distances and predecessors from `start` over the skeleton, not
    entering `blocked` pixels."""
    dist, prev = {start: 0}, {start: None}
    queue = deque([start])
    while queue:
        p = queue.popleft()
        for q in graph[p]:
            if q not in dist and q not in blocked:
                dist[q], prev[q] = dist[p] + 1, p
                queue.append(q)
    return dist, prev


def _trace(prev: dict, end) -> list:
    path = []
    while end is not None:
        path.append(end)
        end = prev[end]
    return path  # from `end` back to the walk's start


def _head_blobs(heads: np.ndarray, min_head: int, join: int) -> list[np.ndarray]:
    """(N, 2) row-col pixels of each head blob big enough to be one; pieces of a head less
    than `join` px apart (its barbs read apart) are one blob."""
    joined = cv2.dilate(heads.astype(np.uint8), np.ones((join, join), np.uint8))
    n, labels = cv2.connectedComponents(joined, connectivity=8)
    labels[~heads] = 0
    area = np.bincount(labels.ravel(), minlength=n)
    return [np.argwhere(labels == b) for b in range(1, n) if area[b] >= min_head]


def _tip(blob: np.ndarray, walk: list, reach: int = 15) -> tuple:
    """The head's tip: its pixel furthest along the direction the arrow arrives in (the last
    `reach` px of the walk from the tail to the head)."""
    end = np.array(walk[0], float)
    before = np.array(walk[min(reach, len(walk) - 1)], float)
    direction = end - before
    if not direction.any():
        return tuple(int(v) for v in end)
    best = blob[int(np.argmax((blob - end) @ direction))]
    return (int(best[0]), int(best[1]))


def _as_arrow(pixels: list, raw: np.ndarray, arrow: bool, config: ArrowConfig):
    """A FoundArrow from a walk (tail first), or None for a speck. Its length is along the
    walk and the step to the tip (a short arrow may be little more than its head)."""
    length = np.hypot(*np.diff(np.array(pixels, float), axis=0).T).sum()
    if length < (config.min_arrow if arrow else config.min_length):
        return None
    curve = np.array([[c, r] for r, c in pixels], np.int32).reshape(-1, 1, 2)
    bends = cv2.approxPolyDP(curve, config.bend, False).reshape(-1, 2)
    inked = np.mean([raw[r, c] for r, c in pixels])  # bridged gaps between dashes have none
    points = tuple((int(x), int(y)) for x, y in bends)
    return FoundArrow(points, arrow, bool(inked < config.dashed))


def _tail(ends: list, dist: dict, prev: dict, graph: dict, starts: Optional[np.ndarray],
          config: ArrowConfig, least: float = 0.0, before: Sequence = ()):
    """An arrow's tail: the skeleton end farthest from its head along the strokes; where
    shapes were found arrows start at them, so ends near a shape (`starts`) come first, and
    of those the ones whose way from the head (`prev`, its walk over `graph`, after the walk
    `before` it) passes by no other shape (where another flow joins it at the shape it
    leaves, the way runs on to that flow's) and turns at the fewest junctions.
    (Taking every far end on a branch of the head's own strokes as another arrow's tail, for
    arrows that merge before one head, found more flows but lost more in precision on held-out
    photos; merges are taken only where a tail ends at a T, `_merged`.)"""
    if not ends:
        return max(dist, key=dist.get)
    if starts is None:
        return max(ends, key=dist.get)
    ends = [p for p in ends if starts[p] and dist[p] >= least] or ends
    return max(ends, key=lambda p: _preference([*before, *_trace(prev, p)[::-1]], starts, graph,
                                                   config))


def _preference(walk: list, starts: np.ndarray, graph: dict, config: ArrowConfig) -> tuple:
    """How good a tail the end of a walk (head first) is, larger better: passing by no other
    shape, then going straight on through junctions, then far."""
    return -_shapes_passed(walk, starts), -_turns(walk, graph, config), len(walk)


def _turns(walk: list, graph: dict, config: ArrowConfig) -> int:
    """How many times a walk (head first) turns sharply where the skeleton branches. Where
    flows cross or one joins another, the flow runs straight on; the farthest end often lay
    round a corner, on the other flow (on held-out train writers, flows F1 0.745 -> 0.764,
    with a tail going on across gaps measured the same way)."""
    reach, turns, last = config.turn_reach, 0, -config.turn_reach
    for i in range(reach, len(walk) - reach):
        if len(graph.get(walk[i], ())) < 3 or i - last < reach:
            continue
        into = np.subtract(walk[i], walk[i - reach])
        out = np.subtract(walk[i + reach], walk[i])
        if into @ out < config.turn_cos * np.hypot(*into) * np.hypot(*out):
            turns, last = turns + 1, i
    return turns


def _shapes_passed(walk: list, starts: np.ndarray) -> int:
    """How many times a walk (head first) passes by shapes between the one at its head and
    the one at its end: the runs of it near a shape, less the first and last."""
    near = np.array([bool(starts[p]) for p in walk])
    runs = int(near[0]) + int(np.count_nonzero(near[1:] & ~near[:-1]))
    return max(0, runs - int(near[0]) - int(near[-1]))


class ShapesNear:
    """Which shape each pixel near a found shape (or an object of another kind) is near, and
    how far every pixel is from the nearest outline: to tell the shape a head points at from
    the one its arrow leaves."""

    def __init__(self, explained: np.ndarray, others: np.ndarray, starts: np.ndarray):
        ids = np.asarray(explained, np.int32).copy()
        _, parts = cv2.connectedComponents(others.astype(np.uint8), connectivity=8)
        ids[parts > 0] = parts[parts > 0] + ids.max()
        self.clearance, nearest = _nearest(ids)
        self.zones = np.where(starts, nearest, 0)  # 0: near no shape

    def pointed_at(self, blob: np.ndarray) -> int:
        """The zone most of a head blob is near: the shape it points at (0: none)."""
        zone = self.zones[blob[:, 0], blob[:, 1]]
        zone = zone[zone > 0]
        return int(np.bincount(zone).argmax()) if len(zone) else 0

    def between(self, blob: np.ndarray) -> Optional[tuple[tuple, tuple]]:
        """(back, tip) pixels of a head blob lying near two shapes, at the ends of the line
        from the one to the other, the tip at its narrow end (a head is widest across its
        barbs); None for a blob near fewer shapes."""
        zone = self.zones[blob[:, 0], blob[:, 1]]
        counts = np.bincount(zone[zone > 0])
        if np.count_nonzero(counts) < 2:
            return None
        a, b = np.argsort(counts)[-2:]
        axis = blob[zone == b].mean(0) - blob[zone == a].mean(0)
        axis /= np.hypot(*axis)
        centred = blob - blob.mean(0)
        along, across = centred @ axis, centred @ np.array([-axis[1], axis[0]])
        low, high = np.quantile(along, [1 / 3, 2 / 3])
        tip_high = np.ptp(across[along >= high]) <= np.ptp(across[along <= low])
        ends = [tuple(int(round(v)) for v in blob.mean(0) + t * axis)
                for t in (along.min(), along.max())]
        return tuple(ends) if tip_high else tuple(ends[::-1])

    def away(self, blob: np.ndarray) -> Optional[np.ndarray]:
        """The unit direction out of a head blob away from the outline it touches: from its
        pixels nearest an outline to its farthest ones; None where that is no direction."""
        clear = self.clearance[blob[:, 0], blob[:, 1]]
        way = (blob[clear >= np.median(clear)].mean(0)
               - blob[clear <= clear.min() + 1].mean(0))
        norm = np.hypot(*way)
        return way / norm if norm > 0 else None


class Skeleton:
    """The bridged arrow strokes' skeleton as a graph, its connected parts, where arrows
    start (near found shapes) and where they may also cross (`through`: pools' and lanes'
    sides), for walking arrows back from their heads."""

    def __init__(self, skel: np.ndarray, starts: Optional[np.ndarray],
                 through: Optional[np.ndarray] = None, near: Optional[ShapesNear] = None):
        self.graph = _graph(skel)
        _, self.labels = cv2.connectedComponents(skel.astype(np.uint8), connectivity=8)
        self.pixels = np.argwhere(skel)
        self.starts = starts
        self.through = through
        self.near = near

    def but(self, zone: int) -> "Skeleton":
        """This skeleton with no arrow starting near the shape of `zone` (the one an arrow's
        head points at: its own spurs and corners there are no tail; on held-out train
        writers, flows F1 0.811 -> 0.819, on 130 photos of the writers trained on 0.749 ->
        0.750)."""
        if not zone:
            return self
        view = copy.copy(self)
        view.starts = self.starts & (self.near.zones != zone)
        return view

    def at_shape(self, p) -> bool:
        return self.starts is not None and bool(self.starts[p])

    def crossing(self, p) -> bool:
        """Whether `p` is by a side that arrows cross (and by no other shape)."""
        return self.through is not None and bool(self.through[p])

    def bar(self, end, behind: set, reach: int) -> list:
        """Where a walk ending at `end` may turn onto the stroke that passes across its end:
        the skeleton pixels within `reach` px, not `behind`, nearest `end`, one for each
        stretch of them (two for a T's bar)."""
        r, c = end
        near = np.abs(self.pixels - np.array(end)).max(1) <= reach
        left = {tuple(int(v) for v in p) for p in self.pixels[near]} - behind
        entries = []
        while left:
            seed = min(left, key=lambda q: max(abs(q[0] - r), abs(q[1] - c)))
            stretch = [seed]
            left.discard(seed)
            while stretch:
                for q in self.graph[stretch.pop()]:
                    if q in left:
                        left.discard(q)
                        stretch.append(q)
            entries.append(seed)
        return entries

    def jump(self, walk: list, behind: set, config: ArrowConfig):
        """The skeleton pixel, not `behind`, nearest straight ahead of the walk's last pixel
        within config.jump px, or None."""
        end, direction, norm = _heading(walk)
        if norm == 0:
            return None
        offsets = self.pixels - end
        dist = np.hypot(offsets[:, 0], offsets[:, 1])
        ahead = (offsets @ direction) / np.maximum(dist, 1e-9) / norm
        ok = (dist <= config.jump) & (ahead >= config.jump_cone)
        for i in np.flatnonzero(ok)[np.argsort(dist[ok])]:
            p = tuple(int(v) for v in self.pixels[i])
            if p not in behind:
                return p
        return None

    def feeder(self, blob: np.ndarray, behind: set, config: ArrowConfig) -> Optional[list]:
        """The straight way (blob first) from a head blob to the nearest skeleton end, not
        `behind`, within config.jump px, whose stroke points at the blob and which lies on the
        side away from the shape the head points at (`ShapesNear.away`), or None: a dashed
        shaft's last dash often lies further from its head than bridging reaches."""
        away = self.near.away(blob)
        if away is None:
            return None
        best = None
        for p, around in self.graph.items():
            if len(around) != 1 or p in behind:
                continue
            gaps = blob - np.array(p)
            dist = np.hypot(gaps[:, 0], gaps[:, 1])
            k = int(np.argmin(dist))
            if dist[k] > config.jump or (best is not None and dist[k] >= best[0]):
                continue
            out = self.outward(p, config.links)
            if (out is not None and out @ gaps[k] >= config.jump_cone * dist[k]
                    and away @ -gaps[k] >= config.feed_away * dist[k]):
                best = (dist[k], tuple(int(v) for v in blob[k]), p)
        if best is None:
            return None
        gap, start, end = best
        steps = int(np.ceil(gap))
        return [tuple(int(round(a + (b - a) * t / steps)) for a, b in zip(start, end))
                for t in range(steps + 1)]

    def outward(self, end, links: LinkConfig) -> Optional[np.ndarray]:
        """The unit direction a stroke points out of its end `end`, over `links.look` px of
        it, or None for a stroke too short to have one (as dashes are linked)."""
        seen, here = {end}, end
        for _ in range(links.look):
            ahead = [q for q in self.graph[here] if q not in seen]
            if not ahead:
                break
            here = ahead[0]
            seen.add(here)
        out = np.subtract(end, here).astype(float)
        norm = np.hypot(*out)
        return out / norm if norm >= links.short else None

    def shape_ahead(self, walk: list, reach: float):
        """The first pixel near a shape straight ahead of the walk's last pixel within `reach`
        px, or None: a leg read as a box's side stops short of the box it leaves, where the
        box's own strokes are no longer loose."""
        end, direction, norm = _heading(walk)
        if norm == 0 or self.starts is None:
            return None
        h, w = self.starts.shape
        for step in range(1, int(reach) + 1):
            r, c = (int(round(v)) for v in end + step * direction / norm)
            if not (0 <= r < h and 0 <= c < w):
                return None
            if self.starts[r, c]:
                return (r, c)
        return None


def _heading(walk: list, back: int = 16) -> tuple:
    """(last pixel, direction over its last `back` pixels, that direction's length)."""
    end = np.array(walk[-1], float)
    direction = end - np.array(walk[max(0, len(walk) - back)], float)
    return end, direction, float(np.hypot(*direction))


def _go_on(on: Skeleton, walk: list, by_heads: np.ndarray, config: ArrowConfig) -> list:
    """The walks a walk (head first, tail last) becomes when it goes on from a tail short of any
    shape, or from one at a side that arrows cross: across gaps in its line (dashes, skipped
    pencil, the side) to the next stroke straight ahead, then along that stroke to its far end
    (not one `by_heads`), until it reaches a shape; at a T, along both sides of its bar (two
    flows merged there), when both reach shapes apart. `on`: the strokes it may go on along
    (arrows', and outline strokes no found shape explains: a shaft the network read as a box's
    side). Without a shape to reach it stays as it was."""
    found = _extend(on, list(walk), _near(walk, config.behind), by_heads, config, True)
    return [w for w in found if on.at_shape(w[-1])] or [walk]


def _extend(on: Skeleton, walk: list, behind: set, by_heads: np.ndarray, config: ArrowConfig,
            merge: bool) -> list:
    """`_go_on`'s walks, `merge`: whether a T may split this one in two; a walk that last
    reached a crossed side and found no shape beyond it ends there."""
    crossed = None
    for _ in range(config.jumps):
        if on.at_shape(walk[-1]):
            if not on.crossing(walk[-1]):
                return [walk]
            crossed = walk
        entry = on.jump(walk, behind, config)
        if entry is None:
            bar = on.bar(walk[-1], behind, config.bar_reach)
            if merge and crossed is None:
                merged = _merged(on, walk, bar, behind, by_heads, config)
                if merged:
                    return merged
            if len(bar) != 1:
                landing = on.shape_ahead(walk, config.jump)
                if landing is not None and crossed is None:
                    return [walk + [landing]]
                break
            run = _run(on, bar[0], walk, behind, by_heads, config)  # a corner: the line turns
        else:                                                     # onto a stroke of another kind
            run = _landed(on, entry, walk, behind, by_heads, config)
        walk = walk + run
        behind = behind | _near(run, config.behind)
    if on.at_shape(walk[-1]) and not on.crossing(walk[-1]):
        return [walk]
    return [crossed or walk]


def _merged(on: Skeleton, walk: list, entries: list, behind: set, by_heads: np.ndarray,
            config: ArrowConfig) -> list:
    """Two walks where `walk` ends at a T (`entries`: where it may turn onto the stroke across
    its end, `Skeleton.bar`), one along each side of its bar, when both reach shapes far enough
    apart to be two (else none): flows drawn merging into one line before a shared head."""
    if len(entries) != 2:
        return []
    ways = []
    for entry in entries:
        run = _run(on, entry, walk, behind, by_heads, config)
        ways += _extend(on, walk + run, behind | _near(run, config.behind), by_heads, config,
                        False)
    ways = [w for w in ways if on.at_shape(w[-1])]
    if len(ways) != 2:
        return []
    apart = np.hypot(*np.subtract(ways[0][-1], ways[1][-1]))
    return ways if apart > config.bar_apart else []


def _run(on: Skeleton, entry, walk: list, behind: set, by_heads: np.ndarray,
         config: ArrowConfig) -> list:
    """The way from `entry` along its stroke (not `behind`) to the end `_tail` takes after
    `walk`, entry first."""
    dist, prev = _walk(on.graph, entry, behind)
    ends = [p for p in dist if len(on.graph[p]) <= 1 and not by_heads[p]] or [entry]
    return _trace(prev, _tail(ends, dist, prev, on.graph, on.starts, config,
                              before=walk))[::-1]


def _landed(on: Skeleton, entry, walk: list, behind: set, by_heads: np.ndarray,
            config: ArrowConfig) -> list:
    """The run on from where a jump across a gap lands (`entry`): where that stroke leads off
    sideways and another lies straight on beyond it, the walk crosses it (a tick or another
    flow across a dashed line; on held-out train writers, flows F1 0.804 -> 0.806)."""
    run = _run(on, entry, walk, behind, by_heads, config)
    if not _sideways(walk, run, config):
        return run
    beyond = on.jump(walk + [entry], behind | _near(run, config.behind), config)
    return run if beyond is None else _run(on, beyond, walk, behind, by_heads, config)


def _sideways(walk: list, run: list, config: ArrowConfig) -> bool:
    """Whether `run` leads off sharply from the way `walk` was heading."""
    _, heading, norm = _heading(walk)
    way = np.subtract(run[-1], run[0]).astype(float)
    length = np.hypot(*way)
    return norm > 0 and length > 0 and heading @ way < config.turn_cos * norm * length


def _lone_head(blob: np.ndarray, tail, aim: int, graph: dict, on: Skeleton,
               config: ArrowConfig):
    """A head whose strokes reach no tail of their own (`aim`: the shape it points at): the
    way to a dashed shaft's last dash beyond a gap (a walk, blob first), else the head alone
    as the whole arrow where its back lies at another shape than its tip (two shapes drawn
    close, the shaft hidden in the head), else None. (On held-out train writers, flows F1
    0.806 -> 0.811; on 130 photos of the writers trained on, 0.744 -> 0.749.)"""
    if on.near.zones[tail] in (0, aim):  # the walk stayed by the head
        way = on.feeder(blob, _near(list(graph), config.behind), config)
        if way is not None:
            return way
    ends = on.near.between(blob)
    if ends is None or np.hypot(*np.subtract(*ends)) < config.min_arrow:
        return None
    (r0, c0), (r1, c1) = ends
    return FoundArrow(((c0, r0), (c1, r1)), True, False)


def _nearest(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(px to the nearest labelled pixel, its label) for every pixel of an int map (0: none)."""
    gap, nearest = cv2.distanceTransformWithLabels(
        (ids == 0).astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL)
    owner = np.zeros(nearest.max() + 1, np.int32)
    owner[nearest[ids > 0]] = ids[ids > 0]
    return gap, owner[nearest]


def _near(pixels: list, radius: int) -> set:
    """Every pixel within `radius` (a square) of `pixels`: where a walk has been."""
    return {(r + dy, c + dx) for r, c in pixels
            for dy in range(-radius, radius + 1) for dx in range(-radius, radius + 1)}


def _component_arrows(graph: dict, blobs: list, by_heads: np.ndarray, near_head: np.ndarray,
                      raw: np.ndarray, sk: Skeleton, on: Skeleton, config: ArrowConfig) -> list:
    """Arrows of one connected skeleton: one per head blob touching it, from its tail
    (`_tail`: an end not `by_heads`, bool (H, W)), not passing by another head on the way
    (`near_head`: int (H, W), the head blob each pixel is near, 0 none; a flow ends at its
    head, it does not run on through it: on held-out train writers, flows F1 0.819 -> 0.831,
    130 trained-on photos 0.750 -> 0.755); with no head, one arrowless path between its two
    ends farthest apart."""
    ends = [p for p, q in graph.items() if len(q) == 1] or list(graph)[:1]
    by_head = {p: near_head[p] for p in graph if near_head[p]} if blobs else {}
    found = []
    for blob in blobs:
        inside = {tuple(p) for p in blob}
        start = min(graph, key=lambda p: 0 if p in inside else 1)
        other_heads = {p for p, head in by_head.items() if head != near_head[tuple(blob[0])]}
        dist, back = _walk(graph, start, other_heads)
        free = [p for p in ends if not by_heads[p] and p in dist]
        aim = 0 if sk.near is None else sk.near.pointed_at(blob)
        sk_aim, on_aim = sk.but(aim), on.but(aim)  # no tail where the head points
        tail = _tail(free, dist, back, graph, sk_aim.starts, config, config.min_tail)
        reach, prev = _walk(graph, tail, other_heads)
        entry = min((p for p in inside if p in reach), key=reach.get, default=start)
        walk = _trace(prev, entry)  # entry back to tail
        if not free and sk.near is not None:  # the head's strokes reach no tail
            lone = _lone_head(blob, tail, aim, graph, on, config)
            if isinstance(lone, FoundArrow):
                found.append(lone)
                continue
            walk = lone or walk
        for walk in _go_on(on_aim, walk, by_heads, config):
            found.append(_as_arrow(walk[::-1] + [_tip(blob, walk)], raw, True, config))
    if not blobs:
        dist, _ = _walk(graph, ends[0])
        far = max(dist, key=dist.get)
        dist, prev = _walk(graph, far)
        found.append(_as_arrow(_trace(prev, max(dist, key=dist.get))[::-1], raw, False, config))
    return [a for a in found if a is not None]


def find_arrows(maps: StrokeMaps, config: ArrowConfig = ArrowConfig(),
                explained: Optional[np.ndarray] = None, drawn: Optional[np.ndarray] = None,
                crossed: Optional[np.ndarray] = None) -> list[FoundArrow]:
    """Every arrow (and arrowless connector) of the stroke map (module doc); `explained`:
    int (H, W), the outlines of the shapes found, each numbered (0: none), near which arrows
    start (and near the objects the network reads as other kinds: data objects, stores);
    `drawn`: the outlines of every shape found (outline strokes elsewhere may be arrows' shafts);
    `crossed`: the part of `explained` that arrows may also cross (pools' and lanes' sides)."""
    starts = None if explained is None else _widened((explained > 0) | maps.of(OTHER),
                                                     config.near_shape)
    through = None
    if crossed is not None and starts is not None:  # by a crossed side, by no other shape
        others = ((explained > 0) & ~crossed) | maps.of(OTHER)
        through = _widened(crossed, config.near_shape) & ~_widened(others, config.near_shape)
    sure = maps.probs[HEAD] > config.head_prob
    blobs = _head_blobs(sure, config.min_head, config.head_join)
    ends_stay = _widened(sure, config.head_join) | (False if starts is None else starts)
    skel, raw = _skeleton(maps, config)
    near = None if starts is None else ShapesNear(explained, maps.of(OTHER), starts)
    sk = Skeleton(link_dashes(skel, ends_stay, config.links), starts, through, near)
    on = sk
    if drawn is not None:  # where a tail may go on: arrows' strokes and loose outline strokes
        skel_on, raw = _skeleton(maps, config, _loose(maps, drawn, config))
        on = Skeleton(link_dashes(skel_on, ends_stay, config.links), starts, through, near)
        # (and raw, the ink under a walk, now counts them too)
    graph, labels = sk.graph, sk.labels
    parts: dict[int, dict] = {}
    for p, q in graph.items():
        parts.setdefault(int(labels[p]), {})[p] = q
    touching: dict[int, list] = {part: [] for part in parts}
    head_ids = np.zeros(sure.shape, np.int32)
    for number, blob in enumerate(blobs, 1):
        for part in set(labels[blob[:, 0], blob[:, 1]].tolist()) - {0}:  # skeletons it meets
            touching[part].append(blob)
        head_ids[blob[:, 0], blob[:, 1]] = number
    by_heads = _widened(head_ids > 0, 2 * config.head_clear + 1)
    gap, nearest = _nearest(head_ids)
    near_head = np.where(gap <= config.head_block, nearest, 0)
    found = []
    for label, part in parts.items():
        found.extend(_component_arrows(part, touching[label], by_heads, near_head, raw, sk, on,
                                       config))
    if starts is None:
        return found
    return [_weakly_headed(a, maps.probs[HEAD], starts, config) for a in found]


def _weakly_headed(path: FoundArrow, head: np.ndarray, starts: np.ndarray,
                   config: ArrowConfig) -> FoundArrow:
    """An arrowless path leaving a shape with a head at its other end that the network reads
    less surely than a head blob needs (`weak_head`): an arrow to that end, wherever it
    points. (On held-out train writers, between two shapes: flows F1 0.704 -> 0.719, most
    such paths are flows whose head is faint; from a shape to anywhere, held-out 0.801 ->
    0.802 and 130 trained-on photos 0.735 -> 0.743: a faint head often stops short of its
    shape, and the end at a shape then is the tail.)"""
    if path.arrow:
        return path
    r = config.weak_reach
    tail, tip = (float(head[max(0, y - r):y + r + 1, max(0, x - r):x + r + 1].max())
                 for x, y in (path.points[0], path.points[-1]))
    points = path.points if tip >= tail else path.points[::-1]
    if max(tail, tip) < config.weak_head or not starts[points[0][1], points[0][0]]:
        return path
    return FoundArrow(points, True, path.dashed)
