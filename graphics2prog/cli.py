"""The `g2p` command: parses arguments and calls the pipeline's modules.

Exit status: 0 success, 2 bad usage or bad input (one line on stderr), 1 internal error.
Flags take their defaults from the config dataclasses (InferConfig, TrainConfig, ...), which
live in light modules; heavy modules (torch, cairo, z3) are imported inside the commands so
`g2p --help` is quick.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import fields
from pathlib import Path

from .errors import InputError
from .pipeline.config import InferConfig
from .scenes import SceneConfig
from .serve.worker import QUEUE_SIZE
from .training.config import LikelihoodTrainConfig, StrokeTrainConfig, TrainConfig

PROGRESS_DELAY_S = 1.0  # a bar appears only for work that lasts longer (and never before a quick error)


class UsageError(InputError):
    """A flag value that parses but makes no sense (e.g. --objects 5-2)."""


class _Help(argparse.HelpFormatter):
    """Help that shows each flag's default, where it has one worth showing (not on switches)."""

    def _get_help_string(self, action):
        text = action.help or ""
        if action.option_strings and action.nargs != 0 and action.default not in (
                None, argparse.SUPPRESS) and "%(default)" not in text:
            text += " (default: %(default)s)"
        return text


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake as one line and status 2, and shows defaults."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Help)
        super().__init__(*args, **kwargs)

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


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def _comma_ints(least: int, empty: bool = False):
    """A checker of 'N,N,...' (every N >= least; none at all only if `empty`) that keeps the
    text."""
    def check(text: str) -> str:
        parts = [t for t in text.split(",") if t.strip()]
        if not (parts or empty) or not all(t.strip().isdigit() and int(t) >= least
                                           for t in parts):
            raise argparse.ArgumentTypeError(
                f"expected integers of at least {least}, comma-separated, got {text!r}")
        return text
    return check


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


def _shard(text: str) -> tuple[int, int]:
    """'I/N' -> (I, N) with 1 <= I <= N."""
    try:
        index, count = (int(t) for t in text.split("/"))
    except ValueError:
        index, count = 0, 0
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"expected I/N with 1 <= I <= N, got {text!r}")
    return index, count


def _config(cls, args, **overrides):
    """A config dataclass from the parsed flags of the same names (the rest keep defaults)."""
    given = {f.name: getattr(args, f.name) for f in fields(cls) if hasattr(args, f.name)}
    return cls(**{**given, **overrides})


def _objects(args) -> dict:
    lo, hi = args.objects
    return {"min_objects": lo, "max_objects": hi}


def _print_json(doc) -> None:
    sys.stdout.write(json.dumps(doc) + "\n")


def _progress_bar(args, total: float, unit: str):
    """A tqdm bar on stderr unless --quiet, shown only once the work has lasted a moment."""
    from tqdm import tqdm
    return tqdm(total=total, unit=unit, file=sys.stderr, disable=args.quiet, leave=False,
                dynamic_ncols=True, delay=PROGRESS_DELAY_S)


def _warn(message: str) -> None:
    sys.stderr.write(f"g2p: warning: {message}\n")


# ---------------------------------------------------------------- commands

def cmd_render(args) -> int:
    from . import render
    from .export.tikz import spec_to_tikz, standalone_document
    from .noise import render_noisy
    from .spec import load_spec

    spec = load_spec(args.spec)
    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix not in (".png", ".svg", ".tex"):
        raise UsageError(f"render: output must end in .png, .svg or .tex, got {out.name!r}")
    if args.noisy and suffix != ".png":
        raise UsageError("render: --noisy writes a PNG only")
    out.parent.mkdir(parents=True, exist_ok=True)
    units = render.canvas_units(spec)  # 16, or more for a free-form diagram that reaches further
    if suffix == ".tex":
        out.write_text(standalone_document(spec_to_tikz(spec)))
    elif suffix == ".svg":
        render.save_svg(spec, out, size=args.size, units=units)
    elif args.noisy:
        import numpy as np
        rng = np.random.default_rng(args.seed)
        render.array_to_png(render_noisy(spec, rng, size=args.size, units=units), out)
    else:
        render.save_png(spec, out, size=args.size, units=units)
    return 0


