"""`run`: serve the app with uvicorn (what `g2p serve` calls).

With one worker process the app object is built here and handed to uvicorn. With several,
uvicorn starts each process from an import string, so the settings travel to them in the
environment variable CONFIG_ENV (the InferConfig as JSON) and each process builds its own app
with `app_from_environment`: every process holds its own pipeline and inference thread.
"""
from __future__ import annotations

import dataclasses
import json
import os

import uvicorn

from ..pipeline.config import InferConfig
from .app import create_app
from .worker import QUEUE_SIZE

CONFIG_ENV = "G2P_SERVE_CONFIG"
QUEUE_ENV = "G2P_SERVE_QUEUE"


def run(host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
        config: InferConfig = InferConfig(), queue_size: int = QUEUE_SIZE,
        log_level: str = "info") -> None:
    """Serve until interrupted. Binds 127.0.0.1 (this machine only) unless `host` says
    otherwise, e.g. "0.0.0.0" to be reachable from the network. `workers`: processes, each
    with its own pipeline and queue of `queue_size`."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if workers == 1:
        uvicorn.run(create_app(config, queue_size), host=host, port=port, log_level=log_level)
        return
    os.environ[CONFIG_ENV] = json.dumps(dataclasses.asdict(config))
    os.environ[QUEUE_ENV] = str(queue_size)
    uvicorn.run("graphics2prog.serve.server:app_from_environment", factory=True, host=host,
                port=port, workers=workers, log_level=log_level)


def app_from_environment():
    """The app of one worker process of `run(workers=N)`, from CONFIG_ENV and QUEUE_ENV."""
    config = InferConfig(**json.loads(os.environ.get(CONFIG_ENV, "{}")))
    return create_app(config, int(os.environ.get(QUEUE_ENV, QUEUE_SIZE)))
