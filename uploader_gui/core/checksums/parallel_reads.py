"""Reading many files on every core: big files as ranges on threads, small files in processes.

Measured on the 2-core development machine (`uploader-gui bench index`): the CRC32 call and the
kernel's copy into our buffer both release the GIL, so threads scale for big reads, but one big
file read by one thread used one core. So a file above `RANGE_BYTES` is read in ranges of that
size with `preadv` on all the threads, its CRC32 joined from theirs with `crc32_combine`; it is
stat-ed before the first range and by path after the last, so a change while read is caught.

A small file costs five system calls and a little Python. Each system call releases and retakes
the GIL, and with two threads every one of them becomes a hand-off between the threads: two
threads opened and closed 10,000 files more slowly than one. Threads cannot help there, so
with `allow_processes` and at least `PROCESS_MIN_FILES` small files, batches of them are read
in worker processes (`process_reads`), which ran 1.8x as fast with two as with one.
"""

from __future__ import annotations

import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from uploader_gui.core.checksums import process_reads
from uploader_gui.core.checksums.crc32_combine import crc32_of_pieces
from uploader_gui.core.checksums.file_reading import (
    FileChangedError,
    FileOutcome,
    FileReading,
    FileToRead,
    ReadStopped,
    check_unchanged,
    open_regular_file,
    read_file,
)
from uploader_gui.core.checksums.implementations import FASTEST_CRC32

# Big enough that a range's fixed costs (a future, a combine) vanish, small enough that a 1 GiB
# file keeps two threads busy to the end.
RANGE_BYTES = 32 * 1024 * 1024
PROCESS_MIN_FILES = process_reads.PROCESS_MIN_FILES
# A batch is the unit handed to a reading thread or process: few futures for 1,000,000 files.
_BATCH_MAX_FILES = 256
_BATCH_MAX_BYTES = 32 * 1024 * 1024
# Enough queued that a worker never waits for the caller to collect (a batch of small files
# takes a worker about 4 ms), few enough that the paths in messages stay a few MB.
_BATCHES_IN_FLIGHT_PER_WORKER = 8

Outcomes = list[tuple[int, FileOutcome]]


def read_in_parallel(
    files: Sequence[FileToRead],
    *,
    compute_checksums: bool,
    workers: int,
    chunk_bytes: int,
    on_bytes_read: Callable[[int], None] | None,
    after_read: Callable[[int], None] | None,
    wait_s: float,
    allow_processes: bool,
) -> Generator[Outcomes, None, None]:
    """`crc32.read_files`, which documents it."""
    workers = max(1, workers)
    job = _ReadJob(files, compute_checksums, chunk_bytes, on_bytes_read, after_read)
    # Without preadv (Windows) a file is read whole: ranges would share one file position.
    split = compute_checksums and workers > 1 and hasattr(os, "preadv")
    batches, big_files = _plan(files, split)
    pool = None
    if allow_processes and workers > 1 and sum(len(b) for b in batches) >= PROCESS_MIN_FILES:
        pool = process_reads.shared_pool(workers, after_read)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="read") as executor:
        reads = _Reads(job, executor, pool, workers)
        split_files = [_SplitFile(job, position) for position in big_files]
        try:
            for split_file in split_files:
                for index in range(split_file.ranges):
                    reads.on_thread(split_file.read_range, index)
            for batch in batches:
                reads.read_batch(batch)
            reads.send()
            while reads.has_work:
                yield reads.collect(wait_s)
        finally:
            job.stop.set()
            reads.cancel()
            executor.shutdown(wait=True, cancel_futures=True)
            for split_file in split_files:  # the ones whose last range was cancelled
                split_file.close()