def cmd_sample(args) -> int:
    import numpy as np

    from .scenes import sample_scene
    from .spec import spec_to_dict, spec_to_text

    if args.photo and not args.output:
        raise UsageError("sample: --photo writes scene-N-photo.jpg; give a folder with -o")
    rng = np.random.default_rng(args.seed)
    config = SceneConfig(**_objects(args))
    specs = [sample_scene(rng, config) for _ in range(args.n)]
    if args.output:
        _write_samples(args, specs, rng)
    if args.json:
        _print_json([spec_to_dict(s) for s in specs])
    elif not args.output:
        sys.stdout.write("\n\n".join(spec_to_text(s) for s in specs) + "\n")
    return 0


def _write_samples(args, specs, rng) -> None:
    """scene-N.json, -clean.png, .png (pencil) and, with --photo, -photo.jpg in -o."""
    import numpy as np

    from . import render
    from .noise import render_noisy
    from .photo_sim import style_for, synth_photo
    from .spec import save_spec

    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    for i, spec in enumerate(specs):
        save_spec(spec, out / f"scene-{i}.json")
        render.save_png(spec, out / f"scene-{i}-clean.png")
        render.array_to_png(render_noisy(spec, rng), out / f"scene-{i}.png")
        if args.photo:
            synth_photo(spec, np.random.default_rng([args.seed, i]),
                        style_for(args.photo)).save(out / f"scene-{i}-photo.jpg")


def cmd_data_synth(args) -> int:
    from .training.data import write_shards

    write_shards(args.out, args.scenes, seed=args.seed, workers=args.workers,
                 scene_config=SceneConfig(**_objects(args)), progress=not args.quiet)
    return 0


def cmd_data_hdbpmn(args) -> int:
    from .training.hdbpmn import write_cache

    split = Path(args.split)
    if not (split / "ground_truth.json").is_file():
        raise InputError(f"{split}: no ground_truth.json (an hdBPMN split folder?)")
    n = write_cache(split, args.out, progress=not args.quiet)
    sys.stderr.write(f"g2p: {n} labelled photos in {args.out}\n")
    return 0


def cmd_data_diagrams(args) -> int:
    from .training.diagram_synth import write_samples

    write_samples(args.out, args.n, args.seed, args.long_side)
    return 0


def cmd_infer(args) -> int:
    from .export.outputs import write_outputs
    from .pipeline.core import Pipeline
    from .spec import spec_to_text

    path = Path(args.drawing)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    pipeline = Pipeline(_config(InferConfig, args))
    with _progress_bar(args, 100, "% of budget") as bar:
        result = pipeline.run_file(path, progress=lambda f: bar.update(round(100 * f) - bar.n))
    if not result.found_ink:
        _warn(f"{path}: no ink found (a blank page?); the spec is empty")
    if args.out:
        write_outputs(result, args.out)
    if args.extrapolate and result.program is not None:
        _write_extrapolation(result.program, args.extrapolate)
    if args.json:
        _print_json(result.to_json())
        return 0
    lines = [f"{path}: {len(result.best)} primitives"]
    lines += ["  " + t for t in spec_to_text(result.best).splitlines()]
    if result.program_text is not None:
        lines += [f"program ({result.program_status}):"]
        lines += ["  " + t for t in result.program_text.splitlines()]
    if len(result.specs) > 1:
        lines += ["alternatives: " + ", ".join(f"{len(s)} primitives (score {score:.2f})"
                                              for s, score in result.specs[1:])]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def cmd_eval(args) -> int:
    from .image.drawings import load_drawing_folder
    from .pipeline.core import Pipeline
    from .pipeline.scoring import evaluate, format_table

    drawings = load_drawing_folder(args.directory, args.ground_truth)
    if not drawings:
        raise InputError(f"{args.directory}: no images found")
    pipeline = Pipeline(_config(InferConfig, args))
    with _progress_bar(args, len(drawings), "drawing") as bar:
        report = evaluate(pipeline, drawings, on_row=lambda row: bar.update(1),
                          workers=args.workers)
    if args.json:
        _print_json(report)
        return 0
    sys.stdout.write(format_table(report))
    return 0


