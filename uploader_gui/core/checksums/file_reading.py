"""Reading one file that must hold still while it is read, hashing it on the way (see `crc32`).

`read_file` opens a regular file (never following a symlink, never blocking on a FIFO), reads
it into a reused buffer, and compares its stat before and after: a file that changed while it
was read raises `FileChangedError` instead of giving the checksum of bytes that no longer exist.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from uploader_gui.core.checksums.implementations import FASTEST_CRC32, Crc32Function
from uploader_gui.core.errors import PermanentError

DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024
DEFAULT_WORKERS = min(4, os.cpu_count() or 1)


class FileChangedError(PermanentError):
    """The file changed while it was being read: its checksum would describe no real content."""

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"{path} changed while it was being read ({detail})")
        self.path = path
        self.detail = detail

    def __reduce__(self) -> tuple[type[FileChangedError], tuple[str, str]]:
        # Worker processes send it back pickled; the default would call __init__(message).
        return (FileChangedError, (self.path, self.detail))


class ReadStopped(Exception):
    """Reading stopped because the caller asked to stop (cancel or pause)."""


@dataclass(frozen=True, slots=True)
class FileReading:
    """What reading a file found: its CRC32 (None when not computed), size and mtime."""

    crc32: int | None
    size_bytes: int
    mtime_ns: int


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
    fd, before = open_regular_file(path)
    try:
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
    check_unchanged(os.fspath(path), before, after, size_read)
    return FileReading(crc, before.st_size, before.st_mtime_ns)


def open_regular_file(path: str | os.PathLike[str]) -> tuple[int, os.stat_result]:
    """(file descriptor, its stat) of a regular file; FileChangedError if it is something else.

    The caller closes the descriptor.
    """
    fd = os.open(path, _READ_FLAGS)
    try:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            raise FileChangedError(os.fspath(path), "it is no longer a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd, before


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


def check_unchanged(
    path: str, before: os.stat_result, after: os.stat_result, size_read: int
) -> None:
    """FileChangedError unless `after` (stat by path, once read) shows the file `before` was."""
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
