"""User images to the 256x256 ink map the models read (ink = 1, paper = 0): the reader for
each kind of image, chosen here.

A 256x256 image is already on the grid and keeps every pixel where it is. A photo or scan of
graph paper is mapped onto the paper's own printed grid (graph_paper.py: one square = 16 px,
the paper's lines on the model's), so it needs no registration. A photo of a plain sheet on a
table is cropped to the sheet and straightened (sheet.py), and scaled by the unit read off its
strokes (plain.py). Any other image is a scan, placed by its ink (scan.py). A given grid unit
overrides either estimate; these placements are estimates that inference refines
(infer/register.py). Every reader says where it sampled the ink map from, so `image_from_grid`
maps the grid into the original image's pixels (frames.py), and measures the drawing's extent
(extent.py), from which image/mode.py judges a drawing from a diagram.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

from .decode import ImageInputError, decode_rgb
from .extent import Extent, measure
from .frames import MODEL_FROM_GRID, image_from_grid
from .graph_paper import OUT_PX, read_photo
from .ink import INK_THRESHOLD, ink_from_gray, normalise
from .plain import drawing_unit, plain_ink
from .scan import SIZE, onto_grid
from .sheet import find_sheet, rectify


@dataclass
class Prepared:
    """What preprocessing made of an image file."""

    ink: np.ndarray                       # float32 (256, 256), ink = 1
    placed: bool                          # moved and scaled by an estimate that inference
                                          # refines (infer/register.py)
    rectified: Optional[np.ndarray] = None  # uint8 RGB: a photo as mapped onto its sheet
    grid_unit_px: Optional[float] = None  # the paper's grid unit found in the image
    image_from_grid: np.ndarray = field(default_factory=MODEL_FROM_GRID.copy)
    # (3, 3): grid units -> the original image's pixels (frames.py)
    input_rgb: Optional[np.ndarray] = None  # uint8 RGB as decoded (EXIF applied): a large
                                          # JPEG at a reduced size ...
    input_factor: float = 1.0             # ... of this many pixels per original pixel
    extent: Extent = Extent()             # of the drawing, in paper units (mode.py)


@dataclass
class _Reading:
    """One reader's result, its map in the decoded image's pixels."""

    ink: np.ndarray
    placed: bool
    source_from_model: np.ndarray         # (3, 3), cv2 pixel centres
    extent: Extent
    rectified: Optional[np.ndarray] = None
    unit_px: Optional[float] = None


def prepare(path, grid_unit: Optional[float] = None) -> Prepared:
    """The ink map of an image file (module doc), with where its grid lies in the image and
    the drawing's extent. `grid_unit`: the grid unit in the image's pixels when known (a paper
    grid is then searched for near it, and without one the drawing is scaled by it).

    Raises ImageInputError (an InputError: exit status 2 on the command line) for missing,
    empty, undecodable or absurdly large files.
    """
    path = Path(path)
    if grid_unit is not None and not grid_unit > 0:
        raise ImageInputError(f"{path}: the grid unit must be a positive number of pixels")
    gray, rgb, factor = decode_rgb(path)
    if grid_unit is None and gray.shape == (SIZE, SIZE):
        ink = normalise(ink_from_gray(gray))
        read = _Reading(ink, False, np.eye(3), measure(ink, OUT_PX))
    else:
        read = _read(gray, rgb, None if grid_unit is None else grid_unit * factor)
    return Prepared(read.ink, read.placed, read.rectified,
                    None if read.unit_px is None else read.unit_px / factor,
                    image_from_grid(read.source_from_model, factor), rgb, factor, read.extent)


def _scan(gray: np.ndarray, unit: Optional[float]) -> _Reading:
    """Any image, placed by its ink."""
    ink = normalise(ink_from_gray(gray))
    canvas, source_from_model = onto_grid(ink, unit)
    return _Reading(normalise(canvas), True, source_from_model,
                    measure(ink, unit or drawing_unit(ink)))


def _read(gray: np.ndarray, rgb: np.ndarray, unit: Optional[float]) -> _Reading:
    """The reader for an image that is not already on the grid (module doc)."""
    photo = read_photo(rgb, unit)
    if photo is not None:
        return _Reading(photo.ink, False, photo.photo_from_model, photo.extent,
                        photo.rectified, photo.unit_px)
    corners, mask = find_sheet(rgb)
    if corners is None and mask is None:  # a scan, or paper filling the picture
        return _scan(gray, unit)
    if corners is not None:  # a plain sheet on a table: straightened, the table dropped
        rgb, photo_from_sheet = rectify(rgb, corners)
    else:  # a sheet running out of the picture: the table painted over with paper
        rgb = np.where(mask[..., None], rgb, np.median(rgb[mask], axis=0)).astype(np.uint8)
        photo_from_sheet = np.eye(3)
    ink = plain_ink(rgb)
    sheet_unit = unit or drawing_unit(ink)
    canvas, sheet_from_model = onto_grid(ink, sheet_unit)
    sheet = _Reading(normalise(canvas), True, photo_from_sheet @ sheet_from_model,
                     measure(ink, sheet_unit), rgb if corners is not None else None)
    # a "sheet" that keeps no ink is not the paper the drawing is on (it may have been a
    # lighting gradient): the whole picture is read as a scan instead, if that holds ink
    if sheet.ink.max(initial=0.0) >= INK_THRESHOLD:
        return sheet
    whole = _scan(gray, unit)
    return whole if whole.ink.max(initial=0.0) >= INK_THRESHOLD else sheet


def preprocess(path, grid_unit: Optional[float] = None) -> tuple[np.ndarray, bool]:
    """The ink map of an image file, float32 (256, 256) in [0, 1] with ink = 1, and whether it
    was moved and scaled onto the grid by an estimate (see `prepare`)."""
    prepared = prepare(path, grid_unit)
    return prepared.ink, prepared.placed


def preprocess_image(path) -> np.ndarray:
    """The ink map of an image file (see `preprocess`)."""
    return preprocess(path)[0]
