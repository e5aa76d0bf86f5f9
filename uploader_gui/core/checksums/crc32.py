"""CRC32 of files as the archive checks them: the fastest implementation here, and file reading.

S3 and the FAST validator compare the CRC32 of the whole file as the base64 of its 4 big-endian
bytes (`a\\n` -> `3eqhBw==`, PROTOCOL.md §5.1). The implementation is chosen by measurement
(`uploader-gui bench index` prints each one's GB/s): `isal` and `zlib-ng` ran at 44-57 GB/s,
stdlib zlib at 4 GB/s, on the 2-core development machine; awscrt runs at about half of zlib's
speed (DESIGN.md §7), so it is never chosen. isal, zlib-ng and zlib release the GIL on large
buffers (the bench shows two threads hashing faster than one), so files are hashed in parallel
threads. zlib is the fallback when neither fast package is installed.

Files are read with `readv`/`readinto` into one reused buffer (no allocation or copy per chunk),
and a file that changes while it is read (size, modification time or inode before and after
differ) raises `FileChangedError` rather than yielding a checksum of bytes that no longer exist.
`read_files` reads many files on a thread pool, in batches so that small files cost little more
than their system calls.
"""

from __future__ import annotations

import base64
import binascii
import importlib
import io
import os
import queue
import stat
import threading
import zlib
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Protocol

from uploader_gui.core.errors import PermanentError

DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024
DEFAULT_WORKERS = min(4, os.cpu_count() or 1)
# A batch is the unit handed to a reading thread: few enough futures for 1,000,000 small files.
_BATCH_MAX_FILES = 256
_BATCH_MAX_BYTES = 32 * 1024 * 1024

Crc32Function = Callable[[memoryview, int], int]


@dataclass(frozen=True, slots=True)
class Crc32Implementation:
    """One CRC32 implementation: its package name and `function(data, previous_crc)`."""

    name: str
    function: Crc32Function


class FileChangedError(PermanentError):
    """The file changed while it was being read: its checksum would describe no real content."""

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"{path} changed while it was being read ({detail})")
        self.path = path
        self.detail = detail


class ReadStopped(Exception):
    """Reading stopped because the caller asked to stop (cancel or pause)."""


@dataclass(frozen=True, slots=True)
class FileReading:
    """What reading a file found: its CRC32 (None when not computed), size and mtime."""

    crc32: int | None
    size_bytes: int
    mtime_ns: int


def _implementation_from(name: str, module_name: str) -> Crc32Implementation | None:
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    function: Crc32Function = module.crc32
    return Crc32Implementation(name, function)


def _awscrt_implementation() -> Crc32Implementation | None:
    try:
        checksums = importlib.import_module("awscrt.checksums")
    except ImportError:
        return None

    def awscrt_crc32(data: memoryview, value: int = 0) -> int:
        return int(checksums.crc32(data, value))

    return Crc32Implementation("awscrt", awscrt_crc32)


def _fast_implementations() -> list[Crc32Implementation]:
    candidates = (
        _implementation_from("isal", "isal.isal_zlib"),
        _implementation_from("zlib-ng", "zlib_ng.zlib_ng"),
    )
    return [c for c in candidates if c is not None]


_ZLIB = Crc32Implementation("zlib", zlib.crc32)


def available_crc32_implementations() -> tuple[Crc32Implementation, ...]:
    """Every CRC32 implementation importable here, in order of preference; zlib is the fallback.

    awscrt, when importable, comes last: it measures slower than zlib, so it is listed for the
    benchmark and never chosen.
    """
    awscrt = _awscrt_implementation()
    return (*_fast_implementations(), _ZLIB, *([awscrt] if awscrt else []))


FASTEST_CRC32 = (*_fast_implementations(), _ZLIB)[0]


def crc32_to_base64(crc: int) -> str:
    """The checksum cell S3 and the index use: base64 of the 4 big-endian bytes."""
    return base64.b64encode(crc.to_bytes(4, "big")).decode("ascii")


