"""One batch runner for `g2p eval` and `g2p gallery`: a per-drawing function over many drawings.

The per-drawing function turns (pipeline, drawing) into a record dict. The runner adds the
drawing's "file" and "seconds"; where the function raises, the drawing's record is
{"file", "error"} instead (an InputError's message as is, any other exception as
"ClassName: message") and the batch goes on: one bad drawing must not end it.

With workers > 1 the drawings go to spawned processes, one drawing at a time each, over a pipe
per worker: the parent always knows who holds what, so a worker that dies has its drawing
recorded as failed and is replaced, and nothing it held can wedge the others. A pipeline that
cannot be built at all (missing weights, no CUDA) stops the batch with that error.
"""
from __future__ import annotations

import multiprocessing as mp
import time
from multiprocessing.connection import wait
from typing import Callable, Optional

import cv2
import torch

from ..errors import InputError
from ..image.drawings import Drawing
from .core import InferConfig, Pipeline

Record = Callable[[Pipeline, Drawing], dict]  # one drawing's record; picklable for workers
OnRecord = Callable[[Drawing, dict], None]    # called in this process as each drawing ends


def error_message(error: BaseException) -> str:
    """A failure as one line: an InputError says what is wrong itself; others say their kind."""
    return str(error) if isinstance(error, InputError) else f"{type(error).__name__}: {error}"


def run_one(pipeline: Pipeline, drawing: Drawing, record: Record) -> dict:
    """`record` of one drawing with its "file" and "seconds", or its "error" if it raised."""
    start = time.perf_counter()
    try:
        found = record(pipeline, drawing)
    except Exception as e:  # noqa: BLE001 - one bad drawing must not end the batch
        return {"file": drawing.name, "error": error_message(e)}
    return {"file": drawing.name, **found, "seconds": round(time.perf_counter() - start, 4)}


def run_batch(drawings: list[Drawing], config: InferConfig, record: Record, workers: int = 1,
              on_record: Optional[OnRecord] = None,
              pipeline: Optional[Pipeline] = None) -> list[dict]:
    """The records of all drawings, in the drawings' order.

    Args:
        drawings: what to run, in order.
        config: the InferConfig of the Pipeline each process builds.
        record: the per-drawing function (a module-level function or a partial of one when
            workers > 1, since it is pickled to the workers).
        workers: processes; 1 runs in this process.
        on_record: told of each (drawing, record) as it ends, in the order they end.
        pipeline: a Pipeline of `config` already loaded, used when running in this process.
    """
    records: list[Optional[dict]] = [None] * len(drawings)

    def done(index: int, found: dict) -> None:
        records[index] = found
        if on_record:
            on_record(drawings[index], found)

    if drawings and workers <= 1:
        pipeline = pipeline or Pipeline(config)
        for index, drawing in enumerate(drawings):
            done(index, run_one(pipeline, drawing, record))
    elif drawings:
        _Workers(drawings, config, record, done).run(min(workers, len(drawings)))
    return records


def _worker(config: InferConfig, record: Record, conn) -> None:
    """A worker process: one Pipeline, then the drawings the parent sends until a None."""
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    try:
        pipeline = Pipeline(config)
    except Exception as e:  # noqa: BLE001 - reported to the parent, which stops the batch
        conn.send(("fatal", (isinstance(e, InputError), error_message(e))))
        return
    while (drawing := conn.recv()) is not None:
        conn.send(("done", run_one(pipeline, drawing, record)))


class _Workers:
    """Spawned worker processes fed one drawing at a time (see the module's docstring)."""

    def __init__(self, drawings: list[Drawing], config: InferConfig, record: Record,
                 done: Callable[[int, dict], None]):
        self.ctx = mp.get_context("spawn")
        self.drawings, self.config, self.record, self.done = drawings, config, record, done
        self.pending = list(reversed(range(len(drawings))))  # pop() takes them in order
        self.busy: dict = {}  # parent end of a pipe -> [process, index of the drawing it holds]
        self.procs: list = []

    def run(self, workers: int) -> None:
        """Start `workers` processes and serve them until every drawing has its record."""
        for _ in range(workers):
            self.start()
        try:
            while self.busy:
                self.serve()
        finally:
            self.stop()

    def start(self) -> None:
        """A new worker process, with a pipe to it, given its first drawing."""
        conn, child = self.ctx.Pipe()
        proc = self.ctx.Process(target=_worker, args=(self.config, self.record, child))
        proc.start()
        child.close()
        self.procs.append(proc)
        self.busy[conn] = [proc, None]
        self.feed(conn)

    def feed(self, conn) -> None:
        """Send the next drawing, or None (no more work: the worker exits)."""
        index = self.pending.pop() if self.pending else None
        try:
            conn.send(None if index is None else self.drawings[index])
        except OSError:  # the worker is gone: the drawing waits for another
            if index is not None:
                self.pending.append(index)
            raise
        self.busy[conn][1] = index
        if index is None:
            del self.busy[conn]

    def serve(self) -> None:
        """Take every record that is ready; replace the workers that died."""
        sentinels = {entry[0].sentinel: conn for conn, entry in self.busy.items()}
        for ready in wait(list(self.busy) + list(sentinels)):
            conn = sentinels.get(ready, ready)
            if conn not in self.busy:
                continue  # already handled through its pipe or its sentinel
            try:
                while conn in self.busy and conn.poll():
                    self.receive(conn)
            except (EOFError, OSError):
                self.lost(conn)
                continue
            if conn in self.busy and not self.busy[conn][0].is_alive():
                self.lost(conn)

    def receive(self, conn) -> None:
        """One message of a worker: a drawing's record (then its next drawing), or the error
        that kept it from building its pipeline, which stops the batch."""
        kind, payload = conn.recv()
        if kind == "fatal":  # the pipeline could not be built
            is_input, message = payload
            raise (InputError if is_input else RuntimeError)(message)
        self.done(self.busy[conn][1], payload)
        self.feed(conn)

    def lost(self, conn) -> None:
        """A worker died: its drawing is recorded as failed and a new worker takes over."""
        proc, index = self.busy.pop(conn)
        proc.join(1.0)
        if index is not None:
            self.done(index, {"file": self.drawings[index].name,
                              "error": f"the worker process died (exit code {proc.exitcode})"})
        if self.pending:
            self.start()

    def stop(self) -> None:
        """Stopped early: kill the workers; done: they were told to exit."""
        for proc in self.procs:
            if proc.is_alive() and self.busy:
                proc.kill()
            proc.join(5.0)
            if proc.is_alive():  # a worker that would not end must not hang our exit
                proc.kill()
                proc.join()
