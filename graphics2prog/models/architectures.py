"""Proposal-network architectures by name, as torchvision's register_model / get_model: each
architecture module decorates its class with `@register_model("name")`, and models/__init__.py
imports those modules, so a config's `arch` picks its class while the base module (proposal.py)
and the checkpoint code import no architecture. A new architecture is one new module plus one
import line in models/__init__.py.
"""
from __future__ import annotations

from typing import Any, Callable

_ARCHITECTURES: dict[str, Callable[[Any], Any]] = {}


def register_model(name: str) -> Callable[[type], type]:
    """Class decorator: `get_model(name, config)` then builds this class from `config`. A name
    is taken once, so two architectures never silently replace each other."""
    def register(cls: type) -> type:
        if name in _ARCHITECTURES:
            raise ValueError(f"architecture {name!r} is already registered")
        _ARCHITECTURES[name] = cls
        return cls
    return register


def get_model(name: str, config: Any):
    """A freshly initialised network of the architecture registered as `name`."""
    if name not in _ARCHITECTURES:
        raise ValueError(f"unknown architecture {name!r} (registered: {', '.join(list_models())})")
    return _ARCHITECTURES[name](config)


def list_models() -> list[str]:
    """The registered architecture names, sorted."""
    return sorted(_ARCHITECTURES)
