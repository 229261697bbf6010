"""Worker processes: one function over chunks of work, in forked copies of this process.

A forked worker starts with everything this process holds (the taxonomies, the linked site,
the compiled templates), so nothing is sent to it: it takes its share of the chunks by
position, and only what it returns comes back, pickled, through a pipe. Results come back
in the order of the chunks, whichever worker made them, so the output never depends on the
number of workers. (multiprocessing.Pool does this with more machinery: importing it and
starting a pool costs about 50 ms, a tenth of the real hub's whole build.)

Only on Linux, and only from a process that runs no other thread (render.worker_count says
when): a fork copies only the thread that calls it.
"""

from __future__ import annotations

import os
import pickle
import signal


class WorkerError(Exception):
    """A worker process failed: the message carries its traceback, or how it ended."""


def fork_map(fn, chunks: list, workers: int, meanwhile=None, here: bool = False) -> list:
    """[fn(chunk) for chunk in chunks], chunk k made by worker k % workers; `meanwhile()` runs here
    while they work. With `here`, this process is worker 0 (after `meanwhile`): one fork fewer, and
    its share is never pickled. A worker's exception is raised here (its traceback in a WorkerError
    as the cause); a worker that ends without a result, or whose exception cannot be sent, is a
    WorkerError."""
    count = min(workers, len(chunks))
    children: list[tuple[int, int]] = []  # (pid, read end of its pipe)
    try:
        for w in range(1 if here else 0, count):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker: never returns
                os.close(read)
                _work(fn, chunks[w::count], write)
            os.close(write)
            children.append((pid, read))
        if meanwhile:
            meanwhile()
        results: list = [None] * len(chunks)
        if here:
            results[0::count] = [fn(chunk) for chunk in chunks[0::count]]
        for w in range(1 if here else 0, count):
            pid, read = children.pop(0)  # from here on _collect reads, closes and waits for it
            results[w::count] = _collect(pid, read)
        return results
    finally:
        for pid, read in children:  # only after a failure here: stop the others, leave no zombie
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            os.close(read)


def _work(fn, mine: list, write: int) -> None:
    status = 1
    try:
        try:
            data = pickle.dumps((True, [fn(chunk) for chunk in mine], ""), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # noqa: BLE001 - sent to the parent, which raises it
            import traceback

            told = "".join(traceback.format_exception(exc))
            try:  # the exception itself where it can travel (an OSError stays an OSError), else its story
                data = pickle.dumps((False, exc, told))
            except Exception:  # noqa: BLE001
                data = pickle.dumps((False, None, told))
        with open(write, "wb") as pipe:
            pipe.write(data)
        status = 0
    finally:
        os._exit(status)  # no clean-up of the parent's state (its buffers, its atexit handlers) here


def _collect(pid: int, read: int) -> list:
    try:
        with open(read, "rb") as pipe:
            data = pipe.read()
    finally:
        _, status = os.waitpid(pid, 0)
    if not data:
        code = os.waitstatus_to_exitcode(status)
        how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
        raise WorkerError(f"a worker process {how} without a result")
    ok, value, told = pickle.loads(data)
    if not ok:
        failed = WorkerError(f"a worker process failed:\n{told}")
        if value is None:
            raise failed
        raise value from failed  # as this process would have raised it (the worker's traceback as its cause)
    return value
