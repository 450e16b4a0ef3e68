"""Networks: the proposal network (base and decoding in proposal.py, one module per architecture,
registered by name in architectures.py), the likelihood surrogate, command tokens, checkpoints
and the weights registry.

Importing the architecture modules here registers them before any model is built: every import
of a graphics2prog.models module runs this file first, so `build_model` and checkpoints can build
any architecture without importing it.
"""
from . import grid, paper  # noqa: F401 - imported to register the "grid" and "paper" architectures
from .architectures import get_model, list_models, register_model
from .proposal import build_model

__all__ = ["build_model", "get_model", "list_models", "register_model"]
