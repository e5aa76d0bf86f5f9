"""Reading local files for upload: open and check, read a range into a reused buffer while
computing its CRC32, and hand the bytes to botocore as a paced, counted request body.

Why the bytes of a part are read before they are sent: S3 wants the part's CRC32 in the request
header, so it must be known before the first byte goes out. A part is read once, in chunks, into
the worker's buffer (allocated once, reused for every part), checking the pause/cancel flag
before every chunk; then the same memory is sent. Only ranges above `buffer_limit_bytes` (parts
of files beyond ~1 TB, whose part size grew to stay within 10,000 parts) are hashed in one pass
and streamed from the file in a second, so memory stays bounded.

A small file whose CRC32 is already in the index is not read ahead at all: its body streams from
the file, and the archive checks the bytes against the index checksum.

Bodies count bytes as they are handed to the network and wait for the bandwidth limit before
each block (`BodyHooks`). A body remembers the first local failure raised
inside botocore (a read error, a cancel) in `failure`, because botocore wraps it in its own
exception class.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from uploader_gui.core.checksums.crc32 import (
    DEFAULT_CHUNK_BYTES,
    FASTEST_CRC32,
    Crc32Function,
    ReadStopped,
)
from uploader_gui.transfer.transfer_errors import SourceChangedError, SourceFileError

DEFAULT_BUFFER_LIMIT_BYTES = 64 * 1024 * 1024
STREAM_BLOCK_BYTES = 256 * 1024

# O_NOFOLLOW: a symlink swapped in after indexing is refused, as the index refuses symlinks;
# O_NONBLOCK: a FIFO swapped in cannot block the open; O_BINARY: no newline translation.
_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_BINARY", 0)
)

SINCE_INDEXED = "since it was indexed"
WHILE_UPLOADING = "while it was being uploaded"


def describe_change(size_bytes: int, mtime_ns: int, now: os.stat_result) -> str | None:
    """How `now` differs from the expected size and mtime, for a person; None if it does not."""
    if now.st_size != size_bytes:
        return f"size {size_bytes} bytes, now {now.st_size} bytes"
    if now.st_mtime_ns != mtime_ns:
        return "its modification time changed"
    return None


class SourceFile:
    """One local file opened for one piece of work (a PUT or one part), with its fd's stat."""

    def __init__(self, os_path: str, path: str, fd: int, opened: os.stat_result) -> None:
        self.os_path = os_path
        self.path = path
        self._fd = fd
        self._opened = opened
        self._file = io.FileIO(fd, closefd=False)

    @classmethod
    def open(
        cls, os_path: str, path: str, *, size_bytes: int, mtime_ns: int, when: str = SINCE_INDEXED
    ) -> SourceFile:
        """Open `os_path`, refusing it unless it is a regular file of the expected size/mtime."""
        try:
            fd = os.open(os_path, _READ_FLAGS)
        except FileNotFoundError:
            raise SourceFileError(f"{path} no longer exists ({os_path})") from None
        except OSError as exc:
            raise SourceFileError(f"{path} cannot be opened: {exc.strerror or exc}") from exc
        try:
            opened = os.fstat(fd)
            if not stat.S_ISREG(opened.st_mode):
                raise SourceFileError(f"{path} is no longer a regular file")
            change = describe_change(size_bytes, mtime_ns, opened)
            if change is not None:
                raise SourceChangedError(path, change, when=when)
        except BaseException:
            os.close(fd)
            raise
        return cls(os_path, path, fd, opened)

    @property
    def size_bytes(self) -> int:
        return self._opened.st_size

    def read_into(self, view: memoryview, offset: int) -> int:
        """Fill `view` from `offset`; fewer bytes only at the end of the file."""
        filled = 0
        try:
            self._file.seek(offset)
            while filled < len(view):
                count = self._file.readinto(view[filled:])
                if not count:
                    break
                filled += count
        except OSError as exc:
            raise SourceFileError(f"{self.path} could not be read: {exc.strerror or exc}") from exc
        return filled

    def check_unchanged(self) -> None:
        """`SourceChangedError` if the file at the path is not the one opened, as it was."""
        try:
            now = os.stat(self.os_path, follow_symlinks=False)
        except FileNotFoundError:
            raise SourceChangedError(self.path, "it was deleted", when=WHILE_UPLOADING) from None
        except OSError as exc:
            raise SourceFileError(f"{self.path} cannot be checked: {exc.strerror or exc}") from exc
        if (now.st_ino, now.st_dev) != (self._opened.st_ino, self._opened.st_dev):
            raise SourceChangedError(
                self.path, "it was replaced by another file", when=WHILE_UPLOADING
            )
        change = describe_change(self._opened.st_size, self._opened.st_mtime_ns, now)
        if change is not None:
            raise SourceChangedError(self.path, change, when=WHILE_UPLOADING)

    def close(self) -> None:
        self._file.close()
        os.close(self._fd)

    def __enter__(self) -> SourceFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


@dataclass(frozen=True, slots=True)
class LoadedRange:
    """A range read ahead: its bytes (None when too large to keep) and CRC32 (None if not made)."""

    view: memoryview | None
    crc32: int | None


