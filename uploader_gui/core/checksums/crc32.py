"""CRC32 of files as the archive checks them: the fastest implementation here, and file reading.

S3 and the FAST validator compare the CRC32 of the whole file as the base64 of its 4 big-endian
bytes (`a\\n` -> `3eqhBw==`, PROTOCOL.md §5.1). The implementation is chosen by measurement
(`uploader-gui bench index` prints each one's GB/s): at low load on the 2-core development
machine, one core hashed 11-12 GB/s with `isal`, 14-15 GB/s with `zlib-ng`, 3.5 GB/s with
stdlib zlib and 2.6 GB/s with awscrt (so awscrt is never chosen). isal is a dependency; zlib-ng
would gain about 8 % on one big file read by one thread and nothing measurable otherwise, as
reading from the page cache (11 GB/s) costs as much as hashing, so it is not one. zlib is the
fallback. All four release the GIL while they hash (a second Python thread runs on, unstalled,
through a 20 ms call), so hashing itself never serialises threads; what did is below.

Files are read with `readv`/`readinto` into one reused buffer (no allocation or copy per chunk),
and a file that changes while it is read (size, modification time or inode before and after
differ) raises `FileChangedError` rather than yielding a checksum of bytes that no longer exist.
`read_files` reads many files on every core: `parallel_reads` says how, and why one big file
is read as ranges on threads but many small files in worker processes.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Generator, Sequence

from uploader_gui.core.checksums.file_reading import (
    DEFAULT_CHUNK_BYTES,
    DEFAULT_WORKERS,
    FileChangedError,
    FileOutcome,
    FileReading,
    FileToRead,
    ReadStopped,
    check_unchanged,
    open_regular_file,
    read_file,
)
from uploader_gui.core.checksums.implementations import (
    FASTEST_CRC32,
    Crc32Function,
    Crc32Implementation,
    available_crc32_implementations,
    crc32_of_bytes,
)
from uploader_gui.core.checksums.parallel_reads import read_in_parallel

__all__ = [
    "DEFAULT_CHUNK_BYTES",
    "DEFAULT_WORKERS",
    "FASTEST_CRC32",
    "Crc32Function",
    "Crc32Implementation",
    "FileChangedError",
    "FileOutcome",
    "FileReading",
    "FileToRead",
    "ReadStopped",
    "available_crc32_implementations",
    "check_unchanged",
    "crc32_from_base64",
    "crc32_of_bytes",
    "crc32_of_file",
    "crc32_to_base64",
    "open_regular_file",
    "read_file",
    "read_files",
]


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


def read_files(
    files: Sequence[FileToRead],
    *,
    compute_checksums: bool = True,
    workers: int = DEFAULT_WORKERS,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    on_bytes_read: Callable[[int], None] | None = None,
    after_read: Callable[[int], None] | None = None,
    wait_s: float = 0.2,
    allow_processes: bool = False,
) -> Generator[list[tuple[int, FileOutcome]], None, None]:
    """Read `files` on `workers` threads (and processes); yield their outcomes as they come.

    Yields a list of (position in `files`, outcome) at least every `wait_s` (possibly empty, so
    the caller can report progress and decide to stop: closing the iterator stops the threads
    at their next chunk). `on_bytes_read` adds up to each file's listed size (the unread rest is
    added when a file ends early or is not hashed). `after_read(position)` is `read_file`'s
    hook. Big files are read as ranges on several threads; with `allow_processes`, many small
    files are read in worker processes (see `parallel_reads`, which does the work).
    """
    return read_in_parallel(
        files,
        compute_checksums=compute_checksums,
        workers=workers,
        chunk_bytes=chunk_bytes,
        on_bytes_read=on_bytes_read,
        after_read=after_read,
        wait_s=wait_s,
        allow_processes=allow_processes,
    )