def cmd_gallery(args) -> int:
    from .export.gallery import merge_galleries, run_gallery

    if args.merge and args.directory:
        raise UsageError("gallery: give DIR or --merge PART..., not both")
    if args.merge:
        summary = merge_galleries(args.merge, args.out)
    elif not args.directory:
        raise UsageError("gallery: DIR is required (or --merge PART... to join shards)")
    else:
        with _progress_bar(args, 0, "drawing") as bar:
            def progress(done, total):
                bar.total, bar.n = total, done
                bar.refresh()
            summary = run_gallery(args.directory, args.out, _config(InferConfig, args),
                                  workers=args.workers, shard=args.shard,
                                  ground_truth=args.ground_truth, progress=progress)
    if args.json:
        _print_json(summary)
        return 0
    scored = (f": top-1 {summary['top1']:.1%}, top-5 {summary['top5']:.1%}, "
              f"mean IoU {summary['mean_iou']:.3f}" if summary["scored"] else ": nothing scored")
    ran = f" ({summary['ran']} run, {summary['resumed']} resumed)" if "ran" in summary else ""
    sys.stdout.write(f"{args.out}/index.html: {summary['drawings']} drawings{ran}{scored}, "
                     f"{summary['failed']} failed\n")
    return 0


def _write_extrapolation(program, path) -> None:
    from .synth.extrapolate import save_extrapolation

    if Path(path).suffix.lower() != ".png":
        raise UsageError(f"--extrapolate: output must end in .png, got {Path(path).name!r}")
    save_extrapolation(program, path)


def cmd_synth(args) -> int:
    from .spec import load_specs
    from .synth import synthesize

    single, specs = load_specs(args.spec)
    if args.extrapolate and not single:
        raise UsageError("synth: --extrapolate takes a single spec")
    results = {}
    with _progress_bar(args, len(specs), "spec") as bar:
        for name, spec in specs.items():
            results[name] = synthesize(spec, timeout=args.timeout)
            bar.update(1)
    if args.extrapolate and results[""].program is not None:
        _write_extrapolation(results[""].program, args.extrapolate)

    def doc_of(r):
        return {"program": r.text, "cost": r.cost, "status": r.status,
                "time_s": round(r.time_s, 4)}

    if args.json:
        _print_json(doc_of(results[""]) if single else {k: doc_of(r) for k, r in results.items()})
        return 0
    for name, r in results.items():
        head = f"{name}: " if name else ""
        sys.stdout.write(f"{head}cost {r.cost}, {r.status}, {r.time_s:.2f} s\n{r.text or ''}\n")
    return 0


def cmd_serve(args) -> int:
    from .serve.server import run

    sys.stderr.write(f"g2p: serving http://{args.host}:{args.port}/ (Ctrl-C stops)\n")
    run(host=args.host, port=args.port, workers=args.workers,
        config=_config(InferConfig, args), queue_size=args.queue)
    return 0


def cmd_train_proposal(args) -> int:
    from .training.proposal import train_proposal

    train_proposal(_config(TrainConfig, args, **_objects(args)))
    return 0


def cmd_train_strokes(args) -> int:
    from .training.strokes import train_strokes

    train_strokes(_config(StrokeTrainConfig, args))
    return 0


def cmd_train_average(args) -> int:
    from .models.checkpoint import average_checkpoints, write_checkpoint

    write_checkpoint(args.out, average_checkpoints(args.checkpoints))
    print(f"g2p: the weights of {len(args.checkpoints)} checkpoints averaged into {args.out}",
          file=sys.stderr)
    return 0


def cmd_train_likelihood(args) -> int:
    from .training.likelihood import train_likelihood

    train_likelihood(_config(LikelihoodTrainConfig, args, **_objects(args)))
    return 0


# ---------------------------------------------------------------- parser

