"""Uploads, checked before they reach the inference queue: the size of a request body, the
uploaded file copied into a temporary folder, and whether it is an image the pipeline can read.

Size is enforced twice: `BodyLimit` cuts off any request body longer than its route allows
(declared or streamed), so nothing large fills memory or the disk, and `save_upload` refuses a
file over MAX_UPLOAD_BYTES. The image check is the pipeline's own decoder (image/decode.py:
not an image, truncated, more than MAX_PIXELS pixels, decompression bombs), run on the copy so
that a bad file is refused at once with a 400 rather than after waiting in the queue.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Mapping

from starlette.datastructures import UploadFile
from starlette.responses import JSONResponse

from ..image.decode import DRAFT_SIDE, ImageInputError, open_image
from .errors import ClientError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024   # the largest image file accepted (20 MiB)
FORM_SLACK_BYTES = 64 * 1024          # room in a form for the multipart framing and settings
JSON_BODY_BYTES = 1024 * 1024         # the largest JSON request body (a spec or a program)
CHUNK_BYTES = 1024 * 1024
TEMP_PREFIX = "g2p-serve-"


class BodyLimit:
    """ASGI middleware: a request body longer than its path's limit is refused with 413 (JSON),
    whether its Content-Length says so up front or it only turns out so while streaming."""

    def __init__(self, app, limits: Mapping[str, int], default: int = JSON_BODY_BYTES):
        self.app, self.limits, self.default = app, dict(limits), default

    async def __call__(self, scope, receive, send):
        """Refuse at once on a declared length over the limit, else count as it streams."""
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limits.get(scope["path"], self.default)
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > limit:
            status, error = ((413, _too_large(limit)) if declared.isdigit()
                             else (400, "the Content-Length header is not a number"))
            return await JSONResponse({"error": error}, status_code=status)(scope, receive, send)
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise ClientError(413, _too_large(limit))
            return message

        await self.app(scope, limited, send)


def _too_large(limit: int) -> str:
    """The refusal's message, with the limit in MiB."""
    return f"request body too large (at most {limit / 2 ** 20:.1f} MiB here)"


def new_folder() -> Path:
    """A fresh private temporary folder for one request's files (`discard` removes it)."""
    return Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))


def discard(folder: Path) -> None:
    """Remove a folder made by `new_folder` and everything in it."""
    shutil.rmtree(folder, ignore_errors=True)


def display_name(filename) -> str:
    """The uploaded file's own name, safe to echo back: no folders, no control characters."""
    name = os.path.basename(str(filename or "").replace("\\", "/"))
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()[:120]
    return name or "upload"


async def save_upload(field, folder: Path) -> Path:
    """Copy the form's file field `field` into `folder`, refusing a missing field (400), a
    field that is not a file (400), an empty file (400) or one over MAX_UPLOAD_BYTES (413)."""
    if field is None:
        raise ClientError(400, "missing the file field 'image' (multipart/form-data)")
    if not isinstance(field, UploadFile):
        raise ClientError(400, "the field 'image' must be a file, not text")
    path, size = folder / "upload", 0
    with open(path, "wb") as out:
        while chunk := await field.read(CHUNK_BYTES):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                raise ClientError(413, f"{display_name(field.filename)}: file larger than "
                                       f"{MAX_UPLOAD_BYTES // 2 ** 20} MiB")
            out.write(chunk)
    if size == 0:
        raise ClientError(400, f"{display_name(field.filename)}: empty file")
    return path


def check_image(path: Path, name: str) -> None:
    """ClientError(400) unless `path` decodes as an image the pipeline accepts; the message
    names the upload, never the temporary path. (Blocking: run it off the event loop.)"""
    try:
        image, _ = open_image(path, DRAFT_SIDE)
        image.close()
    except ImageInputError as e:
        raise ClientError(400, str(e).replace(str(path), name)) from None
