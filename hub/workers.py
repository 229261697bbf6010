"""Worker processes: one function over chunks of work, in forked copies of this process.

A forked worker starts with everything this process holds (the taxonomies, the linked site,
the compiled templates), so nothing is sent to it but the numbers of the chunks: each worker
takes the next one from a shared pipe as soon as it is free, so a worker on a slower core
(on a shared machine, one core is often much slower than the other for seconds at a time)
takes fewer, and no worker waits at the end for another's fixed half. Only what a worker
returns comes back, pickled chunk by chunk as it is made, into a memory file of its own
(which, unlike a pipe, never makes it wait for a reader), and a pipe tells how it ended.
Results come back in the order of the chunks, whichever worker made them, so the output
never depends on the number of workers or on who made what. (multiprocessing.Pool does this
with more machinery: importing it and starting a pool costs about 50 ms, a tenth of the real
hub's whole build.)

Only on Linux, and only from a process that runs no other thread (worker_count says
when): a fork copies only the thread that calls it.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading


class WorkerError(Exception):
    """A worker process failed: the message carries its traceback, or how it ended."""


# The queue of chunk numbers is written whole before any worker starts, so it must fit in a
# pipe's buffer (64 KB on Linux; 4 bytes a number): callers make a few hundred chunks at most.
MAX_CHUNKS = 8192


def worker_count(items: int, jobs: int | None = None) -> int:
    """Worker processes for `items` files or pages: none for a handful (a fork costs more than it saves).

    `jobs` (the --jobs option) says how many; 1 means this process alone. Workers are forked,
    so only on Linux, and never from a process that runs other threads (as serve does).
    """
    if sys.platform != "linux" or threading.active_count() > 1 or items < 2:
        return 0
    if jobs is not None:
        return jobs if jobs > 1 else 0
    return min(os.cpu_count() or 1, 8) if items >= 32 else 0  # the real hub's 84 files: 430 -> 385 ms on 2 cores


def fork_map(fn, chunks: list, workers: int, meanwhile=None, here: bool = False, mine: tuple = ()) -> list:
    """[fn(chunk) for chunk in chunks], each chunk made by whichever worker is free first; `meanwhile()`
    runs here while they work. With `here`, this process is a worker too (after `meanwhile`): one
    fork fewer, and its results are never pickled; it makes the chunks numbered in `mine` itself,
    before it takes others. A worker's exception is raised here (its traceback in a WorkerError as
    the cause); a worker that ends without a result, or whose exception cannot be sent, is a
    WorkerError."""
    if len(chunks) > MAX_CHUNKS:
        raise ValueError(f"fork_map: {len(chunks)} chunks, more than {MAX_CHUNKS}")
    if mine and not here:
        raise ValueError("fork_map: chunks for this process (mine) need here=True")
    count = min(workers, len(chunks))
    queue, fill = os.pipe()
    children: list[tuple[int, int, int]] = []  # (pid, read end of its pipe, its memory file)
    try:
        with open(fill, "wb") as pipe:  # fits in the buffer (MAX_CHUNKS), so this never waits for a reader
            pipe.write(b"".join(i.to_bytes(4, "little") for i in range(len(chunks)) if i not in mine))
        for _ in range(1 if here else 0, count):
            read, write = os.pipe()
            made = os.memfd_create("hub-worker", os.MFD_CLOEXEC)
            try:
                pid = os.fork()
            except OSError:
                for fd in (read, write, made):
                    os.close(fd)
                raise
            if pid == 0:  # the worker: never returns
                os.close(read)
                _work(fn, chunks, queue, write, made)
            os.close(write)
            children.append((pid, read, made))
        if meanwhile:
            meanwhile()
        results: list = [None] * len(chunks)
        if here:
            for i in mine:
                results[i] = fn(chunks[i])
            for i, result in _take(fn, chunks, queue):
                results[i] = result
        while children:
            pid, read, made = children.pop(0)  # from here on _collect reads, closes and waits for it
            for i, result in _collect(pid, read, made):
                results[i] = result
        return results
    finally:
        os.close(queue)
        for pid, read, made in children:  # only after a failure here: stop the others, leave no zombie
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            os.close(read)
            os.close(made)


def portions(items: list, workers: int) -> list[list]:
    """`items` cut, in order, into about 32 chunks a worker (each worker takes the next as it is free),
    never more than MAX_CHUNKS."""
    size = max(1, len(items) // (workers * 32), -(-len(items) // MAX_CHUNKS))
    return [items[k:k + size] for k in range(0, len(items), size)]


def _take(fn, chunks: list, queue: int):
    """(number, fn(chunk)) for each chunk this process takes from the queue, until it is empty. A read of
    four bytes from a pipe is never split with another reader's (Linux holds the pipe's lock through it)."""
    while True:
        number = os.read(queue, 4)
        if not number:
            return
        i = int.from_bytes(number, "little")
        yield i, fn(chunks[i])


def _work(fn, chunks: list, queue: int, write: int, made: int) -> None:
    """A worker's life: each chunk's (number, result) pickled into `made` as soon as it is made (pickled all
    at once at the end, 5 000 case studies' validation took a tenth of a second in which the parent, its
    own chunks done, only waited); then (True, how many, "") or (False, exception, traceback) into `write`."""
    status = 1
    try:
        try:
            count = 0
            with open(made, "wb", closefd=False) as out:
                for found in _take(fn, chunks, queue):
                    pickle.dump(found, out, protocol=pickle.HIGHEST_PROTOCOL)
                    count += 1
            report = pickle.dumps((True, count, ""))
        except BaseException as exc:  # noqa: BLE001 - sent to the parent, which raises it
            import traceback

            told = "".join(traceback.format_exception(exc))
            try:  # the exception itself where it can travel (an OSError stays an OSError), else its story
                report = pickle.dumps((False, exc, told))
            except Exception:  # noqa: BLE001
                report = pickle.dumps((False, None, told))
        with open(write, "wb") as pipe:
            pipe.write(report)
        status = 0
    finally:
        os._exit(status)  # no clean-up of the parent's state (its buffers, its atexit handlers) here


def _collect(pid: int, read: int, made: int) -> list:
    """The (number, result) pairs a worker made, once it has ended; its exception raised here if it failed."""
    try:
        with open(read, "rb") as pipe:
            report = pipe.read()
    finally:
        _, status = os.waitpid(pid, 0)
    with open(made, "rb") as results:  # closes it
        if not report:
            code = os.waitstatus_to_exitcode(status)
            how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
            raise WorkerError(f"a worker process {how} without a result")
        ok, value, told = pickle.loads(report)
        if not ok:
            failed = WorkerError(f"a worker process failed:\n{told}")
            if value is None:
                raise failed
            raise value from failed  # as this process would have raised it (the worker's traceback as its cause)
        results.seek(0)  # the worker's writes moved the offset it shares with this process
        return [pickle.load(results) for _ in range(value)]
