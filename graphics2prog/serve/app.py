"""The web app of `g2p serve`: one page (GET /) and a JSON API over one pipeline in memory.

    POST /api/infer        multipart: image (file) + settings named like `g2p infer`'s flags
                           -> the `g2p infer --json` document + tikz, svg, png, input
    POST /api/program      {"primitives": [...], "synth_timeout"?} -> program, TikZ, renders
    POST /api/extrapolate  {"program": "..."} -> the program grown by one, drawn
    GET  /api/health       {"status": "ok", "pipeline": ..., "waiting": ..., ...}
    GET  /api/config       the server's settings (the page's defaults) and limits

Every refusal is a JSON {"error": "..."} with a 4xx status (503 when the queue is full);
inference and synthesis run on the single inference thread (worker.py), uploads live in a
temporary folder only until their request is done (uploads.py).
"""
from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import InputError
from ..pipeline.config import InferConfig
from .engine import Engine
from .errors import ClientError
from .figures import extrapolation
from .headers import SecurityHeaders
from .params import EFFORT_LIMIT, FIELDS, METHODS, request_config, spec_of, synth_timeout_of
from .uploads import (FORM_SLACK_BYTES, MAX_UPLOAD_BYTES, BodyLimit, check_image, discard,
                      display_name, new_folder, save_upload)
from .worker import QUEUE_SIZE, InferenceWorker, QueueFull

STATIC = Path(__file__).resolve().parent / "static"
log = logging.getLogger("graphics2prog.serve")


def create_app(config: InferConfig = InferConfig(), queue_size: int = QUEUE_SIZE,
               pipeline=None) -> Starlette:
    """The ASGI app serving `config`'s pipeline, loaded on the inference thread as the app
    starts. `queue_size`: requests that may wait while one runs (beyond: 503). `pipeline`: an
    object with `config` and `run_file(path)` to serve instead of loading one (tests)."""
    engine = Engine(config, pipeline)
    routes = [Route("/", index), Route("/api/health", health), Route("/api/config", settings),
              Route("/api/infer", infer, methods=["POST"]),
              Route("/api/program", program, methods=["POST"]),
              Route("/api/extrapolate", extrapolate, methods=["POST"]),
              Mount("/static", StaticFiles(directory=STATIC), name="static")]
    upload_limit = MAX_UPLOAD_BYTES + FORM_SLACK_BYTES
    app = Starlette(routes=routes, lifespan=lifespan,
                    middleware=[Middleware(SecurityHeaders),
                                Middleware(BodyLimit, limits={"/api/infer": upload_limit})],
                    exception_handlers={ClientError: refused, HTTPException: refused,
                                        Exception: failed})
    app.state.engine = engine
    app.state.worker = InferenceWorker(queue_size, on_start=engine.load)
    return app


@contextlib.asynccontextmanager
async def lifespan(app: Starlette):
    """Start the inference thread (it loads the networks) with the app; stop it after."""
    app.state.worker.start()
    yield
    app.state.worker.stop()


async def refused(request: Request, exc: Exception) -> JSONResponse:
    """A ClientError or an HTTP error of the framework (404, 405, a bad form) as JSON."""
    if isinstance(exc, ClientError):
        return JSONResponse({"error": exc.message}, status_code=exc.status)
    return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


async def failed(request: Request, exc: Exception) -> JSONResponse:
    """Anything unexpected: logged with its traceback, answered as a JSON 500."""
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"error": f"internal error: {type(exc).__name__}: {exc}"},
                        status_code=500)


async def index(request: Request) -> FileResponse:
    """The page (static/index.html; its script and style sheet are under /static)."""
    return FileResponse(STATIC / "index.html")


async def health(request: Request) -> JSONResponse:
    """Up or not, whether the pipeline is loaded, and how busy the inference thread is."""
    worker = request.app.state.worker
    return JSONResponse({"status": "ok", "pipeline": worker.state,
                         "busy": worker.busy, "waiting": worker.waiting,
                         "queue_size": worker.queue_size})


async def settings(request: Request) -> JSONResponse:
    """The server's inference settings (what an empty form field means) and its limits."""
    c: InferConfig = request.app.state.engine.config
    defaults = {name: getattr(c, name) for name in FIELDS if name != "no_program"}
    defaults["no_program"] = not c.program
    return JSONResponse({"defaults": defaults, "methods": list(METHODS),
                         "limits": {"max_upload_bytes": MAX_UPLOAD_BYTES,
                                    "effort_limit": EFFORT_LIMIT}})


async def infer(request: Request) -> JSONResponse:
    """A drawing (form field image) and optional settings -> the inference document."""
    state, folder, queued = request.app.state, new_folder(), False
    try:
        async with request.form(max_files=1, max_fields=len(FIELDS)) as form:
            upload = form.get("image")
            config = request_config(state.engine.config,
                                    {k: v for k, v in form.multi_items() if k != "image"})
            name = display_name(getattr(upload, "filename", None))
            path = await save_upload(upload, folder)
        await run_in_threadpool(check_image, path, name)
        task = functools.partial(_infer_task, state.engine, path, name, config)
        future = _submit(state.worker, task)
        queued = True
        return JSONResponse(await asyncio.wrap_future(future))
    finally:
        if not queued:
            discard(folder)


def _infer_task(engine: Engine, path: Path, name: str, config: InferConfig) -> dict:
    """Run on the inference thread: infer, turn bad input into a 400 naming the upload (not
    its temporary path), and remove the upload's folder whatever happens."""
    try:
        return engine.infer(path, name, config)
    except InputError as e:
        raise ClientError(400, str(e).replace(str(path), name)) from None
    finally:
        discard(path.parent)


async def program(request: Request) -> JSONResponse:
    """A spec (e.g. an alternative picked on the page) -> its program, TikZ and renders."""
    state = request.app.state
    doc = await _json_body(request)
    spec = spec_of(doc)
    timeout = synth_timeout_of(doc.get("synth_timeout"), state.engine.config)
    future = _submit(state.worker, functools.partial(state.engine.program, spec, timeout))
    return JSONResponse(await asyncio.wrap_future(future))


async def extrapolate(request: Request) -> JSONResponse:
    """A program's text -> the program with every loop grown by one, drawn (cheap: it runs
    beside the inference thread, not in its queue)."""
    doc = await _json_body(request)
    return JSONResponse(await run_in_threadpool(extrapolation, doc.get("program")))


def _submit(worker: InferenceWorker, task):
    """worker.submit, with a full queue as a 503 that asks to retry."""
    try:
        return worker.submit(task)
    except QueueFull as e:
        raise ClientError(503, str(e)) from None


async def _json_body(request: Request) -> dict:
    """The request body as a JSON object, or ClientError(400)."""
    try:
        doc = json.loads(await request.body())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ClientError(400, f"the body must be JSON ({e})") from None
    if not isinstance(doc, dict):
        raise ClientError(400, "the body must be a JSON object")
    return doc
