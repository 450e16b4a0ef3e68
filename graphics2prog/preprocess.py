"""User images to the 256x256 ink map the models read (ink = 1, paper = 0).

Any format and mode PIL reads: RGBA and transparent palettes are composited on white, 16-bit
images keep their precision, EXIF rotation is applied. Paper is found as the majority tone (so
white-on-black drawings are inverted) and lighting is flattened by dividing by a background
estimate (a grey-level closing wider than the strokes), so shadows and gradients do not become
ink. Stroke intensity is kept (not binarised) and normalised so strong strokes reach about 1,
like the pencil model's training images.

Geometry: a 256x256 image is already on the grid and keeps every pixel where it is. A photo
or scan of graph paper is mapped onto the paper's own printed grid (photo/prepare.py: one
square = 16 px, the paper's lines on the model's), so it needs no registration. Any other image
is centred on the ink (its bounding box, specks ignored) and scaled by
min((256 - 2*16) / extent, 1.8 px / stroke width): the drawing fits inside a one-unit margin,
and is never enlarged beyond the point where its strokes are as wide as in the training data
(so an image that is a scaled copy of a grid drawing returns to the grid's scale); a photo of
a plain sheet on a table is first cropped to the sheet and straightened, and scaled by the unit
read off its strokes (photo/sheet.py, photo/plain.py); a given grid unit overrides either
estimate. These placements are estimates that inference refines (infer/register.py).
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InputError

SIZE = 256
MARGIN_PX = 16          # one grid unit around the drawing
REF_STROKE_PX = 1.8     # stroke width (area / skeleton length of ink > 0.5), 256 px drawings
MAX_PIXELS = 50_000_000
DRAFT_SIDE = 2000       # larger JPEGs are decoded at a power-of-two reduction
INK_THRESHOLD = 0.25    # what counts as ink when locating the drawing


class ImageInputError(InputError):
    """A file that is not a usable image; the message names the file."""


def _open(path: Path, draft_side: Optional[int] = None) -> tuple[Image.Image, float]:
    """The decoded image and the factor it was decoded at, or ImageInputError for anything that
    is not a sane image file. A JPEG larger than `draft_side` is decoded at a reduced size (a
    power of two, down to no less than draft_side), which is several times faster."""
    if not path.exists():
        raise ImageInputError(f"{path}: no such file")
    if not path.is_file():
        raise ImageInputError(f"{path}: not a file")
    if path.stat().st_size == 0:
        raise ImageInputError(f"{path}: empty file")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(path)
            w, h = im.size
            if w * h > MAX_PIXELS or w < 1 or h < 1:
                raise ImageInputError(f"{path}: image size {w}x{h} is outside the accepted "
                                      f"range (at most {MAX_PIXELS} pixels)")
            if draft_side and im.format == "JPEG" and max(w, h) > draft_side:
                f = draft_side / max(w, h)
                im.draft(im.mode, (math.ceil(w * f), math.ceil(h * f)))
            im.load()
            return ImageOps.exif_transpose(im), im.size[0] / w
        except ImageInputError:
            raise
        except UnidentifiedImageError:
            raise ImageInputError(f"{path}: not an image file") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageInputError(f"{path}: image is too large (decompression bomb)") from None
        except (OSError, ValueError, SyntaxError, EOFError) as e:
            raise ImageInputError(f"{path}: cannot decode the image ({e})") from None


def _gray(im: Image.Image) -> np.ndarray:
    """Luminance in [0, 1] (paper bright, for the usual dark ink): float32 (H, W)."""
    mode = im.mode
    if mode.startswith("I") or mode == "F":
        a = np.asarray(im).astype(np.float32)
        peak = float(a.max(initial=0.0))
        scale = 1.0 if mode == "F" and peak <= 1.0 else (
            65535.0 if mode.startswith("I;16") or peak > 255 else 255.0)
        return np.clip(a / scale, 0.0, 1.0)
    if mode in ("RGBA", "LA", "PA", "La", "RGBa", "P"):
        rgba = im.convert("RGBA")
        im = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    if im.mode != "L":
        im = im.convert("RGB").convert("L")
    return np.asarray(im, dtype=np.float32) / 255.0


def _rgb(im: Image.Image, gray: np.ndarray) -> np.ndarray:
    """The picture as uint8 RGB (H, W, 3), transparency on white; grey pictures (any depth)
    from their luminance `gray`."""
    if im.mode in ("RGBA", "LA", "PA", "La", "RGBa", "P"):
        rgba = im.convert("RGBA")
        im = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    elif im.mode not in ("RGB", "CMYK", "YCbCr", "LAB", "HSV"):
        return np.repeat(np.round(gray * 255).astype(np.uint8)[..., None], 3, axis=2)
    return np.asarray(im.convert("RGB"))


def _background(gray: np.ndarray) -> np.ndarray:
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
    return noise_floor(1.0 - gray / np.maximum(_background(gray), 1e-3))


def noise_floor(ink: np.ndarray, minimum: float = 0.08) -> np.ndarray:
    """Ink less the paper's noise (median + 5 robust sigmas, at least `minimum`), rescaled to
    [0, 1]: grain, texture and compression artefacts drop to 0, strokes keep their shades."""
    med = float(np.median(ink))
    mad = float(np.median(np.abs(ink - med)))
    floor = min(0.5, max(minimum, med + 5 * 1.4826 * mad))
    return np.clip((ink - floor) / (1.0 - floor), 0.0, 1.0).astype(np.float32)


def _drawing_box(ink: np.ndarray) -> tuple[tuple[int, int, int, int], float] | None:
    """Bounding box (x0, y0, x1, y1, exclusive ends) of the ink ignoring specks, and the stroke
    width in pixels; None when there is no ink."""
    from skimage.morphology import skeletonize  # heavy import, only for resized inputs

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


def _onto_grid(ink: np.ndarray, unit_px: Optional[float] = None) -> np.ndarray:
    """Centre the drawing on a SIZE x SIZE canvas at the scale described in the module doc, or
    at MARGIN_PX / unit_px when the grid unit is known."""
    found = _drawing_box(ink)
    if found is None:
        return np.zeros((SIZE, SIZE), np.float32)
    (x0, y0, x1, y1), width = found
    scale = MARGIN_PX / unit_px if unit_px else \
        min((SIZE - 2 * MARGIN_PX) / max(x1 - x0, y1 - y0), REF_STROKE_PX / width)
    side = max(1, round(SIZE / scale))  # source pixels seen by the canvas
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left, top = round(cx - side / 2), round(cy - side / 2)
    h, w = ink.shape
    pad = ((max(0, -top), max(0, top + side - h)), (max(0, -left), max(0, left + side - w)))
    window = np.pad(ink, pad)[top + pad[0][0]:top + pad[0][0] + side,
                              left + pad[1][0]:left + pad[1][0] + side]
    interp = cv2.INTER_AREA if side > SIZE else cv2.INTER_LINEAR
    return cv2.resize(window, (SIZE, SIZE), interpolation=interp)


def normalise(ink: np.ndarray) -> np.ndarray:
    """Scale intensity so strong strokes reach about 1 (never dimming); blank stays blank."""
    strong = ink[ink > 0.2]
    if strong.size < 4:
        return np.zeros_like(ink) if ink.max(initial=0.0) < 0.2 else ink
    gain = 1.0 / max(0.25, min(1.0, float(np.percentile(strong, 90))))
    return np.clip(ink * gain, 0.0, 1.0).astype(np.float32)


@dataclass
class Prepared:
    """What preprocessing made of an image file."""

    ink: np.ndarray                       # float32 (256, 256), ink = 1
    placed: bool                          # moved and scaled by an estimate that inference
                                          # refines (infer/register.py)
    rectified: Optional[np.ndarray] = None  # uint8 RGB: a photo as mapped onto its sheet
    grid_unit_px: Optional[float] = None  # the paper's grid unit found in the image


def prepare(path, grid_unit: Optional[float] = None) -> Prepared:
    """The ink map of an image file (module doc). A photo or scan of graph paper is mapped
    onto its own printed grid (photo/prepare.py), so it needs no registration. `grid_unit`:
    the grid unit in the image's pixels when known (a paper grid is then searched for near
    it, and without one the drawing is scaled by it).

    Raises ImageInputError (an InputError: exit status 2 on the command line) for missing,
    empty, undecodable or absurdly large files.
    """
    from .photo.plain import drawing_unit, plain_ink
    from .photo.prepare import read_photo
    from .photo.sheet import find_sheet, rectify

    path = Path(path)
    if grid_unit is not None and not grid_unit > 0:
        raise ImageInputError(f"{path}: the grid unit must be a positive number of pixels")
    im, factor = _open(path, DRAFT_SIDE)
    with im:
        gray = _gray(im)
        if grid_unit is None and gray.shape == (SIZE, SIZE):
            return Prepared(normalise(ink_from_gray(gray)), False)
        rgb = _rgb(im, gray)
    unit = None if grid_unit is None else grid_unit * factor
    photo = read_photo(rgb, unit)
    if photo is not None:
        return Prepared(photo.ink, False, photo.rectified, photo.unit_px / factor)
    corners, mask = find_sheet(rgb)

    def scan() -> Prepared:
        return Prepared(normalise(_onto_grid(normalise(ink_from_gray(gray)), unit)), True)

    if corners is None and mask is None:  # a scan, or paper filling the picture
        return scan()
    if corners is not None:  # a plain sheet on a table: straightened, the table dropped
        rgb = rectify(rgb, corners)
    else:  # a sheet running out of the picture: the table painted over with paper
        rgb = np.where(mask[..., None], rgb, np.median(rgb[mask], axis=0)).astype(np.uint8)
    ink = plain_ink(rgb)
    sheet = Prepared(normalise(_onto_grid(ink, unit or drawing_unit(ink))), True,
                     rgb if corners is not None else None)
    # a "sheet" that keeps no ink is not the paper the drawing is on (it may have been a
    # lighting gradient): the whole picture is read as a scan instead, if that holds ink
    if sheet.ink.max(initial=0.0) >= INK_THRESHOLD:
        return sheet
    whole = scan()
    return whole if whole.ink.max(initial=0.0) >= INK_THRESHOLD else sheet


def preprocess(path, grid_unit: Optional[float] = None) -> tuple[np.ndarray, bool]:
    """The ink map of an image file, float32 (256, 256) in [0, 1] with ink = 1, and whether it
    was moved and scaled onto the grid by an estimate (see `prepare`)."""
    prepared = prepare(path, grid_unit)
    return prepared.ink, prepared.placed


def preprocess_image(path) -> np.ndarray:
    """The ink map of an image file (see `preprocess`)."""
    return preprocess(path)[0]
