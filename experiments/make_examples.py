"""Draw data/examples/example-N.png from the specs beside them with the project's noise model."""
import argparse
from pathlib import Path

import numpy as np

from graphics2prog.noise import render_noisy
from graphics2prog.render import array_to_png
from graphics2prog.spec import load_spec

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for i, path in enumerate(sorted(EXAMPLES.glob("example-*.json"))):
        spec = load_spec(path)
        array_to_png(render_noisy(spec, np.random.default_rng(args.seed + i)), path.with_suffix(".png"))
        print(f"wrote {path.with_suffix('.png')} ({len(spec)} primitives)")


if __name__ == "__main__":
    main()
