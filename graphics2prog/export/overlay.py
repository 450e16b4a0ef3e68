"""overlay.png: the parse drawn over the input photo, so a user sees at a glance what was found
where and what was missed (issue 17).

Every primitive's outline is sampled in grid units and mapped through `image_from_grid` (a
homography), so paths land exactly on their points; strokes scale with the photo's size so they
stay visible on a 4000-pixel photo and do not swamp a 256-pixel drawing.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import cv2
import numpy as np

from ..spec import primitive_to_dict

# RGB colours per kind: shapes, arrows, arrowless strokes, words
COLOURS = {"rectangle": (31, 119, 180), "circle": (44, 160, 44), "ellipse": (44, 160, 44),
           "diamond": (255, 127, 14), "arrow": (214, 39, 40), "stroke": (148, 103, 189),
           "text": (227, 0, 140)}


@dataclass(frozen=True)
class OverlayStyle:
    """How the overlay looks: the photo's lightening and strokes in proportion to its size."""

    lighten: float = 0.6          # share of white mixed into the photo
    width_per_px: float = 1 / 450  # stroke width per pixel of the photo's long side
    min_width: int = 2
    outline_points: int = 64       # points sampled around an ellipse
    corner_share: float = 0.15     # a rounded rectangle's corner radius / its shorter side
    head_widths: float = 5.0       # arrow head length, in stroke widths
    dash_widths: float = 3.0       # dash length, in stroke widths (gaps are two thirds of it)
    text_scale: float = 0.6        # text height / its box's height


def draw_overlay(rgb: np.ndarray, primitives, image_from_grid: np.ndarray,
                 style: OverlayStyle = OverlayStyle()) -> np.ndarray:
    """The input photo (uint8 RGB or grey), lightened, with `primitives` (spec primitives or
    their JSON dicts, in grid units) drawn over it in colours per kind: uint8 RGB, same size."""
    image = np.asarray(rgb, dtype=np.uint8)
    image = np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image[..., :3]
    out = np.ascontiguousarray(image * (1 - style.lighten) + 255 * style.lighten, np.uint8)
    width = max(style.min_width, round(max(out.shape[:2]) * style.width_per_px))
    homography = np.asarray(image_from_grid, dtype=float)
    for p in primitives:
        d = p if isinstance(p, dict) else primitive_to_dict(p)
        _draw(out, d, homography, width, style)
    return out


def map_points(homography: np.ndarray, points) -> np.ndarray:
    """Grid points (n, 2) -> pixel (column, row) points (n, 2)."""
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    mapped = np.column_stack([pts, np.ones(len(pts))]) @ homography.T
    return mapped[:, :2] / mapped[:, 2:3]


def outline(d: dict, style: OverlayStyle) -> tuple[np.ndarray, bool]:
    """A primitive's outline in grid units and whether it closes on itself."""
    kind = d["kind"]
    if kind in ("circle", "ellipse"):
        rx, ry = (d.get("r", 1),) * 2 if kind == "circle" else (d["rx"], d["ry"])
        t = np.linspace(0, 2 * np.pi, style.outline_points, endpoint=False)
        return np.column_stack([d["x"] + rx * np.cos(t), d["y"] + ry * np.sin(t)]), True
    if kind == "diamond":
        x, y, rx, ry = d["x"], d["y"], d["rx"], d["ry"]
        return np.array([[x - rx, y], [x, y + ry], [x + rx, y], [x, y - ry]], float), True
    if kind == "line":
        return np.array([[d["x1"], d["y1"]], [d["x2"], d["y2"]]], float), False
    if kind == "path":
        return np.asarray(d["points"], float), False
    return _box_outline(d, style), True


