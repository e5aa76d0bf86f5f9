"""Worker processes that read batches of small files, so that they are read on every core.

Threads cannot read small files in parallel (see `parallel_reads`), processes can: each has its
own GIL. A worker reads with the same `read_file` as a thread does, so a file that changed while
it was read, or cannot be opened, comes back as the same FileChangedError or OSError.

The pool is started once and kept for the life of the program (a second index, or the next
folder, reuses it): starting two workers costs about 0.1 s, about what a second core saves on
10,000 small files. `warm_up` starts it early, while the folder is still being listed.
Processes start by forkserver where there is one (forking this process, which has Qt's and our
threads, would be unsafe), else by spawn; a frozen build reads on threads only, because a
frozen program would start itself again as the worker.
"""

from __future__ import annotations

import multiprocessing
import pickle
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial

from uploader_gui.core.checksums.file_reading import (
    FileChangedError,
    FileOutcome,
    FileReading,
    read_file,
)
from uploader_gui.core.checksums.implementations import FASTEST_CRC32

# Fewer small files than this are read on threads: the pool's start costs more than it saves.
PROCESS_MIN_FILES = 2_000

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_workers = 0
_buffer: memoryview | None = None  # in a worker: one read buffer, reused for every file


@dataclass(frozen=True, slots=True)
class BatchRequest:
    """What a worker reads: (position, OS path) pairs, and how."""

    paths: list[tuple[int, str]]
    compute_checksums: bool
    chunk_bytes: int
    after_read: Callable[[int], None] | None  # picklable: `read_file`'s hook, by position


def processes_available() -> bool:
    """Whether files may be read in worker processes here (not in a frozen build)."""
    return not getattr(sys, "frozen", False)


def shared_pool(
    workers: int, after_read: Callable[[int], None] | None = None
) -> ProcessPoolExecutor | None:
    """The pool of `workers` processes, or None when reading must stay in this process.

    None in a frozen build and when `after_read` cannot be sent to a worker (a lambda).
    """
    if not processes_available() or not _can_send(after_read):
        return None
    global _pool, _pool_workers
    with _lock:
        if _pool is None or _pool_workers != workers:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
            try:
                _pool = ProcessPoolExecutor(workers, mp_context=_context())
            except (OSError, ImportError, NotImplementedError):  # no semaphores (a sandbox)
                _pool = None
            _pool_workers = workers
        return _pool


def warm_up(workers: int) -> None:
    """Start the workers now, in the background, so they are ready when reading begins."""
    pool = shared_pool(workers)
    if pool is not None:
        for _ in range(workers):  # one task per worker: the pool starts workers on demand
            pool.submit(_ready)


def discard_pool(pool: ProcessPoolExecutor | None) -> None:
    """Forget a broken pool (a worker was killed), so that the next read starts a new one."""
    global _pool
    with _lock:
        if pool is not None and pool is _pool:
            _pool = None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


# What a worker sends back per file: (position, crc32, size, mtime) when read, (position, error)
# when not. Plain tuples: pickling a FileReading costs 3.4 us each way, a tuple 0.1 us.
WireOutcome = tuple[int, int | None, int, int] | tuple[int, OSError | FileChangedError]


def submit(pool: ProcessPoolExecutor, request: BatchRequest) -> Future[list[WireOutcome]]:
    return pool.submit(read_batch, request)


def decoded(outcomes: list[WireOutcome]) -> list[tuple[int, FileOutcome]]:
    """A worker's answer as `read_files` yields it."""
    return [
        (outcome[0], FileReading(outcome[1], outcome[2], outcome[3]))
        if len(outcome) == 4
        else (outcome[0], outcome[1])
        for outcome in outcomes
    ]


def read_batch(request: BatchRequest) -> list[WireOutcome]:
    """Runs in a worker: each file's outcome, by position, as `read_file` gives it."""
    buffer = _worker_buffer(request.chunk_bytes) if request.compute_checksums else None
    crc32 = FASTEST_CRC32.function if buffer is not None else None
    hook = request.after_read
    outcomes: list[WireOutcome] = []
    for position, path in request.paths:
        try:
            after_read = partial(hook, position) if hook is not None else None
            reading = read_file(path, buffer=buffer, crc32=crc32, after_read=after_read)
        except (OSError, FileChangedError) as error:
            outcomes.append((position, error))
        else:
            outcomes.append((position, reading.crc32, reading.size_bytes, reading.mtime_ns))
    return outcomes


def _worker_buffer(chunk_bytes: int) -> memoryview:
    global _buffer
    if _buffer is None or len(_buffer) != chunk_bytes:
        _buffer = memoryview(bytearray(chunk_bytes))
    return _buffer


def _ready() -> None:
    """A task that does nothing: submitting it makes the pool start a worker."""


def _can_send(after_read: Callable[[int], None] | None) -> bool:
    if after_read is None:
        return True
    try:
        pickle.dumps(after_read)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # The server imports this module once; every worker is forked from it, ready to read.
        context.set_forkserver_preload(["__main__", __name__])
        return context
    return multiprocessing.get_context("spawn")
