"""Finding a plain sheet of paper in a photo, so the table around it never becomes ink.

The paper is the largest bright region (Otsu's threshold on a small, smoothed copy), with its
holes (the drawing) filled, if it is convex, clearly brighter than its surround, and bounded by
a sharp edge (a lighting gradient also splits a photo into a bright and a dark part, but with
no step between them). When it
covers nearly the whole photo there is nothing to do; when it is a clean quadrilateral, the
sheet is warped to an upright rectangle, which undoes rotation and perspective; otherwise (a
sheet cut off by the frame) what lies outside it is painted the paper's colour.
"""
from __future__ import annotations

import math
from typing import Optional

import cv2
import numpy as np

SMALL_PX = 480          # long side of the copy the sheet is found on
FILLS_FRAME = 0.97      # a bright region this large is the whole picture
MIN_AREA = 0.1          # a smaller one is not a sheet
MIN_CONTRAST = 0.85     # the surround is at most this bright relative to the sheet
MIN_SOLIDITY = 0.9      # a sheet is convex: its outline fills this much of its hull
INSET = 0.01            # of the sheet's size cut from its edges
EDGE_BAND = 4           # small pixels each side of the outline compared for a step


def _corners(quad: np.ndarray) -> np.ndarray:
    """Four points ordered top-left, top-right, bottom-right, bottom-left (y down)."""
    centre = quad.mean(0)
    order = np.argsort(np.arctan2(quad[:, 1] - centre[1], quad[:, 0] - centre[0]))
    quad = quad[order]  # clockwise on screen, starting anywhere
    first = int(np.argmin(quad.sum(1)))
    return np.roll(quad, -first, axis=0)


def _sharp_edge(gray: np.ndarray, region: np.ndarray) -> bool:
    """Whether the region's outline (away from the frame) is a step in brightness: the band
    just outside is at most MIN_CONTRAST as bright as the band just inside."""
    kernel = np.ones((2 * EDGE_BAND + 1,) * 2, np.uint8)
    inner = region.astype(bool) & ~cv2.erode(region, kernel).astype(bool)
    outer = cv2.dilate(region, kernel).astype(bool) & ~region.astype(bool)
    away = np.zeros_like(inner)
    away[EDGE_BAND:-EDGE_BAND, EDGE_BAND:-EDGE_BAND] = True
    inner, outer = inner & away, outer & away
    if not inner.any() or not outer.any():
        return False
    return np.median(gray[outer]) <= MIN_CONTRAST * np.median(gray[inner])


def find_sheet(rgb: np.ndarray) -> tuple[Optional[np.ndarray], Optional[np.ndarray]]:
    """(corners (4, 2) of a quadrilateral sheet in photo pixels, or None; mask bool (H, W)
    of the sheet when it does not fill the photo, or None). Both None: the photo is all
    paper, or no sheet stands out."""
    h, w = rgb.shape[:2]
    f = min(1.0, SMALL_PX / max(h, w))
    small = cv2.resize(rgb, (max(1, round(w * f)), max(1, round(h * f))),
                       interpolation=cv2.INTER_AREA)
    gray = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), (0, 0), 1.5)
    _, bright = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=4)
    if n <= 1:
        return None, None
    main = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    contours, _ = cv2.findContours((labels == main).astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_SIMPLE)
    outline = max(contours, key=cv2.contourArea)
    hull = cv2.convexHull(outline)
    region = np.zeros_like(bright)
    cv2.fillConvexPoly(region, hull, 1)
    share = region.mean()
    inside, outside = gray[region > 0], gray[region == 0]
    if share >= FILLS_FRAME or share < MIN_AREA or \
            cv2.contourArea(outline) < MIN_SOLIDITY * cv2.contourArea(hull) or \
            np.median(outside) > MIN_CONTRAST * np.median(inside) or \
            not _sharp_edge(gray, region):
        return None, None  # all paper, or nothing like a sheet (a streak of a table is not)
    quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)[:, 0]
    margin = 2  # small pixels: a corner this close to the frame was cut off by it
    clear = (quad.min() > margin and (quad[:, 0] < small.shape[1] - 1 - margin).all()
             and (quad[:, 1] < small.shape[0] - 1 - margin).all())
    if len(quad) == 4 and clear:
        return _corners(quad.astype(np.float64) / f), None
    mask = cv2.resize(region, (w, h), interpolation=cv2.INTER_NEAREST)
    inset = 2 * max(1, round(INSET * max(h, w))) + 1
    return None, cv2.erode(mask, np.ones((inset, inset), np.uint8)).astype(bool)


def rectify(rgb: np.ndarray, corners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sheet warped to an upright rectangle at about the photo's scale, its edges trimmed
    by INSET: uint8 (H', W', 3); and the map (3, 3) of its pixels to the photo's (cv2
    centres)."""
    tl, tr, br, bl = corners
    width = 0.5 * (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl))
    height = 0.5 * (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr))
    cut = INSET * max(width, height)
    size = (max(1, math.floor(width - 2 * cut)), max(1, math.floor(height - 2 * cut)))
    target = np.array([[-cut, -cut], [width - cut, -cut], [width - cut, height - cut],
                       [-cut, height - cut]], np.float32)
    m = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    straight = cv2.warpPerspective(rgb, m, size, flags=cv2.INTER_LINEAR,
                                   borderMode=cv2.BORDER_REPLICATE)
    return straight, np.linalg.inv(m)