class PartReader:
    """Per worker: reads ranges into one reused buffer, hashing them chunk by chunk."""

    def __init__(
        self,
        *,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        buffer_limit_bytes: int = DEFAULT_BUFFER_LIMIT_BYTES,
        crc32: Crc32Function = FASTEST_CRC32.function,
    ) -> None:
        self._chunk_bytes = chunk_bytes
        self._limit = buffer_limit_bytes
        self._crc32 = crc32
        self._buffer = memoryview(bytearray(0))
        self._scratch: memoryview | None = None

    @property
    def buffer_limit_bytes(self) -> int:
        """The longest range `load` keeps in memory."""
        return self._limit

    def load(
        self,
        source: SourceFile,
        offset: int,
        length: int,
        *,
        should_stop: Callable[[], bool],
        compute_crc: bool = True,
    ) -> LoadedRange:
        """Read [offset, offset + length); `ReadStopped` if `should_stop()` before a chunk."""
        keeps = length <= self._limit
        target = self._buffer_for(length)[:length] if keeps else None
        crc = done = 0
        while done < length:
            if should_stop():
                raise ReadStopped
            count = min(self._chunk_bytes, length - done)
            chunk = target[done : done + count] if target is not None else self._scratch_for(count)
            if source.read_into(chunk, offset + done) != count:
                raise SourceChangedError(source.path, "it became shorter", when=WHILE_UPLOADING)
            if compute_crc:
                crc = self._crc32(chunk, crc)
            done += count
        return LoadedRange(target, crc if compute_crc else None)

    def _buffer_for(self, length: int) -> memoryview:
        if len(self._buffer) < length:
            self._buffer = memoryview(bytearray(length))
        return self._buffer

    def _scratch_for(self, count: int) -> memoryview:
        if self._scratch is None or len(self._scratch) < count:
            self._scratch = memoryview(bytearray(self._chunk_bytes))
        return self._scratch[:count]


@dataclass(frozen=True, slots=True)
class BodyHooks:
    """What a request body calls per block: `pace(n)` before it goes out (the bandwidth
    limit), `count(n)` for bytes sent for the first time (progress; a block re-sent after a seek
    is not counted twice), and `should_abort()`, so a cancel cuts a request short."""

    pace: Callable[[int], None]
    count: Callable[[int], None]
    should_abort: Callable[[], bool]


class RequestBody:
    """A file-like request body of `length` bytes for botocore: paced, counted, cancellable."""

    def __init__(self, length: int, hooks: BodyHooks) -> None:
        self._length = length
        self._hooks = hooks
        self._position = 0
        self.counted_bytes = 0
        self.failure: BaseException | None = None

    def __len__(self) -> int:
        return self._length

    def read(self, size: int | None = -1) -> memoryview | bytes:
        remaining = self._length - self._position
        count = remaining if size is None or size < 0 else min(size, remaining)
        if count <= 0:
            return b""
        try:
            if self._hooks.should_abort():
                raise ReadStopped
            block = self._block(self._position, count)
        except (ReadStopped, SourceFileError, SourceChangedError) as exc:
            self.failure = self.failure or exc
            raise
        self._hooks.pace(len(block))
        self._position += len(block)
        if self._position > self.counted_bytes:
            self._hooks.count(self._position - self.counted_bytes)
            self.counted_bytes = self._position
        return block

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._length}[whence]
        self._position = max(0, min(self._length, base + offset))
        return self._position

    def tell(self) -> int:
        return self._position

    def seekable(self) -> bool:
        return True

    def _block(self, position: int, count: int) -> memoryview | bytes:
        raise NotImplementedError


class MemoryBody(RequestBody):
    """Sends bytes already read into a worker's buffer (no copy: slices of the same memory)."""

    def __init__(self, view: memoryview, hooks: BodyHooks) -> None:
        super().__init__(len(view), hooks)
        self._view = view

    def _block(self, position: int, count: int) -> memoryview:
        return self._view[position : position + count]


class FileRangeBody(RequestBody):
    """Streams a range of an open source file through one reused block buffer."""

    def __init__(self, source: SourceFile, offset: int, length: int, hooks: BodyHooks) -> None:
        super().__init__(length, hooks)
        self._source = source
        self._offset = offset
        self._scratch = memoryview(bytearray(min(STREAM_BLOCK_BYTES, max(length, 1))))

    def _block(self, position: int, count: int) -> memoryview:
        view = self._scratch[: min(count, len(self._scratch))]
        if self._source.read_into(view, self._offset + position) != len(view):
            raise SourceChangedError(self._source.path, "it became shorter", when=WHILE_UPLOADING)
        return view


def body_for(
    source: SourceFile, offset: int, length: int, loaded: LoadedRange | None, hooks: BodyHooks
) -> RequestBody:
    """The body sending [offset, offset + length): from memory when it was read ahead."""
    if loaded is not None and loaded.view is not None:
        return MemoryBody(loaded.view, hooks)
    return FileRangeBody(source, offset, length, hooks)
