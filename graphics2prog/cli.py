"""The `g2p` command: parses arguments and calls the pipeline's modules.

Exit status: 0 success, 2 bad usage or bad input (one line on stderr), 1 internal error.
Heavy modules (torch, cairo, z3) are imported inside the commands so `g2p --help` is quick.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .errors import InputError


class UsageError(InputError):
    """A flag value that parses but makes no sense (e.g. --objects 5-2)."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake as one line and status 2."""

    def error(self, message):
        raise UsageError(f"{self.prog}: {message}")


# ---------------------------------------------------------------- argument helpers

def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def _object_range(text: str) -> tuple[int, int]:
    """'A-B' or 'N' -> (A, B) with 1 <= A <= B."""
    parts = text.split("-")
    try:
        lo, hi = (int(parts[0]), int(parts[-1])) if len(parts) <= 2 else (0, -1)
    except ValueError:
        lo, hi = 0, -1
    if not 1 <= lo <= hi:
        raise argparse.ArgumentTypeError(f"expected A-B with 1 <= A <= B, got {text!r}")
    return lo, hi


def _print_json(doc) -> None:
    sys.stdout.write(json.dumps(doc) + "\n")


# ---------------------------------------------------------------- commands

def cmd_render(args) -> int:
    from . import render
    from .spec import load_spec

    spec = load_spec(args.spec)
    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix not in (".png", ".svg", ".tex"):
        raise UsageError(f"render: output must end in .png, .svg or .tex, got {out.name!r}")
    if args.noisy and suffix != ".png":
        raise UsageError("render: --noisy writes a PNG only")
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".tex":
        from .export.tikz import spec_to_tikz, standalone_document
        out.write_text(standalone_document(spec_to_tikz(spec)))
    elif suffix == ".svg":
        render.save_svg(spec, out, size=args.size)
    elif args.noisy:
        import numpy as np
        from .noise import render_noisy
        render.array_to_png(render_noisy(spec, np.random.default_rng(args.seed), size=args.size), out)
    else:
        render.save_png(spec, out, size=args.size)
    return 0


def cmd_sample(args) -> int:
    import numpy as np

    from .scenes import SceneConfig, sample_scene
    from .spec import spec_to_dict

    lo, hi = args.objects
    config = SceneConfig(min_objects=lo, max_objects=hi)
    rng = np.random.default_rng(args.seed)
    specs = [sample_scene(rng, config) for _ in range(args.n)]
    if args.output:
        from . import render
        from .noise import render_noisy
        from .spec import save_spec
        out = Path(args.output)
        out.mkdir(parents=True, exist_ok=True)
        for i, spec in enumerate(specs):
            save_spec(spec, out / f"scene-{i}.json")
            render.save_png(spec, out / f"scene-{i}-clean.png")
            render.array_to_png(render_noisy(spec, rng), out / f"scene-{i}.png")
    if args.json:
        _print_json([spec_to_dict(s) for s in specs])
    elif not args.output:
        from .spec import spec_to_text
        sys.stdout.write("\n\n".join(spec_to_text(s) for s in specs) + "\n")
    return 0


def cmd_data_synth(args) -> int:
    from .data import write_shards
    from .scenes import SceneConfig

    lo, hi = args.objects
    write_shards(args.out, args.scenes, seed=args.seed, workers=args.workers,
                 scene_config=SceneConfig(min_objects=lo, max_objects=hi),
                 progress=not args.quiet)
    return 0


# ---------------------------------------------------------------- parser

def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="g2p", description="Hand drawings -> specs -> graphics programs.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("render", help="render a spec to PNG, SVG or TikZ")
    p.add_argument("spec", help="spec JSON file")
    p.add_argument("-o", "--output", required=True, help="OUT.png, OUT.svg or OUT.tex")
    p.add_argument("--noisy", action="store_true", help="simulated hand drawing (PNG)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--size", type=_positive_int, default=256, help="pixels (default 256)")
    p.set_defaults(run=cmd_render)

    p = sub.add_parser("sample", help="sample synthetic scenes")
    p.add_argument("--n", type=_positive_int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--objects", type=_object_range, default=(1, 12), help="A-B (default 1-12)")
    p.add_argument("--json", action="store_true", help="one JSON list of specs on stdout")
    p.add_argument("-o", "--output", help="folder for scene-N.png/-clean.png/.json")
    p.set_defaults(run=cmd_sample)

    p = sub.add_parser("data", help="synthetic training data")
    data_sub = p.add_subparsers(dest="data_command", required=True, parser_class=_Parser)
    p = data_sub.add_parser("synth", help="write sharded synthetic scenes")
    p.add_argument("--scenes", type=_positive_int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--workers", type=_positive_int, default=os.cpu_count() or 1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--objects", type=_object_range, default=(1, 12))
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(run=cmd_data_synth)
    return parser


def main(argv=None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except InputError as e:
        sys.stderr.write(f"g2p: error: {e}\n")
        return 2
    except OSError as e:
        where = f" {e.filename}" if e.filename else ""
        sys.stderr.write(f"g2p: error:{where}: {e.strerror or e}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("g2p: interrupted\n")
        return 130
    except Exception as e:  # noqa: BLE001 - the last line of defence, status 1
        if os.environ.get("G2P_DEBUG"):
            raise
        sys.stderr.write(f"g2p: internal error: {e.__class__.__name__}: {e} "
                         "(set G2P_DEBUG=1 for a traceback)\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
