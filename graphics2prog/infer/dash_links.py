"""Dashed and dotted lines joined up: the skeleton ends of an arrow's strokes that point at
each other across a gap are linked by a straight piece of skeleton, so that a dashed flow is one
stroke from its head to its tail.

Bridging (a dilation) joins only gaps narrower than itself; wider ones, between the dashes of a
message flow or the dots of an association, are joined here by direction: each end looks along
its own stroke, and two ends are linked when each lies ahead of the other. A dot too short to
have a direction may be linked on both sides, to ends that point at it from opposite sides.
Ends by a found shape or inside a head stay ends (an arrow starts or stops there).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import cv2
import numpy as np

NEIGHBOURS = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]


@dataclass(frozen=True)
class LinkConfig:
    """Linking settings, in pixels of the 1024-px reading."""
    gap: float = 25.0     # px: widest gap joined
    cone: float = 0.85    # an end looks this straight at the other end (cosine)
    look: int = 16        # px: an end's direction is taken over this much of its stroke
    short: int = 4        # px: strokes shorter than this have no direction (dots)


def _end_directions(skel: np.ndarray, look: int, short: int) -> tuple[np.ndarray, np.ndarray]:
    """Skeleton ends (N, 2) row-col, with neighbours <= 1, and their unit directions (N, 2),
    pointing out of the stroke (zero for a dot: a stroke shorter than `short`)."""
    padded = np.pad(skel, 1)
    count = sum(np.roll(np.roll(padded, dy, 0), dx, 1) for dy, dx in NEIGHBOURS)[1:-1, 1:-1]
    ends = np.argwhere(skel & (count <= 1))
    h, w = skel.shape
    directions = np.zeros(ends.shape, float)
    for i, (r, c) in enumerate(ends):
        seen, here = {(r, c)}, (r, c)
        for _ in range(look):
            around = ((here[0] + dy, here[1] + dx) for dy, dx in NEIGHBOURS)
            ahead = [q for q in around if 0 <= q[0] < h and 0 <= q[1] < w
                     and skel[q] and q not in seen]
            if not ahead:
                break
            here = ahead[0]
            seen.add(here)
        out = np.array([r - here[0], c - here[1]], float)
        if np.hypot(*out) >= short:
            directions[i] = out / np.hypot(*out)
    return ends, directions


def link_dashes(skel: np.ndarray, keep: Optional[np.ndarray],
                config: LinkConfig = LinkConfig()) -> np.ndarray:
    """A copy of the bool skeleton with ends that point at each other joined by straight
    lines (module doc); `keep`: bool (H, W), where ends stay ends (by shapes, in heads)."""
    ends, directions = _end_directions(skel, config.look, config.short)
    if keep is not None and len(ends):
        free = ~keep[ends[:, 0], ends[:, 1]]
        ends, directions = ends[free], directions[free]
    if len(ends) < 2:
        return skel
    offsets = ends[None, :, :] - ends[:, None, :]  # [i, j]: from end i to end j
    dist = np.hypot(offsets[..., 0], offsets[..., 1])
    towards = np.einsum("ik,ijk->ij", directions, offsets) / np.maximum(dist, 1e-9)
    directed = np.hypot(directions[:, 0], directions[:, 1]) > 0
    # i looks at j (or is a dot), and j looks at i (or is a dot), not both dots
    looks = (towards >= config.cone) | ~directed[:, None]
    ok = looks & looks.T & (directed[:, None] | directed[None, :])
    ok &= (dist > 0) & (dist <= config.gap)
    _, parts = cv2.connectedComponents(skel.astype(np.uint8), connectivity=8)
    part = parts[ends[:, 0], ends[:, 1]]
    ok &= part[:, None] != part[None, :]  # a stroke's two ends are not one gap
    links = np.zeros(len(ends), int)      # a directed end takes one link, a dot two
    room = np.where(directed, 1, 2)
    joined = skel.astype(np.uint8)
    pairs = np.argwhere(np.triu(ok))
    for i, j in pairs[np.argsort(dist[pairs[:, 0], pairs[:, 1]])]:
        if links[i] < room[i] and links[j] < room[j]:
            links[i] += 1
            links[j] += 1
            (ri, ci), (rj, cj) = ends[i], ends[j]
            cv2.line(joined, (int(ci), int(ri)), (int(cj), int(rj)), 1, 1)
    return joined > 0
