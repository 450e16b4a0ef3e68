"""Shared test settings, paths and fixtures."""
from pathlib import Path

import cv2
import pytest
import torch

from graphics2prog.cli import main

REPO = Path(__file__).resolve().parents[1]


def _dev_drawings_folder() -> Path:
    """shared/drawings/dev beside the checkout (or beside one of its parents)."""
    for parent in REPO.parents:
        folder = parent / "shared" / "drawings" / "dev"
        if folder.is_dir():
            return folder
    return REPO.parent / "shared" / "drawings" / "dev"


DEV = _dev_drawings_folder()

# One OpenCV thread throughout: faster on a busy 2-core machine, and safe for any test that
# forks (a forked child's cv2.setNumThreads waits forever on threads it did not inherit).
cv2.setNumThreads(1)


@pytest.fixture(autouse=True)
def one_thread():
    """Small ops on a busy 2-core machine run far faster without a second OpenMP thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def g2p(capsys):
    """Run the `g2p` command line in this process: g2p(*argv) -> (status, stdout, stderr).

    Arguments may be paths or numbers; each is passed as str.
    """
    def run(*argv):
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err
    return run


@pytest.fixture(scope="session")
def examples() -> Path:
    """data/examples: example-N.png drawings with their example-N.json specs."""
    return REPO / "data" / "examples"


@pytest.fixture(scope="session")
def dev_drawings() -> Path:
    """The shared dev drawings (PNGs, ground_truth.json, reference_programs.json); the test
    is skipped where they are not present."""
    if not all((DEV / name).is_file() for name in ("ground_truth.json", "reference_programs.json")):
        pytest.skip("the shared dev drawings are not present")
    return DEV
