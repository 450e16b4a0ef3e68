"""graphics2prog: hand drawings -> specs (sets of primitives) -> graphics programs.

The Python API:

    from graphics2prog import load_pipeline
    pipeline = load_pipeline()                 # networks loaded once; InferConfig fields override
    result = pipeline.infer("drawing.png")    # InferResult: .specs, .best, .program_text, ...

The names are loaded on first use (PEP 562), so importing the package, and `g2p --help`, stay
quick: torch and the networks load only when a pipeline is asked for.
"""
from importlib import import_module

__all__ = ["InferConfig", "InferResult", "Pipeline", "load_pipeline"]
_HOME = {"InferConfig": "graphics2prog.pipeline.config",
         "InferResult": "graphics2prog.pipeline.core",
         "Pipeline": "graphics2prog.pipeline.core",
         "load_pipeline": "graphics2prog.pipeline.core"}


def __getattr__(name: str):
    if name in _HOME:
        return getattr(import_module(_HOME[name]), name)
    raise AttributeError(f"module 'graphics2prog' has no attribute {name!r}")