def crc32_from_base64(text: str) -> int:
    """Inverse of `crc32_to_base64`; ValueError unless `text` is exactly that canonical form."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as error:
        raise ValueError(f"{text!r} is not base64") from error
    if len(raw) != 4:
        raise ValueError(f"{text!r} decodes to {len(raw)} bytes, a CRC32 has 4")
    crc = int.from_bytes(raw, "big")
    if crc32_to_base64(crc) != text:
        raise ValueError(f"{text!r} is not written the way S3 writes it ({crc32_to_base64(crc)})")
    return crc


def crc32_of_bytes(data: bytes) -> int:
    """CRC32 of an in-memory buffer with the fastest implementation."""
    return FASTEST_CRC32.function(memoryview(data), 0)


def crc32_of_file(
    path: str | os.PathLike[str],
    *,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    implementation: Crc32Implementation = FASTEST_CRC32,
) -> tuple[int, int]:
    """(crc32, size_bytes) of a file; FileChangedError if it changed while being read."""
    buffer = memoryview(bytearray(chunk_bytes))
    reading = read_file(path, buffer=buffer, crc32=implementation.function)
    assert reading.crc32 is not None
    return reading.crc32, reading.size_bytes


def read_file(
    path: str | os.PathLike[str],
    *,
    buffer: memoryview | None = None,
    crc32: Crc32Function | None = FASTEST_CRC32.function,
    on_bytes_read: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    after_read: Callable[[], None] | None = None,
) -> FileReading:
    """Open a regular file, hash it (when `crc32` is given) and check that it held still.

    `buffer` is reused for every chunk (one is allocated when None). Without `crc32` the file is
    only opened and stat-ed, which proves it can be opened. Raises OSError (cannot be opened or
    read), FileChangedError, or ReadStopped when `should_stop()` turns true between chunks.
    `after_read` runs after the last read and before the file is stat-ed again, so tests can
    change the file at the worst moment.
    """
    fd = os.open(path, _READ_FLAGS)
    try:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            raise FileChangedError(os.fspath(path), "it is no longer a regular file")
        crc, size_read = None, before.st_size
        if crc32 is not None:
            view = buffer if buffer is not None else memoryview(bytearray(DEFAULT_CHUNK_BYTES))
            crc, size_read = _hash_open_file(
                fd, before.st_size, view, crc32, on_bytes_read, should_stop
            )
        if after_read is not None:
            after_read()
        after = os.stat(path, follow_symlinks=False)
    finally:
        os.close(fd)
    _check_unchanged(os.fspath(path), before, after, size_read)
    return FileReading(crc, before.st_size, before.st_mtime_ns)


def _hash_open_file(
    fd: int,
    expected_bytes: int,
    buffer: memoryview,
    crc32: Crc32Function,
    on_bytes_read: Callable[[int], None] | None,
    should_stop: Callable[[], bool] | None,
) -> tuple[int, int]:
    """(crc, bytes read), reading up to the size fstat gave.

    No read to confirm the end: bytes added later show in the stat taken after reading, and
    skipping that read saves a system call per file, which is much of a small file's cost.
    """
    read_into = _reader_for(fd)
    crc = total = 0
    while total < expected_bytes:
        if should_stop is not None and should_stop():
            raise ReadStopped
        count = read_into(buffer)
        if not count:
            break
        crc = crc32(buffer[:count] if count < len(buffer) else buffer, crc)
        total += count
        if on_bytes_read is not None:
            on_bytes_read(count)
    return crc, total


def _reader_for(fd: int) -> Callable[[memoryview], int]:
    if hasattr(os, "readv"):  # POSIX: straight into the buffer, no file object per file
        return lambda view: os.readv(fd, [view])
    return io.FileIO(fd, closefd=False).readinto


def _check_unchanged(
    path: str, before: os.stat_result, after: os.stat_result, size_read: int
) -> None:
    if (after.st_ino, after.st_dev) != (before.st_ino, before.st_dev):
        raise FileChangedError(path, "it was replaced by another file")
    if after.st_size != before.st_size or size_read != before.st_size:
        raise FileChangedError(path, f"size {before.st_size} bytes, then {after.st_size} bytes")
    if after.st_mtime_ns != before.st_mtime_ns:
        raise FileChangedError(path, "its modification time changed")


# O_NONBLOCK: a FIFO swapped in after listing must not block the open forever; O_NOFOLLOW: a
# symlink swapped in is refused, as the walk refuses symlinks; O_BINARY: no newline translation.
_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_BINARY", 0)
)


FileOutcome = FileReading | OSError | FileChangedError


class FileToRead(Protocol):
    """A file to read: where it is for the OS, and its size when it was listed."""

    @property
    def os_path(self) -> str: ...

    @property
    def size_bytes(self) -> int: ...


def read_files(
    files: Sequence[FileToRead],
    *,
    compute_checksums: bool = True,
    workers: int = DEFAULT_WORKERS,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    on_bytes_read: Callable[[int], None] | None = None,
    after_read: Callable[[int], None] | None = None,
    wait_s: float = 0.2,
) -> Generator[list[tuple[int, FileOutcome]], None, None]:
    """Read `files` on `workers` threads; yield their outcomes as they come.

    Yields a list of (position in `files`, outcome) at least every `wait_s` (possibly empty, so
    the caller can report progress and decide to stop: closing the iterator stops the threads
    at their next chunk). `on_bytes_read` runs on reading threads and adds up to each file's
    listed size (the unread rest is added when a file ends early or is not hashed).
    `after_read(position)` is `read_file`'s hook.
    """
    stop = threading.Event()
    buffers: queue.SimpleQueue[memoryview] = queue.SimpleQueue()
    job = _ReadJob(files, compute_checksums, chunk_bytes, stop, buffers, on_bytes_read, after_read)
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="read") as executor:
        try:
            pending: set[Future[list[tuple[int, FileOutcome]]]] = {
                executor.submit(job.read_batch, batch) for batch in _batches(files)
            }
            while pending:
                done, pending = wait(pending, wait_s, FIRST_COMPLETED)
                yield [outcome for future in done for outcome in future.result()]
        finally:
            stop.set()
            executor.shutdown(wait=True, cancel_futures=True)


def _batches(files: Sequence[FileToRead]) -> Iterator[range]:
    start = batch_bytes = 0
    for position, file_to_read in enumerate(files):
        size_bytes = file_to_read.size_bytes
        is_full = (
            position - start >= _BATCH_MAX_FILES or batch_bytes + size_bytes > _BATCH_MAX_BYTES
        )
        if position > start and is_full:
            yield range(start, position)
            start, batch_bytes = position, 0
        batch_bytes += size_bytes
    if start < len(files):
        yield range(start, len(files))


@dataclass(frozen=True, slots=True)
class _ReadJob:
    files: Sequence[FileToRead]
    compute_checksums: bool
    chunk_bytes: int
    stop: threading.Event
    buffers: queue.SimpleQueue[memoryview]  # at most one per thread: made when none is free
    on_bytes_read: Callable[[int], None] | None
    after_read: Callable[[int], None] | None

    def read_batch(self, positions: range) -> list[tuple[int, FileOutcome]]:
        buffer = self._take_buffer() if self.compute_checksums else None
        try:
            return [(position, self._read_one(position, buffer)) for position in positions]
        finally:
            if buffer is not None:
                self.buffers.put(buffer)

    def _take_buffer(self) -> memoryview:
        try:
            return self.buffers.get_nowait()
        except queue.Empty:
            return memoryview(bytearray(self.chunk_bytes))

    def _read_one(self, position: int, buffer: memoryview | None) -> FileOutcome:
        file_to_read = self.files[position]
        size_bytes = file_to_read.size_bytes
        counted = 0

        def count(byte_count: int) -> None:
            nonlocal counted
            counted += byte_count
            if self.on_bytes_read is not None:
                self.on_bytes_read(byte_count)

        hook = self.after_read
        try:
            if self.stop.is_set():
                raise ReadStopped
            return read_file(
                file_to_read.os_path,
                buffer=buffer,
                crc32=FASTEST_CRC32.function if buffer is not None else None,
                on_bytes_read=count,
                should_stop=self.stop.is_set,
                after_read=(lambda: hook(position)) if hook is not None else None,
            )
        except (OSError, FileChangedError) as error:
            return error
        finally:
            if self.on_bytes_read is not None and size_bytes > counted:
                self.on_bytes_read(size_bytes - counted)