def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="g2p", description="Hand drawings -> specs -> graphics programs.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    objects = f"{SceneConfig.min_objects}-{SceneConfig.max_objects}"

    _render_flags(sub.add_parser("render", help="render a spec to PNG, SVG or TikZ"))
    _sample_flags(sub.add_parser("sample", help="sample synthetic scenes"), objects)

    _data_flags(sub.add_parser("data", help="training data: synthetic scenes and diagrams, "
                                            "labelled photos"), objects)

    p = sub.add_parser("infer", help="drawing -> specs -> program")
    p.add_argument("drawing", help="image file (PNG, JPEG, ...): a scan or a photo")
    _inference_flags(p)
    p.add_argument("--out", help="folder for render.png/.svg, figure.tex, spec.json, "
                                 "program.txt, input.png (what the networks saw) and, for a "
                                 "photo, photo.png (the photo mapped onto its paper)")
    p.add_argument("--extrapolate", metavar="OUT.png", help="render the program grown by one")
    p.set_defaults(run=cmd_infer)

    p = sub.add_parser("eval", help="infer every drawing of a folder and score it")
    p.add_argument("directory", help="folder of drawings")
    p.add_argument("--ground-truth", help="JSON mapping file names to specs (default: "
                                          "DIR/ground_truth.json, else each NAME.json)")
    p.add_argument("--workers", type=_positive_int, default=1, help="processes")
    _inference_flags(p)
    p.set_defaults(run=cmd_eval)

    p = sub.add_parser("gallery", help="the paper's supplementary gallery for a folder")
    p.add_argument("directory", nargs="?", help="folder of drawings (omit with --merge)")
    p.add_argument("--out", required=True, help="folder for index.html, gallery.tex, results.json")
    p.add_argument("--ground-truth", help="JSON mapping file names to specs (default: "
                                          "DIR/ground_truth.json, else each NAME.json)")
    p.add_argument("--workers", type=_positive_int, default=1, help="processes")
    p.add_argument("--shard", type=_shard, default=(1, 1),
                   help="I/N: every N-th drawing from the I-th")
    p.add_argument("--merge", nargs="+", metavar="PART", help="join the --shard outputs PART...")
    _inference_flags(p)
    p.add_argument("--timeout", dest="synth_timeout", type=_positive_float,
                   default=argparse.SUPPRESS, help="same as --synth-timeout")
    p.set_defaults(run=cmd_gallery)

    p = sub.add_parser("synth", help="spec -> minimum-cost program")
    p.add_argument("spec", help="a spec JSON file, or a file mapping names to specs")
    p.add_argument("--timeout", type=_positive_float, default=60.0, help="seconds per spec")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.add_argument("--extrapolate", metavar="OUT.png", help="render the program grown by one")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=cmd_synth)

    _serve_flags(sub.add_parser("serve", help="a local web page and JSON API: draw or drop a "
                                              "drawing, get the figure, program and TikZ"))

    p = sub.add_parser("train", help="train the networks on synthetic scenes")
    train_sub = p.add_subparsers(dest="network", required=True, parser_class=_Parser)
    _proposal_flags(train_sub.add_parser("proposal", help="the proposal network"))
    _likelihood_flags(train_sub.add_parser("likelihood", help="the likelihood surrogate"))
    _stroke_flags(train_sub.add_parser("strokes", help="the diagram stroke network"))
    p = train_sub.add_parser("average", help="average the weights of checkpoints of one run")
    p.add_argument("checkpoints", nargs="+", type=Path, help="checkpoints of one training run")
    p.add_argument("--out", type=Path, required=True, help="where to write the average")
    p.set_defaults(run=cmd_train_average)
    return parser


def _data_flags(data, objects: str) -> None:
    data_sub = data.add_subparsers(dest="data_command", required=True, parser_class=_Parser)
    p = data_sub.add_parser("synth", help="write sharded synthetic scenes")
    p.add_argument("--scenes", type=_positive_int, required=True, help="scenes to write")
    p.add_argument("--out", required=True, help="folder for the shards and manifest.json")
    p.add_argument("--workers", type=_positive_int, default=os.cpu_count() or 1,
                   help="processes (this machine's CPUs)")
    p.add_argument("--seed", type=int, default=0, help="seed of shard i is (seed, i)")
    p.add_argument("--objects", type=_object_range, default=objects, help="A-B primitives")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=cmd_data_synth)
    p = data_sub.add_parser("hdbpmn", help="label the strokes of annotated diagram photos for "
                                           "`g2p train strokes --real`")
    p.add_argument("split", help="a split folder: images/ and ground_truth.json (train/ only)")
    p.add_argument("--out", required=True, help="folder for NAME.jpg + NAME.png label pairs")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=cmd_data_hdbpmn)
    p = data_sub.add_parser("diagrams", help="write labelled diagram photos to look at")
    p.add_argument("--n", type=_positive_int, required=True, help="diagrams to write")
    p.add_argument("--out", required=True, help="folder for NAME.png, NAME-labels.png "
                   "(stroke class per pixel) and NAME.json (the scene)")
    p.add_argument("--seed", type=int, default=0, help="diagram i is seeded by (seed, i)")
    p.add_argument("--long-side", type=_positive_int, default=1024, help="image size (px)")
    p.set_defaults(run=cmd_data_diagrams)


