"""Folders of drawings: their images in natural order, with ground truth where it is known.

Ground truth is a JSON file mapping file names to specs (DIR/ground_truth.json by default), or,
for a drawing without an entry there, a spec file beside it with the image's name and .json
(example-1.png, example-1.json), as `g2p sample -o` and data/examples/ write them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..errors import InputError
from ..spec import Spec, load_spec, load_spec_mapping

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")


@dataclass(frozen=True)
class Drawing:
    """One image of a drawing folder and its ground-truth spec, if known."""

    name: str
    path: Path
    spec: Optional[Spec]


def natural_key(name: str) -> tuple:
    """Sort key that orders numbers by value: expert-2 before expert-10."""
    return tuple(int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", name))


def load_drawing_folder(directory, ground_truth=None) -> list[Drawing]:
    """The images of a folder in natural order, with specs from `ground_truth` (a JSON file
    mapping file names to specs; by default DIR/ground_truth.json when it exists) or, for an
    image it does not name, from the spec file beside the image (NAME.json)."""
    folder = Path(directory)
    if not folder.is_dir():
        raise InputError(f"{folder}: not a directory")
    truth_path = Path(ground_truth) if ground_truth is not None else folder / "ground_truth.json"
    truth = (load_spec_mapping(truth_path)
             if ground_truth is not None or truth_path.exists() else {})
    files = sorted((p for p in folder.iterdir()
                    if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()),
                   key=lambda p: natural_key(p.name))
    return [Drawing(p.name, p, truth[p.name] if p.name in truth else _spec_beside(p))
            for p in files]


def _spec_beside(image: Path) -> Optional[Spec]:
    """The spec saved beside an image as NAME.json, when there is one."""
    path = image.with_suffix(".json")
    return load_spec(path) if path.is_file() else None
