"""An object body that lives in a file, in place of moto's in-memory buffer.

moto keeps each object's bytes in `FakeKey._value_buffer`, a `SpooledTemporaryFile` that stays
in memory up to `MOTO_S3_DEFAULT_KEY_BUFFER_SIZE` (~5 MiB) and then rolls over to an anonymous
temporary file. That knob alone does not do for a persistent archive: a rolled-over buffer is
an open, nameless file (one descriptor per object: 100,000 objects would exhaust the process's
descriptors) and gone after a restart. `DiskBody` is the small part of the file API FakeKey uses
(seek, tell, read, write, truncate, close) over a named file that is opened only for the length
of one call, so an archive with a million objects holds no descriptor and no byte of them.

`adopt(key, path)` moves a key moto just created onto such a file: the bytes are written to
`path` (through a temporary name, then renamed, so the name never holds half a body) and the
key's buffer is swapped under its own lock.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import IO, Any

COPY_CHUNK_BYTES = 8 * 1024 * 1024
TMP_SUFFIX = ".tmp"


class DiskBody:
    """The file API moto's FakeKey uses, over the file at `path`, opened per call."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._position = 0
        self.closed = False

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            self._position = offset
        elif whence == os.SEEK_CUR:
            self._position += offset
        else:
            self._position = self.size() + offset
        return self._position

    def tell(self) -> int:
        return self._position

    def size(self) -> int:
        return self.path.stat().st_size

    def read(self, size: int = -1) -> bytes:
        with self.path.open("rb") as file:
            file.seek(self._position)
            data = file.read() if size is None or size < 0 else file.read(size)
        self._position += len(data)
        return data

    def truncate(self, size: int | None = None) -> int:
        # moto sets a value only on a new key (which `adopt` then moves), so the file the
        # journal names is never rewritten through here in practice.
        with self.path.open("r+b") as file:
            return file.truncate(self._position if size is None else size)

    def write(self, data: bytes) -> int:
        with self.path.open("r+b") as file:
            file.seek(self._position)
            file.write(data)
        self._position += len(data)
        return len(data)

    def close(self) -> None:
        # The file belongs to the store's journal, not to moto: closing never deletes it.
        self.closed = True


def write_file(path: Path, source: IO[bytes], *, fsync: bool = False) -> tuple[int, str]:
    """Copy `source` (from its start) to `path` via a temporary name; (size, MD5 hex)."""
    temporary = path.with_name(path.name + TMP_SUFFIX)
    md5 = hashlib.md5(usedforsecurity=False)
    size = 0
    source.seek(0)
    with temporary.open("wb") as target:
        while chunk := source.read(COPY_CHUNK_BYTES):
            md5.update(chunk)
            target.write(chunk)
            size += len(chunk)
        if fsync:
            target.flush()
            os.fsync(target.fileno())
    os.replace(temporary, path)
    return size, md5.hexdigest()


def adopt(key: Any, path: Path, *, fsync: bool = False) -> int:
    """Move moto's key onto a file at `path` (unless it is already on one); returns its size."""
    with key.lock:
        buffer = key._value_buffer  # moto's storage is what this module replaces
        if isinstance(buffer, DiskBody):
            return int(key.contentsize)
        size, md5_hex = write_file(path, buffer, fsync=fsync)
        if key._etag is None:  # computed here, saving moto a second read
            key._etag = md5_hex
        key._value_buffer = DiskBody(path)
        key.contentsize = size
        buffer.close()
    return size


def attach(key: Any, path: Path, size: int) -> None:
    """Point a key at a body file written earlier (a restored or completed object)."""
    with key.lock:
        old = key._value_buffer
        key._value_buffer = DiskBody(path)
        key.contentsize = size
        if not isinstance(old, DiskBody):
            old.close()
