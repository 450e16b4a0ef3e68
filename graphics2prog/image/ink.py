"""Ink helpers shared by every image reader: lighting, the paper's noise floor, strokes.

Paper is found as the majority tone (so white-on-black drawings are inverted) and lighting is
flattened by dividing by a background estimate (a closing wider than the strokes), so shadows
and gradients do not become ink. Stroke intensity is kept (not binarised) and normalised so
strong strokes reach about 1, like the pencil model's training images.
"""
from __future__ import annotations

import cv2
import numpy as np
from skimage.morphology import skeletonize

INK_THRESHOLD = 0.25    # what counts as ink when locating the drawing
MIN_STROKE = 0.25       # squares: shorter specks are not part of the drawing
MIN_WIDTH = 0.06        # squares: mean thickness of a stroke at least
STROKE_LEVEL = 0.05     # ink (above the paper's noise) that counts when locating the drawing
FLOOR = 0.03            # least ink of a photo that is more than the paper's noise


def reflectance(rgb: np.ndarray, kernel_px: float) -> np.ndarray:
    """rgb float32 (H, W, 3) in [0, 1] divided by the paper's brightness per channel: a
    grey-level closing with a square of `kernel_px` (of the image lightly smoothed against
    noise) erases thin dark lines and strokes and keeps shadows, gradients and the sheet's
    edge exactly where they are. Returns float32 (H, W, 3) in [0, 1]."""
    k = max(3, int(round(kernel_px)) | 1)
    smooth = cv2.GaussianBlur(rgb, (0, 0), 1.0)
    bg = cv2.morphologyEx(smooth, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    return np.clip(rgb / np.maximum(np.maximum(bg, rgb), 1e-3), 0.0, 1.0)


def density(refl: np.ndarray) -> np.ndarray:
    """Optical density -log(reflectance), float32, 0 on paper."""
    return -np.log(np.maximum(refl, 0.02))


def background(gray: np.ndarray) -> np.ndarray:
    """Paper brightness at every pixel: a closing wide enough to erase strokes, then smoothed.
    Computed at <= 512 px for speed."""
    h, w = gray.shape
    f = min(1.0, 512.0 / max(h, w))
    small = cv2.resize(gray, (max(1, round(w * f)), max(1, round(h * f))),
                       interpolation=cv2.INTER_AREA) if f < 1 else gray
    k = 2 * max(5, round(max(small.shape) / 48)) + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    bg = cv2.GaussianBlur(bg, (0, 0), k / 4)
    if f < 1:
        bg = cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.maximum(bg, gray)  # where the closing missed ink, never invent it


def ink_from_gray(gray: np.ndarray) -> np.ndarray:
    """Ink in [0, 1] at the image's own resolution: polarity, lighting and noise floor fixed."""
    if np.median(gray) < 0.5:
        gray = 1.0 - gray  # light ink on a dark page
    return noise_floor(1.0 - gray / np.maximum(background(gray), 1e-3))


def noise_floor(ink: np.ndarray, minimum: float = 0.08) -> np.ndarray:
    """Ink less the paper's noise (median + 5 robust sigmas, at least `minimum`), rescaled to
    [0, 1]: grain, texture and compression artefacts drop to 0, strokes keep their shades."""
    med = float(np.median(ink))
    mad = float(np.median(np.abs(ink - med)))
    floor = min(0.5, max(minimum, med + 5 * 1.4826 * mad))
    return np.clip((ink - floor) / (1.0 - floor), 0.0, 1.0).astype(np.float32)


def normalise(ink: np.ndarray) -> np.ndarray:
    """Scale intensity so strong strokes reach about 1 (never dimming); blank stays blank."""
    strong = ink[ink > 0.2]
    if strong.size < 4:
        return np.zeros_like(ink) if ink.max(initial=0.0) < 0.2 else ink
    gain = 1.0 / max(0.25, min(1.0, float(np.percentile(strong, 90))))
    return np.clip(ink * gain, 0.0, 1.0).astype(np.float32)


def drawing_box(ink: np.ndarray) -> tuple[tuple[int, int, int, int], float] | None:
    """Bounding box (x0, y0, x1, y1, exclusive ends) of the ink ignoring specks, and the stroke
    width in pixels; None when there is no ink."""
    mask = ink > INK_THRESHOLD
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if n <= 1:
        return None
    core = ink > 0.5  # the width measure is scale-equivariant at this level
    width = max(1.0, float(core.sum()) / max(1, int(skeletonize(core).sum())))
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.flatnonzero(areas >= max(4.0, width * width)) + 1
    if keep.size == 0:
        return None
    x0 = stats[keep, cv2.CC_STAT_LEFT].min()
    y0 = stats[keep, cv2.CC_STAT_TOP].min()
    x1 = (stats[keep, cv2.CC_STAT_LEFT] + stats[keep, cv2.CC_STAT_WIDTH]).max()
    y1 = (stats[keep, cv2.CC_STAT_TOP] + stats[keep, cv2.CC_STAT_HEIGHT]).max()
    return (int(x0), int(y0), int(x1), int(y1)), width


def strokes_only(ink: np.ndarray, px: float) -> np.ndarray:
    """The ink of components that look like strokes: at least MIN_STROKE squares long and
    MIN_WIDTH thick on average (specks and slivers along the region's edge are not)."""
    mask = (ink > STROKE_LEVEL).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    extent = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    keep = (extent >= MIN_STROKE * px) & (stats[:, cv2.CC_STAT_AREA] >= MIN_WIDTH * px * extent)
    keep[0] = False
    return np.where(keep[labels], ink, 0.0)