class _Reads:
    """The futures of one `read_in_parallel`, collected in the order they finish.

    Each future puts itself on a queue when done (instead of `wait` on every pending future at
    each turn, which costs the number of futures each time: quadratic for a million files).
    Batches for worker processes wait here and are sent a few at a time, as earlier ones
    finish, so a million paths are never all copied into messages at once.
    """

    def __init__(
        self,
        job: _ReadJob,
        executor: ThreadPoolExecutor,
        pool: ProcessPoolExecutor | None,
        workers: int,
    ) -> None:
        self._job, self._executor, self._pool = job, executor, pool
        self._done: queue.SimpleQueue[tuple[Future[Any], range | None]] = queue.SimpleQueue()
        self._pending: set[Future[Any]] = set()
        self._waiting: deque[range] = deque()  # batches for the processes, not yet sent
        self._in_processes = 0
        self._most_in_processes = _BATCHES_IN_FLIGHT_PER_WORKER * workers

    @property
    def has_work(self) -> bool:
        return bool(self._pending or self._waiting)

    def on_thread(self, function: Callable[[int], Outcomes], argument: int) -> None:
        self._track(self._executor.submit(function, argument), None)

    def read_batch(self, batch: range) -> None:
        if self._pool is None:
            self._track(self._executor.submit(self._job.read_batch, batch), None)
        else:
            self._waiting.append(batch)

    def send(self) -> None:
        """Send waiting batches to the processes, up to the number kept in flight."""
        while self._waiting and self._pool is not None:
            if self._in_processes >= self._most_in_processes:
                return
            batch = self._waiting[0]
            try:
                future = process_reads.submit(self._pool, self._job.batch_request(batch))
            except (BrokenProcessPool, RuntimeError, OSError):  # broken, or shut down meanwhile
                self._give_up_processes()
                return
            self._waiting.popleft()
            self._in_processes += 1
            self._track(future, batch)

    def _give_up_processes(self) -> None:
        """Read on threads from now on: what waited for the processes, too."""
        process_reads.discard_pool(self._pool)
        self._pool = None
        while self._waiting:
            self.read_batch(self._waiting.popleft())

    def _track(self, future: Future[Any], batch_in_process: range | None) -> None:
        self._pending.add(future)
        future.add_done_callback(lambda done: self._done.put((done, batch_in_process)))

    def collect(self, wait_s: float) -> Outcomes:
        """Outcomes of what finished, waiting up to `wait_s` for the first (so maybe none)."""
        finished: Outcomes = []
        try:
            item = self._done.get(timeout=wait_s)
        except queue.Empty:
            return finished
        while True:
            finished.extend(self._outcomes(*item))
            try:
                item = self._done.get_nowait()
            except queue.Empty:
                self.send()
                return finished

    def _outcomes(self, future: Future[Any], batch_in_process: range | None) -> Outcomes:
        self._pending.discard(future)
        if batch_in_process is not None:
            self._in_processes -= 1
        if future.cancelled():
            return []
        if batch_in_process is None:
            outcomes: Outcomes = future.result()
            return outcomes
        try:
            return self._job.count_batch(batch_in_process, future.result())
        except BrokenProcessPool:  # a worker died (killed?): read its batch on a thread
            self._give_up_processes()
            self.read_batch(batch_in_process)
            return []

    def cancel(self) -> None:
        self._waiting.clear()
        for future in self._pending:
            future.cancel()


def _plan(files: Sequence[FileToRead], split: bool) -> tuple[list[range], list[int]]:
    """Batches of consecutive files to read whole, and the positions of files to split."""
    batches: list[range] = []
    big_files: list[int] = []
    start = batch_bytes = 0
    for position, file_to_read in enumerate(files):
        size_bytes = file_to_read.size_bytes
        is_big = split and size_bytes > RANGE_BYTES
        is_full = (
            position - start >= _BATCH_MAX_FILES or batch_bytes + size_bytes > _BATCH_MAX_BYTES
        )
        if position > start and (is_full or is_big):
            batches.append(range(start, position))
            start, batch_bytes = position, 0
        if is_big:
            big_files.append(position)
            start, batch_bytes = position + 1, 0
            continue
        batch_bytes += size_bytes
    if start < len(files):
        batches.append(range(start, len(files)))
    return batches, big_files


@dataclass(slots=True)
class _ReadJob:
    files: Sequence[FileToRead]
    compute_checksums: bool
    chunk_bytes: int
    on_bytes_read: Callable[[int], None] | None
    after_read: Callable[[int], None] | None
    stop: threading.Event = field(default_factory=threading.Event)
    # at most one per thread: made when none is free
    buffers: queue.SimpleQueue[memoryview] = field(default_factory=queue.SimpleQueue)

    def take_buffer(self) -> memoryview:
        try:
            return self.buffers.get_nowait()
        except queue.Empty:
            return memoryview(bytearray(self.chunk_bytes))

    def count(self, byte_count: int) -> None:
        if self.on_bytes_read is not None and byte_count > 0:
            self.on_bytes_read(byte_count)

    def batch_request(self, positions: range) -> process_reads.BatchRequest:
        paths = [(position, self.files[position].os_path) for position in positions]
        return process_reads.BatchRequest(
            paths, self.compute_checksums, self.chunk_bytes, self.after_read
        )

    def count_batch(self, positions: range, outcomes: list[process_reads.WireOutcome]) -> Outcomes:
        """A batch read in a process: its listed bytes are counted at once, when it is done."""
        self.count(sum(self.files[position].size_bytes for position in positions))
        return process_reads.decoded(outcomes)

    def read_batch(self, positions: range) -> Outcomes:
        buffer = self.take_buffer() if self.compute_checksums else None
        try:
            return [(position, self._read_one(position, buffer)) for position in positions]
        finally:
            if buffer is not None:
                self.buffers.put(buffer)

    def _read_one(self, position: int, buffer: memoryview | None) -> FileOutcome:
        size_bytes = self.files[position].size_bytes
        counted = 0

        def count(byte_count: int) -> None:
            nonlocal counted
            counted += byte_count
            self.count(byte_count)

        hook = self.after_read
        try:
            if self.stop.is_set():
                raise ReadStopped
            return read_file(
                self.files[position].os_path,
                buffer=buffer,
                crc32=FASTEST_CRC32.function if buffer is not None else None,
                on_bytes_read=count,
                should_stop=self.stop.is_set,
                after_read=(lambda: hook(position)) if hook is not None else None,
            )
        except (OSError, FileChangedError) as error:
            return error
        finally:
            self.count(size_bytes - counted)


