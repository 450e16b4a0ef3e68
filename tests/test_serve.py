"""The web app of `g2p serve` (graphics2prog/serve) through Starlette's TestClient: the API's
documents, refusals of bad requests as JSON 4xx with the server still up, and the bounded
queue (503 when full) with a stub pipeline that blocks until released."""
import re
import struct
import tempfile
import threading
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from starlette.testclient import TestClient

from graphics2prog.image.decode import ImageInputError
from graphics2prog.pipeline.config import InferConfig
from graphics2prog.pipeline.core import InferResult
from graphics2prog.serve.app import create_app
from graphics2prog.serve.app import STATIC
from graphics2prog.serve.uploads import MAX_UPLOAD_BYTES, TEMP_PREFIX
from graphics2prog.spec import Spec, load_spec, spec_from_dict
from graphics2prog.synth import execute, parse_program

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "examples" / "example-1.png"
FAST = InferConfig(method="beam", time_budget=30.0, particles=32, synth_timeout=5,
                   device="cpu")
INFER_KEYS = set(InferResult("", [], np.zeros((1, 1))).to_json())  # g2p infer --json


def png_claiming(width: int, height: int) -> bytes:
    """A small, valid PNG whose header claims width x height pixels (a decompression bomb
    as the decoder first sees it)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * 4096)) + chunk(b"IEND", b""))


def leftovers() -> set:
    """The app's temporary folders that exist now."""
    return set(Path(tempfile.gettempdir()).glob(TEMP_PREFIX + "*"))


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(FAST)) as c:
        yield c


@pytest.fixture(scope="module")
def inferred(client):
    with open(EXAMPLE, "rb") as f:
        response = client.post("/api/infer", files={"image": ("example-1.png", f, "image/png")},
                               data={"top": "3", "synth_timeout": "5"})
    assert response.status_code == 200, response.text
    return response.json()


def post_image(client, data: bytes, name="drawing.png", **fields):
    return client.post("/api/infer", files={"image": (name, data, "image/png")}, data=fields)


def assert_alive(client):
    response = client.get("/api/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_health_and_config(client):
    assert_alive(client)
    doc = client.get("/api/health").json()
    assert doc["pipeline"] in ("loading", "ready") and doc["queue_size"] >= 1
    defaults = client.get("/api/config").json()["defaults"]
    assert defaults["time_budget"] == FAST.time_budget and defaults["method"] == FAST.method
    assert defaults["no_program"] is (not FAST.program)


def test_infer_returns_the_cli_document_and_tikz(inferred):
    assert INFER_KEYS <= set(inferred) and {"tikz", "svg", "png", "input"} <= set(inferred)
    assert inferred["file"] == "example-1.png"
    assert 1 <= len(inferred["specs"]) <= 3
    assert all(set(s) == {"primitives", "score"} for s in inferred["specs"])
    best = spec_from_dict(inferred["specs"][0])
    assert best == load_spec(EXAMPLE.with_suffix(".json"))
    assert inferred["program_status"] in ("optimal", "timeout", "best-so-far")
    assert execute(parse_program(inferred["program"])) == best
    assert inferred["tikz"].startswith("\\documentclass") and "\\foreach" in inferred["tikz"]
    assert "<svg" in inferred["svg"] and inferred["png"].startswith("data:image/png;base64,")
    assert inferred["timings"]["total_s"] > 0


def test_picking_a_spec_gives_its_program(client, inferred):
    picked = inferred["specs"][-1]
    response = client.post("/api/program", json={"primitives": picked["primitives"],
                                                 "synth_timeout": 5})
    assert response.status_code == 200, response.text
    doc = response.json()
    assert {"program", "program_status", "tikz", "svg", "png"} <= set(doc)
    assert execute(parse_program(doc["program"])) == spec_from_dict(picked)
    assert "tikzpicture" in doc["tikz"]


def test_extrapolation_grows_every_loop(client, inferred):
    response = client.post("/api/extrapolate", json={"program": inferred["program"]})
    assert response.status_code == 200, response.text
    doc = response.json()
    assert len(doc["primitives"]) > len(inferred["specs"][0]["primitives"])
    assert doc["png"].startswith("data:image/png") and "for (i < 4)" in doc["program"]


BAD_UPLOADS = {
    "not an image": (b"hello, this is text", 400),
    "empty": (b"", 400),
    "truncated": (EXAMPLE.read_bytes()[:300], 400),
    "bomb": (png_claiming(30000, 30000), 400),
    "over 20 MB": (b"\0" * (MAX_UPLOAD_BYTES + 1), 413),
}


@pytest.mark.parametrize("case", sorted(BAD_UPLOADS))
def test_bad_uploads_are_refused_as_json(client, case):
    before = leftovers()
    data, status = BAD_UPLOADS[case]
    response = post_image(client, data, name="bad.png")
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert isinstance(error, str) and error and TEMP_PREFIX not in error
    assert leftovers() <= before
    assert_alive(client)


@pytest.mark.parametrize("fields", [
    {"top": "0"}, {"top": "abc"}, {"particles": "1.5"}, {"method": "magic"},
    {"time_budget": "nan"}, {"time_budget": "-1"}, {"time_budget": "1e9"}, {"seed": "-1"},
    {"no_program": "maybe"}, {"grid_unit": "inf"}, {"colour": "red"}])
def test_bad_settings_are_refused_as_json(client, fields):
    response = post_image(client, EXAMPLE.read_bytes(), **fields)
    assert response.status_code == 400
    assert next(iter(fields)) in response.json()["error"]
    assert_alive(client)


def test_missing_or_wrong_fields_are_refused(client):
    assert client.post("/api/infer", data={"top": "1"}).status_code == 400
    assert client.post("/api/infer", data={"image": "not a file"}).status_code == 400
    assert client.post("/api/infer").json()["error"]
    two = [("image", ("a.png", b"x", "image/png")), ("image", ("b.png", b"y", "image/png"))]
    assert client.post("/api/infer", files=two).status_code == 400
    assert client.get("/api/infer").status_code == 405
    assert client.get("/no/such/page").json() == {"error": "Not Found"}
    assert_alive(client)


def test_a_streamed_body_over_the_limit_is_cut_off(client):
    def chunks():
        for _ in range(MAX_UPLOAD_BYTES // 2 ** 20 + 2):
            yield b"\0" * 2 ** 20
    response = client.post("/api/infer", content=chunks(),
                           headers={"content-type": "multipart/form-data; boundary=b"})
    assert response.status_code == 413 and "too large" in response.json()["error"]
    assert_alive(client)


@pytest.mark.parametrize("path,body", [
    ("/api/program", b"{not json"), ("/api/program", b"[1, 2]"),
    ("/api/program", b'{"primitives": [{"kind": "circle", "x": 99, "y": 1}]}'),
    ("/api/program", b'{"primitives": [], "synth_timeout": "soon"}'),
    ("/api/extrapolate", b'{"program": "for (i < ){"}'),
    ("/api/extrapolate", b'{"program": "for (i < 999){for (j < 999){circle(i,j)}}"}'),
    ("/api/extrapolate", b'{"program": "circle(j,1)"}'), ("/api/extrapolate", b"{}")])
def test_bad_json_requests_are_refused(client, path, body):
    response = client.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]
    assert_alive(client)


def test_the_page_loads_nothing_from_elsewhere(client):
    page = client.get("/")
    assert page.status_code == 200 and "default-src 'self'" in page.headers[
        "content-security-policy"]
    for name in ("index.html", "app.js", "style.css"):
        text = (STATIC / name).read_text()
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), name
        assert client.get(f"/static/{name}").status_code == 200


