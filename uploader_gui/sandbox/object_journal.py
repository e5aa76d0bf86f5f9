"""The persistent archive's journal: one line per change, each line checked on reading.

A line is `<crc32 of the JSON, 8 hex digits> <JSON record>\\n`. Records are appended with one
`write` after the change's body file is complete, so a kill -9 at any moment leaves either the
whole record or a torn last line; reading stops at the first line whose checksum or newline is
missing, which drops the change that was being written (an object cut mid-write is absent,
never half there). Appends are not fsync'd one by one (half a millisecond each here, on the
path of every PUT): the kernel keeps what was written through a kill of the process; a power
cut may lose the last changes, and `DiskStore` drops any record whose body file is short.

`rewrite` replaces the whole journal with a snapshot of the current state (at each start, so it
does not grow across restarts) the careful way: temporary file, fsync, rename, fsync of the
folder — the one moment when the only copy of the state is being replaced.
"""

from __future__ import annotations

import json
import os
import threading
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

Record = dict[str, Any]


def _line(record: Record) -> bytes:
    text = json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return b"%08x %s\n" % (zlib.crc32(text), text)


def _parse(line: bytes) -> Record | None:
    if not line.endswith(b"\n") or len(line) < 10 or line[8:9] != b" ":
        return None
    text = line[9:-1]
    try:
        if int(line[:8], 16) != zlib.crc32(text):
            return None
        record = json.loads(text)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def read_journal(path: Path) -> list[Record]:
    """Every whole record, in order, up to the first torn or damaged line."""
    if not path.exists():
        return []
    records = []
    with path.open("rb") as file:
        for line in file:
            record = _parse(line)
            if record is None:
                break  # everything after a torn line was written after it: not committed
            records.append(record)
    return records


def fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class Journal:
    """Append-only while the archive runs; thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._fd: int | None = None

    def rewrite(self, records: Iterable[Record]) -> None:
        """Replace the journal with `records` atomically and durably, then append after them."""
        temporary = self.path.with_name(self.path.name + ".new")
        with temporary.open("wb") as file:
            for record in records:
                file.write(_line(record))
            file.flush()
            os.fsync(file.fileno())
        with self._lock:
            self._close_locked()
            os.replace(temporary, self.path)
            fsync_folder(self.path.parent)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)

    def append(self, record: Record) -> None:
        line = _line(record)
        with self._lock:
            if self._fd is None:
                raise RuntimeError("the archive's journal is closed")
            os.write(self._fd, line)

    def close(self, *, fsync: bool = True) -> None:
        with self._lock:
            if self._fd is not None and fsync:
                os.fsync(self._fd)
            self._close_locked()

    def _close_locked(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
