"""User images to the 256x256 ink map the models read (ink = 1, paper = 0): the reader for
each kind of image, chosen here.

A 256x256 image is already on the grid and keeps every pixel where it is. A photo or scan of
graph paper is mapped onto the paper's own printed grid (graph_paper.py: one square = 16 px,
the paper's lines on the model's), so it needs no registration. A photo of a plain sheet on a
table is cropped to the sheet and straightened (sheet.py), and scaled by the unit read off its
strokes (plain.py). Any other image is a scan, placed by its ink (scan.py). A given grid unit
overrides either estimate; these placements are estimates that inference refines
(infer/register.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from .decode import DRAFT_SIDE, ImageInputError, luminance, open_image, rgb_of
from .graph_paper import read_photo
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


def prepare(path, grid_unit: Optional[float] = None) -> Prepared:
    """The ink map of an image file (module doc). A photo or scan of graph paper is mapped
    onto its own printed grid (photo/prepare.py), so it needs no registration. `grid_unit`:
    the grid unit in the image's pixels when known (a paper grid is then searched for near
    it, and without one the drawing is scaled by it).

    Raises ImageInputError (an InputError: exit status 2 on the command line) for missing,
    empty, undecodable or absurdly large files.
    """
    path = Path(path)
    if grid_unit is not None and not grid_unit > 0:
        raise ImageInputError(f"{path}: the grid unit must be a positive number of pixels")
    im, factor = open_image(path, DRAFT_SIDE)
    with im:
        gray = luminance(im)
        if grid_unit is None and gray.shape == (SIZE, SIZE):
            return Prepared(normalise(ink_from_gray(gray)), False)
        rgb = rgb_of(im, gray)
    unit = None if grid_unit is None else grid_unit * factor
    photo = read_photo(rgb, unit)
    if photo is not None:
        return Prepared(photo.ink, False, photo.rectified, photo.unit_px / factor)
    corners, mask = find_sheet(rgb)

    def scan() -> Prepared:
        return Prepared(normalise(onto_grid(normalise(ink_from_gray(gray)), unit)), True)

    if corners is None and mask is None:  # a scan, or paper filling the picture
        return scan()
    if corners is not None:  # a plain sheet on a table: straightened, the table dropped
        rgb = rectify(rgb, corners)
    else:  # a sheet running out of the picture: the table painted over with paper
        rgb = np.where(mask[..., None], rgb, np.median(rgb[mask], axis=0)).astype(np.uint8)
    ink = plain_ink(rgb)
    sheet = Prepared(normalise(onto_grid(ink, unit or drawing_unit(ink))), True,
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