class _SplitFile:
    """One big file read as ranges on several threads; the last range to end checks it.

    The first range to start opens the file and stats it; every range reads its part of the
    size that stat gave (the last range up to the end), so bytes added later show up as a
    size change in the stat by path that the last range takes after every byte was read.
    """

    def __init__(self, job: _ReadJob, position: int) -> None:
        self._job, self._position = job, position
        self._listed_bytes = job.files[position].size_bytes
        self.ranges = max(1, -(-self._listed_bytes // RANGE_BYTES))
        self._lock = threading.Lock()
        self._opened: tuple[int, os.stat_result] | None = None
        self._failure: OSError | FileChangedError | ReadStopped | None = None
        self._pieces: list[tuple[int, int]] = [(0, 0)] * self.ranges
        self._ranges_left = self.ranges
        self._counted = 0
        self._closed = False

    def read_range(self, index: int) -> Outcomes:
        """Hash range `index`; the last range to end returns the file's outcome."""
        try:
            if self._job.stop.is_set():
                raise ReadStopped
            opened = self._open()
            if opened is not None:
                self._pieces[index] = self._hash_range(opened, index)
        except (OSError, FileChangedError, ReadStopped) as error:
            with self._lock:
                self._failure = self._failure or error
        with self._lock:
            self._ranges_left -= 1
            if self._ranges_left:
                return []
        return [(self._position, self._finish())]

    def _open(self) -> tuple[int, os.stat_result] | None:
        with self._lock:
            if self._opened is None and self._failure is None and not self._closed:
                self._opened = open_regular_file(self._job.files[self._position].os_path)
            return self._opened if self._failure is None else None

    def _hash_range(self, opened: tuple[int, os.stat_result], index: int) -> tuple[int, int]:
        fd, before = opened
        start = min(index * RANGE_BYTES, before.st_size)
        is_last = index == self.ranges - 1
        end = before.st_size if is_last else min(start + RANGE_BYTES, before.st_size)
        buffer = self._job.take_buffer()
        try:
            return _hash_part(fd, start, end, buffer, self._job, self._add)
        finally:
            self._job.buffers.put(buffer)

    def _add(self, byte_count: int) -> None:
        with self._lock:
            self._counted += byte_count
        self._job.count(byte_count)

    def _finish(self) -> FileOutcome:
        """Runs once, on the thread of the last range: checks the file and closes it."""
        self._job.count(self._listed_bytes - self._counted)  # what was listed but never read
        if isinstance(self._failure, ReadStopped):
            self.close()
            raise self._failure
        if self._failure is not None:
            self.close()
            return self._failure
        assert self._opened is not None
        path = self._job.files[self._position].os_path
        try:
            if self._job.after_read is not None:
                self._job.after_read(self._position)
            after = os.stat(path, follow_symlinks=False)
        except OSError as error:
            return error
        finally:
            self.close()
        before = self._opened[1]
        try:
            check_unchanged(path, before, after, sum(length for _, length in self._pieces))
        except FileChangedError as error:
            return error
        return FileReading(crc32_of_pieces(self._pieces), before.st_size, before.st_mtime_ns)

    def close(self) -> None:
        """Close the file once; also for ranges cancelled before they ran (a stop)."""
        with self._lock:
            if self._opened is not None and not self._closed:
                os.close(self._opened[0])
            self._closed = True


def _hash_part(
    fd: int,
    start: int,
    end: int,
    buffer: memoryview,
    job: _ReadJob,
    add: Callable[[int], None],
) -> tuple[int, int]:
    """(crc32, bytes read) of bytes [start, end) of `fd`; fewer bytes if the file ended early."""
    crc32 = FASTEST_CRC32.function
    crc, offset = 0, start
    while offset < end:
        if job.stop.is_set():
            raise ReadStopped
        view = buffer[: min(len(buffer), end - offset)]
        count = os.preadv(fd, [view], offset)
        if not count:
            break
        crc = crc32(view[:count] if count < len(view) else view, crc)
        offset += count
        add(count)
    return crc, offset - start
