"""The text layer's shipped files (the trained head, the lexicon) by name, with their sha256
from graphics2prog/weights/registry.json, checked at load: a truncated or modified file fails
with one clear line instead of misreading every word. (The same manifest lists the networks;
models/registry.py reads those.)"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from ..errors import InputError

WEIGHTS = Path(__file__).resolve().parents[1] / "weights"
MANIFEST = "registry.json"
TEXT_KINDS = ("text_head", "text_lexicon")   # the manifest's entries this layer reads


class TextWeightsError(InputError):
    """A shipped text file that is missing or fails its checksum."""


def text_entries(weights_dir: Path = WEIGHTS) -> dict[str, dict]:
    """name -> manifest entry ({"file", "sha256", "kind", ...}) of the registered text
    files."""
    path = weights_dir / MANIFEST
    if not path.is_file():
        return {}
    try:
        known = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise TextWeightsError(f"{path}: invalid registry ({e.msg})") from None
    return {name: e for name, e in known.items() if e.get("kind") in TEXT_KINDS}


@lru_cache(maxsize=8)
def _verified(path: Path, expected: str, stamp: tuple) -> None:
    """Raise unless the file's sha256 is `expected`; cached per (path, size, mtime) `stamp`,
    so a file is hashed once, and again if it changes."""
    if hashlib.sha256(path.read_bytes()).hexdigest() != expected:
        raise TextWeightsError(f"{path}: sha256 mismatch (corrupt or modified text weights; "
                               "reinstall the package)")


def registered(name_or_path: str, weights_dir: Path = WEIGHTS) -> str:
    """A text file given by its registered name ("text_head"), by its file name in
    weights_dir ("text_head.npz") or by a path; a registered file is checked against its
    sha256 first (TextWeightsError when it fails); FileNotFoundError naming the registered
    files when it is none of these."""
    known = text_entries(weights_dir)
    by_file = {e["file"]: e for e in known.values()}
    entry = known.get(name_or_path) or by_file.get(str(name_or_path))
    if entry is not None:
        path = weights_dir / entry["file"]
        if not path.is_file():
            raise TextWeightsError(f"{path}: registered text file is missing; reinstall "
                                   "the package")
        st = path.stat()
        _verified(path.resolve(), entry["sha256"], (st.st_size, st.st_mtime_ns))
        return str(path)
    for path in (Path(name_or_path), weights_dir / str(name_or_path)):
        if path.is_file():
            return str(path)
    names = ", ".join(sorted(known)) or "none registered"
    raise FileNotFoundError(f"{name_or_path}: no such file, nor a registered text file "
                            f"({names})")
