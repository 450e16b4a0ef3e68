"""Request settings: the form fields of `POST /api/infer` (named like `g2p infer`'s flags) read
into the InferConfig of one request.

Every default comes from the server's own InferConfig (graphics2prog/pipeline/config.py, or
what `g2p serve` was started with): an absent or empty field keeps it. Values are checked as
strictly as the command line checks its flags, and efforts are capped so that one request
cannot hold the single inference thread for long: at most EFFORT_LIMIT times the server's
setting (start the server with larger settings to allow more).
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import Mapping

from ..pipeline.config import InferConfig
from ..spec import Spec, SpecError, spec_from_dict
from .errors import ClientError

FIELDS = ("top", "particles", "time_budget", "method", "beam", "no_program", "rerank",
          "synth_timeout", "seed", "grid_unit")
METHODS = ("smc", "beam")
EFFORT_LIMIT = 4       # a request may ask for this many times the server's effort settings
SEED_RANGE = 2 ** 63   # seeds are 0 <= seed < SEED_RANGE (what torch's generators accept)
MAX_SPEC_PRIMITIVES = 100  # primitives of a spec sent for synthesis
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def request_config(base: InferConfig, fields: Mapping[str, str]) -> InferConfig:
    """The server's config with this request's fields applied; ClientError(400) for an unknown
    field or a bad value, naming both."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ClientError(400, f"unknown field(s) {', '.join(unknown)}; the settings are "
                               f"{', '.join(FIELDS)} (and the file field image)")
    overrides: dict = {}
    for name, text in fields.items():
        if not isinstance(text, str):
            raise ClientError(400, f"{name}: expected a value, got a file")
        if text.strip():
            overrides.update(_setting(name, text.strip(), base))
    return replace(base, **overrides)


def spec_of(doc) -> Spec:
    """The spec of a JSON request body {"primitives": [...]} (the spec format of README.md),
    validated like `g2p synth` validates a spec file; ClientError(400) when it is not one."""
    try:
        spec = spec_from_dict(doc)
    except SpecError as e:
        raise ClientError(400, str(e)) from None
    if len(spec) > MAX_SPEC_PRIMITIVES:
        raise ClientError(400, f"a spec of {len(spec)} primitives; at most "
                               f"{MAX_SPEC_PRIMITIVES} here")
    return spec


def synth_timeout_of(value, base: InferConfig) -> float:
    """A synthesis time limit from JSON (a number, a numeric string or null) or the server's."""
    if value is None or value == "":
        return base.synth_timeout
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ClientError(400, f"synth_timeout: expected a number of seconds, got {value!r}")
    return _setting("synth_timeout", str(value), base)["synth_timeout"]


def _setting(name: str, text: str, base: InferConfig) -> dict:
    """One field as InferConfig overrides (no_program is the negation of `program`)."""
    if name == "method":
        if text not in METHODS:
            raise ClientError(400, f"method: expected one of {', '.join(METHODS)}, got {text!r}")
        return {"method": text}
    if name in ("no_program", "rerank"):
        flag = _flag(name, text)
        return {"program": not flag} if name == "no_program" else {"rerank": flag}
    if name == "seed":
        seed = _number(name, text, int)
        if not 0 <= seed < SEED_RANGE:
            raise ClientError(400, f"seed: expected 0 <= seed < 2**63, got {seed}")
        return {"seed": seed}
    kind = int if name in ("top", "particles", "beam") else float
    value = _number(name, text, kind)
    if not value > 0:
        raise ClientError(400, f"{name}: expected a positive number, got {text!r}")
    if name != "grid_unit" and value > EFFORT_LIMIT * getattr(base, name):
        raise ClientError(400, f"{name}: at most {EFFORT_LIMIT * getattr(base, name):g} on "
                               f"this server (asked for {text})")
    return {name: value}


def _number(name: str, text: str, kind: type):
    """An int or a finite float from text, or ClientError(400)."""
    try:
        value = kind(text)
    except ValueError:
        noun = "an integer" if kind is int else "a number"
        raise ClientError(400, f"{name}: expected {noun}, got {text!r}") from None
    if kind is float and not math.isfinite(value):
        raise ClientError(400, f"{name}: expected a finite number, got {text!r}")
    return value


def _flag(name: str, text: str) -> bool:
    """A checkbox-like value: 1/true/yes/on or 0/false/no/off (any case)."""
    low = text.lower()
    if low not in _TRUE + _FALSE:
        raise ClientError(400, f"{name}: expected true or false, got {text!r}")
    return low in _TRUE
