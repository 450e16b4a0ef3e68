"""One inference thread fed by a bounded queue: requests are served one at a time, in order.

The networks are large enough in CPU time that running two drawings at once only makes both
slow, and torch and the synthesizer are not meant to share one pipeline between threads. So
every heavy task (an inference, a synthesis) is a callable handed to `submit`, which returns a
`concurrent.futures.Future` the event loop can await. At most `queue_size` tasks wait while one
runs; beyond that `submit` raises QueueFull at once (the app answers 503) instead of letting
waits grow without bound.
"""
from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import Callable, Optional

QUEUE_SIZE = 8          # requests that may wait while one runs
STOP_WAIT_S = 5.0       # how long `stop` waits for the running task


class QueueFull(Exception):
    """Every place in the queue is taken; try again later."""


class InferenceWorker:
    """A single daemon thread running submitted callables one after another.

    `on_start` (e.g. loading the networks) runs first on that thread; `state` says how it went:
    "stopped", "loading", "ready" or "failed: <why>". Tasks still run after a failed start
    (each reports its own error), so a server whose weights are missing answers every
    request with that error instead of hanging.
    """

    def __init__(self, queue_size: int = QUEUE_SIZE,
                 on_start: Optional[Callable[[], None]] = None):
        if queue_size < 1:
            raise ValueError(f"queue_size must be at least 1, got {queue_size}")
        self.queue_size = queue_size
        self.state = "stopped"
        self.busy = False
        self._queue: queue.Queue = queue.Queue(maxsize=queue_size)
        self._on_start = on_start
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()

    @property
    def waiting(self) -> int:
        """Tasks queued and not yet started."""
        return self._queue.qsize()

    def start(self) -> None:
        """Start the thread (once; later calls do nothing)."""
        with self._lock:
            if self._thread is None:
                self.state = "loading"
                self._thread = threading.Thread(target=self._loop, name="g2p-inference",
                                                daemon=True)
                self._thread.start()

    def submit(self, task: Callable[[], object]) -> Future:
        """Queue `task`; its Future holds what it returns or raises. QueueFull when full."""
        self.start()
        future: Future = Future()
        try:
            self._queue.put_nowait((task, future))
        except queue.Full:
            raise QueueFull(f"the server is busy: {self.queue_size} requests are already "
                            "waiting; try again shortly") from None
        return future

    def stop(self) -> None:
        """Cancel the waiting tasks, let the running one finish (up to STOP_WAIT_S) and end."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is None:
            return
        while True:
            try:
                _, future = self._queue.get_nowait()
            except queue.Empty:
                break
            future.cancel()
        self._queue.put(None)
        thread.join(STOP_WAIT_S)
        self.state = "stopped"

    def _loop(self) -> None:
        """The thread: the start-up callable, then tasks until the stop marker."""
        try:
            if self._on_start is not None:
                self._on_start()
            self.state = "ready"
        except Exception as e:  # reported by health; each task then fails on its own
            self.state = f"failed: {type(e).__name__}: {e}"
        while (item := self._queue.get()) is not None:
            task, future = item
            if not future.set_running_or_notify_cancel():
                continue
            self.busy = True
            try:
                future.set_result(task())
            except BaseException as e:  # handed to whoever awaits the future
                future.set_exception(e)
            finally:
                self.busy = False