def _render_flags(p) -> None:
    p.add_argument("spec", help="spec JSON file")
    p.add_argument("-o", "--output", required=True, help="OUT.png, OUT.svg or OUT.tex")
    p.add_argument("--noisy", action="store_true", help="a simulated pencil drawing (PNG)")
    p.add_argument("--seed", type=int, default=0, help="seed of the pencil noise")
    p.add_argument("--size", type=_positive_int, default=256,
                   help="pixels of the 16-unit grid (PNG, SVG); a free-form spec reaching "
                        "further gets a larger canvas at the same scale")
    p.set_defaults(run=cmd_render)


def _sample_flags(p, objects: str) -> None:
    p.add_argument("--n", type=_positive_int, default=1, help="scenes")
    p.add_argument("--seed", type=int, default=0, help="seed of the sampler")
    p.add_argument("--objects", type=_object_range, default=objects, help="A-B primitives")
    p.add_argument("--json", action="store_true", help="one JSON list of specs on stdout")
    p.add_argument("-o", "--output", help="folder for scene-N.png (pencil), -clean.png, .json")
    p.add_argument("--photo", nargs="?", const="medium", choices=("easy", "medium", "hard"),
                   help="also a simulated phone photo of each scene drawn on graph paper, "
                        "scene-N-photo.jpg, of this difficulty (medium when no value)")
    p.set_defaults(run=cmd_sample)


def _inference_flags(p, output: bool = True) -> None:
    """The search's flags (defaults from InferConfig) and, for commands that print, --json
    and --quiet."""
    d = InferConfig
    p.add_argument("--method", choices=("smc", "beam"), default=d.method,
                   help="search: SMC with the learned likelihood, seeded by beam search; or "
                        "beam search alone")
    p.add_argument("--grid-unit", type=_positive_float, metavar="PX", default=d.grid_unit,
                   help="one grid square of a photo or scan, in its pixels (default: found "
                        "from the paper's printed grid, or from the drawing)")
    p.add_argument("--top", type=_positive_int, default=d.top, help="specs returned")
    p.add_argument("--particles", type=_positive_int, default=d.particles,
                   help="SMC particles per round")
    p.add_argument("--time-budget", type=_positive_float, default=d.time_budget,
                   help="search seconds (SMC's seeding beam search included)")
    p.add_argument("--beam", type=_positive_int, default=d.beam,
                   help="beam width (--method beam, and SMC's seeding beam search)")
    p.add_argument("--no-program", dest="program", action="store_false",
                   help="skip program synthesis")
    p.add_argument("--no-text", dest="text", action="store_false",
                   help="do not read handwritten text (diagram mode reads labels with OCR "
                        "and attaches them to their shapes)")
    p.add_argument("--synth-timeout", type=_positive_float, default=d.synth_timeout,
                   help="seconds for the program synthesizer")
    p.add_argument("--weights", dest="proposal", metavar="NAME|FILE", default=d.proposal,
                   help="proposal network: a registered name or a checkpoint file")
    p.add_argument("--likelihood", metavar="NAME|FILE", default=d.likelihood,
                   help="likelihood network: a registered name, a checkpoint file, or 'pixel'")
    p.add_argument("--strokes", metavar="NAME|FILE[,...]", default=d.strokes,
                   help="diagram mode's stroke network: a registered name or a checkpoint file; "
                        "several joined by commas are averaged")
    p.add_argument("--seed", type=int, default=d.seed, help="seed of the search")
    p.add_argument("--rerank", action="store_true", default=d.rerank,
                   help="rerank the top specs by the program prior (SMC; off by default: "
                        "with the shipped weights it did not raise cross-validated top-1)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default=d.device,
                   help="auto: CUDA when present")
    p.add_argument("--mode", choices=("auto", "grid", "diagram"), default=d.mode,
                   help="grid: a drawing on the paper's 16-square grid; diagram: a free-form "
                        "diagram; auto: judged from the image")
    if output:
        p.add_argument("--json", action="store_true", help="one JSON document on stdout")
        p.add_argument("--quiet", action="store_true", help="no progress bar")


def _serve_flags(p) -> None:
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (0.0.0.0: reachable from the network)")
    p.add_argument("--port", type=_positive_int, default=8000, help="TCP port")
    p.add_argument("--workers", type=_positive_int, default=1,
                   help="server processes, each with its own networks and queue")
    p.add_argument("--queue", type=_positive_int, default=QUEUE_SIZE,
                   help="requests that may wait while one runs (more: 503)")
    _inference_flags(p, output=False)
    p.set_defaults(run=cmd_serve)


