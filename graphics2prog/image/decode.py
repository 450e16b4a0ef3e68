"""Image files to arrays: any format and mode PIL reads, checked before it is decoded.

RGBA and transparent palettes are composited on white, 16-bit images keep their precision,
EXIF rotation is applied. Missing, empty, undecodable and absurdly large files (decompression
bombs included) raise ImageInputError, whose message names the file.
"""
from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Optional

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import InputError

MAX_PIXELS = 50_000_000
DRAFT_SIDE = 2000       # larger JPEGs are decoded at a power-of-two reduction


class ImageInputError(InputError):
    """A file that is not a usable image; the message names the file."""


def open_image(path: Path, draft_side: Optional[int] = None) -> tuple[Image.Image, float]:
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


def luminance(im: Image.Image) -> np.ndarray:
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


def rgb_of(im: Image.Image, gray: np.ndarray) -> np.ndarray:
    """The picture as uint8 RGB (H, W, 3), transparency on white; grey pictures (any depth)
    from their luminance `gray`."""
    if im.mode in ("RGBA", "LA", "PA", "La", "RGBa", "P"):
        rgba = im.convert("RGBA")
        im = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    elif im.mode not in ("RGB", "CMYK", "YCbCr", "LAB", "HSV"):
        return np.repeat(np.round(gray * 255).astype(np.uint8)[..., None], 3, axis=2)
    return np.asarray(im.convert("RGB"))


def decode_rgb(path: Path) -> tuple[np.ndarray, np.ndarray, float]:
    """(luminance, uint8 RGB, decoding factor) of an image file, a large JPEG decoded
    reduced (DRAFT_SIDE): what every reader starts from."""
    im, factor = open_image(Path(path), DRAFT_SIDE)
    with im:
        gray = luminance(im)
        return gray, rgb_of(im, gray), factor
