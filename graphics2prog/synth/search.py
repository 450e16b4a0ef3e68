"""Run a synthesis job in a worker process under a hard wall-clock deadline.

z3 does not always honour its own timeout, so the solver runs in a child process that is
killed at the deadline. The child reports every program it finds (a greedy one first, then
z3's optimum) as plain picklable ASTs; the parent keeps the cheapest one that checks out.
"""
from __future__ import annotations

import multiprocessing as mp
import time
from dataclasses import dataclass

from graphics2prog.synth import astar, z3synth
from graphics2prog.synth.assemble import assemble
from graphics2prog.synth.candidates import Options, generate
from graphics2prog.synth.program import program_cost


@dataclass
class Found:
    program: tuple      # in the translated frame
    cost: int
    proven: bool        # optimal within the options' DSL fragment
    done: bool          # the job finished (proven or z3 gave up)


def job(prims: list, opts: Options, timeout_s: float, send) -> None:
    """Synthesize for `prims`, calling send(Found) for each better program."""
    deadline = time.monotonic() + timeout_s
    cands = generate(prims, opts)
    first_items = z3synth.greedy(cands)
    first = assemble(first_items)
    send(Found(first, program_cost(first), False, False))
    if opts.incremental:
        solved = astar.search(cands, upper=z3synth.objective(first_items) + 1,
                              should_stop=lambda: time.monotonic() > deadline)
    else:
        left = deadline - time.monotonic()
        solved = z3synth.solve(cands, timeout_s=left) if left > 0 else None
    if solved is None:
        send(Found(first, program_cost(first), False, True))
        return
    program = assemble(solved[0])
    complete = opts.loops and opts.reflects and opts.depth >= 3
    send(Found(program, program_cost(program), solved[2] and complete, True))


def _child(conn, prims, opts, timeout_s) -> None:
    try:
        job(prims, opts, timeout_s, conn.send)
    except Exception as e:  # report, the parent falls back to what it has
        conn.send(("error", f"{type(e).__name__}: {e}"))
    finally:
        conn.close()


def _context():
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


def run_with_deadline(prims: list, opts: Options, timeout_s: float, accept) -> tuple:
    """Run `job` in a child killed after timeout_s; accept(Found) is called per report.

    Returns (finished, timed_out, error): finished when the job ended on its own.
    """
    ctx = _context()
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, prims, opts, timeout_s), daemon=True)
    deadline = time.monotonic() + timeout_s
    proc.start()
    send.close()
    finished, error = False, None
    try:
        while not finished:
            left = deadline - time.monotonic()
            if left <= 0 or not recv.poll(left):
                break
            try:
                msg = recv.recv()
            except EOFError:
                error = "worker ended without an answer"
                break
            if isinstance(msg, tuple):
                error = msg[1]
                break
            accept(msg)
            finished = msg.done
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(1.0)
        recv.close()
    return finished, not finished and error is None, error