def _proposal_flags(p) -> None:
    d = TrainConfig
    p.add_argument("--scenes", type=_positive_int, default=d.scenes, help="scenes per epoch")
    p.add_argument("--epochs", type=_positive_int, default=d.epochs, help="passes")
    p.add_argument("--arch", choices=("grid", "paper"), default=d.arch,
                   help="grid: the fast fully convolutional net; paper: the paper's CNN")
    p.add_argument("--width", type=_positive_int, default=d.width, help="grid arch: conv channels")
    p.add_argument("--hidden", type=_positive_int, default=d.hidden,
                   help="grid arch: head units")
    p.add_argument("--flag-size", type=int, default=d.flag_size,
                   help="grid arch: resolution at which the arrow and dashed heads read the "
                        "drawing, a multiple of 128 (0: the network's own 128)")
    p.add_argument("--shards", metavar="DIR", default=d.shards,
                   help="a `g2p data synth` folder (default: scenes drawn on the fly)")
    p.add_argument("--max-steps", type=int, metavar="N", default=d.max_steps,
                   help="stop after this many steps in all (0: the epochs decide)")
    p.add_argument("--init", metavar="CKPT", default=d.init,
                   help="warm start from this checkpoint's weights (fresh schedule); a "
                        "narrower grid net is widened to --width/--hidden unchanged")
    p.add_argument("--lr", type=_positive_float, default=d.lr,
                   help="peak learning rate (lower it to fine-tune after --init)")
    _training_flags(p, d)
    p.set_defaults(run=cmd_train_proposal)


def _likelihood_flags(p) -> None:
    d = LikelihoodTrainConfig
    p.add_argument("--steps", type=_positive_int, default=d.steps, help="optimizer steps")
    p.add_argument("--lr", type=_positive_float, default=d.lr, help="peak learning rate")
    _training_flags(p, d)
    p.set_defaults(run=cmd_train_likelihood)


def _stroke_flags(p) -> None:
    d = StrokeTrainConfig
    p.add_argument("--steps", type=_positive_int, default=d.steps, help="optimizer steps")
    p.add_argument("--lr", type=_positive_float, default=d.lr, help="peak learning rate")
    p.add_argument("--crop", type=_positive_int, default=d.crop, help="square crop, pixels")
    p.add_argument("--real", metavar="DIR", default=d.real,
                   help="labelled real photos (`g2p data hdbpmn`) mixed with synthetic scenes")
    p.add_argument("--real-share", type=float, default=d.real_share,
                   help="share of examples from --real")
    p.add_argument("--init", metavar="CKPT", default=d.init,
                   help="warm start (fine-tuning) from this checkpoint's weights")
    p.add_argument("--widths", type=_comma_ints(1), default=d.widths,
                   help="channels per scale, comma-separated")
    p.add_argument("--context", type=_comma_ints(2, empty=True), default=d.context,
                   help="pooling factors of the coarsest scale read again for context, "
                        "comma-separated (with --init: added to its network)")
    _training_flags(p, d)
    p.set_defaults(run=cmd_train_strokes)


def _training_flags(p, d) -> None:
    p.add_argument("--out", default=d.out, help="checkpoint file; metrics go beside it "
                                                "(.metrics.jsonl)")
    p.add_argument("--batch", type=_positive_int, default=d.batch,
                   help="examples per step and process")
    p.add_argument("--objects", type=_object_range, default=f"{d.min_objects}-{d.max_objects}",
                   help="A-B primitives per scene")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default=d.device,
                   help="auto: CUDA when present")
    p.add_argument("--workers", type=int, default=d.workers, help="data loader processes")
    p.add_argument("--threads", type=int, default=d.threads,
                   help="torch threads (0: torch's default)")
    p.add_argument("--val-every", type=int, default=d.val_every,
                   help="steps between validations")
    p.add_argument("--resume", action="store_true", help="continue from --out")
    p.add_argument("--seed", type=int, default=d.seed, help="seed of data and initialisation")
    p.add_argument("--quiet", action="store_true", help="no progress bar or validation lines")


def main(argv=None) -> int:
    # OpenMP threads that sleep when idle instead of spinning: on a busy machine, spinning
    # threads waiting for a core made inference many times slower (README, "Command line")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
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