class StubPipeline:
    """Stands in for Pipeline: blocks in run_file until released, or raises `error`."""

    def __init__(self, error=None):
        self.config, self.error = InferConfig(), error
        self.started, self.release = threading.Event(), threading.Event()

    def run_file(self, path, progress=None):
        self.started.set()
        if self.error:
            raise self.error(f"{path}: cannot decode the image")
        assert self.release.wait(30)
        return InferResult(str(path), [(Spec(), 0.0)], np.zeros((256, 256), np.float32))


def test_a_full_queue_answers_503_and_the_rest_are_served():
    stub = StubPipeline()
    app = create_app(InferConfig(), queue_size=1, pipeline=stub)
    data, answers = EXAMPLE.read_bytes(), {}

    def post(key):
        answers[key] = post_image(client, data, no_program="true")

    with TestClient(app) as client:
        running = threading.Thread(target=post, args=("running",))
        running.start()
        assert stub.started.wait(30)
        waiting = threading.Thread(target=post, args=("waiting",))
        waiting.start()
        deadline = time.monotonic() + 30
        while app.state.worker.waiting < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        refused = post_image(client, data)
        assert refused.status_code == 503 and "busy" in refused.json()["error"]
        stub.release.set()
        running.join(30)
        waiting.join(30)
        assert answers["running"].status_code == answers["waiting"].status_code == 200
        assert answers["waiting"].json()["specs"] == [{"primitives": [], "score": 0.0}]
        assert_alive(client)


def test_pipeline_errors_name_the_upload_and_the_server_stays_up():
    with TestClient(create_app(InferConfig(), pipeline=StubPipeline(ImageInputError)),
                    raise_server_exceptions=False) as client:
        response = post_image(client, EXAMPLE.read_bytes(), name="mine.png")
        assert response.status_code == 400
        assert response.json()["error"].startswith("mine.png:")
    with TestClient(create_app(InferConfig(), pipeline=StubPipeline(RuntimeError)),
                    raise_server_exceptions=False) as client:
        response = post_image(client, EXAMPLE.read_bytes())
        assert response.status_code == 500 and "RuntimeError" in response.json()["error"]
        assert_alive(client)
