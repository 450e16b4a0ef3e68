"""The pipeline in memory and the two jobs the inference thread does with it: a drawing to the
`g2p infer --json` document (plus what the page shows), and a spec to its program.

A request may change any inference setting (params.py). Settings that only steer the search
reuse the loaded networks: the request runs on a shallow copy of the pipeline carrying its own
InferConfig. Settings that need other networks (method smc needs the likelihood network,
--rerank the program prior, and a pipeline holding the prior always reranks) get a pipeline
of their own, loaded once on first use and kept.
"""
from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

from ..pipeline.config import InferConfig
from ..pipeline.core import Pipeline
from ..spec import Spec
from ..synth import synthesize
from .figures import figure, ink_png


def networks_of(config: InferConfig) -> tuple[str, bool]:
    """What decides which networks a pipeline loads: its method, and reranking under SMC."""
    return config.method, config.method == "smc" and config.rerank


class Engine:
    """Pipelines keyed by the networks they hold; `pipeline` (e.g. a stub in tests) serves
    every request when given, and nothing is loaded."""

    def __init__(self, config: InferConfig = InferConfig(), pipeline=None):
        self.config = config
        self._given = pipeline
        self._pipelines: dict = {}

    def load(self) -> None:
        """Load the networks of the server's own settings (the worker does this first)."""
        self.pipeline_for(self.config)

    def pipeline_for(self, config: InferConfig):
        """A pipeline that runs with `config`, sharing networks already loaded."""
        if self._given is not None:
            base = self._given
        else:
            key = networks_of(config)
            if key not in self._pipelines:
                method, rerank = key
                self._pipelines[key] = Pipeline(replace(self.config, method=method,
                                                        rerank=rerank))
            base = self._pipelines[key]
        variant = copy.copy(base)
        variant.config = config
        return variant

    def infer(self, path: Path, name: str, config: InferConfig) -> dict:
        """`InferResult.to_json()` of the drawing at `path`, named `name`, plus the figure of
        the best spec (tikz, svg, png: figures.figure), the ink map the networks read
        (input, a PNG data URL) and whether any ink was found (found_ink)."""
        result = self.pipeline_for(config).run_file(path)
        doc = result.to_json()
        doc["file"] = name
        doc.update(figure(result.best, result.program))
        doc["input"] = ink_png(result.ink)
        doc["found_ink"] = result.found_ink
        return doc

    def program(self, spec: Spec, timeout: float) -> dict:
        """{"program", "program_status", "tikz", "svg", "png"} of a spec: its cheapest program
        within `timeout` seconds and the figure of the spec (TikZ of the program)."""
        found = synthesize(spec, timeout=timeout)
        return {"program": found.text, "program_status": found.status,
                **figure(spec, found.program)}