def _box_outline(d: dict, style: OverlayStyle) -> np.ndarray:
    """A rectangle's or text box's corners; a rounded rectangle's corners as quarter arcs."""
    x1, x2 = sorted((d["x1"], d["x2"]))
    y1, y2 = sorted((d["y1"], d["y2"]))
    if not d.get("rounded", False):
        return np.array([[x1, y1], [x2, y1], [x2, y2], [x1, y2]], float)
    r = style.corner_share * min(x2 - x1, y2 - y1)
    t = np.linspace(0, np.pi / 2, style.outline_points // 4)
    arcs = [(x2 - r, y2 - r, 0), (x1 + r, y2 - r, 1), (x1 + r, y1 + r, 2), (x2 - r, y1 + r, 3)]
    return np.concatenate([np.column_stack([cx + r * np.cos(t + q * np.pi / 2),
                                            cy + r * np.sin(t + q * np.pi / 2)])
                           for cx, cy, q in arcs])


def _draw(out: np.ndarray, d: dict, homography: np.ndarray, width: int,
          style: OverlayStyle) -> None:
    points, closed = outline(d, style)
    pixels = map_points(homography, points)
    if not np.isfinite(pixels).all():
        return
    arrow = d.get("arrow", False)
    width = max(1, width // 2) if d["kind"] == "text" else width
    colour = COLOURS["arrow" if arrow else "stroke"] if not closed else COLOURS[d["kind"]]
    if d.get("dashed", False):
        for dash in dashes(np.vstack([pixels, pixels[:1]]) if closed else pixels,
                           style.dash_widths * width):
            cv2.polylines(out, [np.round(dash).astype(np.int32)], False, colour, width,
                          cv2.LINE_AA)
    else:
        cv2.polylines(out, [np.round(pixels).astype(np.int32)], closed, colour, width,
                      cv2.LINE_AA)
    if arrow:
        _arrow_head(out, pixels, colour, style.head_widths * width)
    if d["kind"] == "text":
        _label(out, d["text"], pixels, colour, width, style)


def dashes(pixels: np.ndarray, dash: float) -> list[np.ndarray]:
    """A polyline cut into dashes `dash` long with gaps of two thirds of that between them."""
    lengths = np.hypot(*np.diff(pixels, axis=0).T)
    along = np.concatenate([[0.0], np.cumsum(lengths)])
    pieces, start = [], 0.0
    while start < along[-1]:
        stop = min(start + dash, along[-1])
        at = np.concatenate([[start], along[(along > start) & (along < stop)], [stop]])
        pieces.append(np.column_stack([np.interp(at, along, pixels[:, 0]),
                                       np.interp(at, along, pixels[:, 1])]))
        start = stop + dash * 2 / 3
    return pieces


def _arrow_head(out: np.ndarray, pixels: np.ndarray, colour, length: float) -> None:
    """A filled head at the last point, pointing along the last leg of non-zero length."""
    tip = pixels[-1]
    legs = [q for q in pixels[-2::-1] if np.hypot(*(tip - q)) > 0]
    if not legs:
        return
    along = (tip - legs[0]) / np.hypot(*(tip - legs[0]))
    across = np.array([-along[1], along[0]])
    base = tip - length * along
    head = np.array([tip, base + 0.45 * length * across, base - 0.45 * length * across])
    cv2.fillConvexPoly(out, np.round(head).astype(np.int32), colour, cv2.LINE_AA)


def _label(out: np.ndarray, text: str, pixels: np.ndarray, colour, width: int,
           style: OverlayStyle) -> None:
    """The words' string inside their box (OpenCV's font is ASCII: accents are dropped)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    x1, y1 = pixels.min(axis=0)
    x2, y2 = pixels.max(axis=0)
    font = cv2.FONT_HERSHEY_SIMPLEX
    (w, h), _ = cv2.getTextSize(ascii_text or "?", font, 1.0, 1)
    scale = min(style.text_scale * (y2 - y1) / h, (x2 - x1) / w)
    if scale <= 0:
        return
    cv2.putText(out, ascii_text, (int(x1), int(y2 - (y2 - y1 - h * scale) / 2)), font, scale,
                colour, width, cv2.LINE_AA)
