"""Does every CRC32 in a provider's index match its file? Checked before anything is sent.

`check --source` (and the window's pre-flight) would otherwise accept an index whose checksum
for a file is wrong, and the transfer would then fail on that file with S3's `BadDigest`. The
files are hashed as the transfer hashes them (the fastest CRC32 here, several threads, one
reused buffer per thread), with progress, and each mismatch is a problem naming its line.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from uploader_gui.core.checksums.crc32 import (
    FileChangedError,
    FileOutcome,
    crc32_to_base64,
    read_files,
)
from uploader_gui.core.delivery.index_file import CHECKSUM_COLUMN, ProviderIndex
from uploader_gui.core.delivery.problems import Problem


@dataclass(frozen=True, slots=True)
class ChecksumProgress:
    """How far verifying has come: files and bytes done of the total."""

    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int


@dataclass(frozen=True, slots=True)
class _IndexedFile:
    os_path: str
    size_bytes: int
    line: int
    path: str
    crc32: int


def verify_index_checksums(
    index: ProviderIndex,
    source_root: Path,
    *,
    on_progress: Callable[[ChecksumProgress], None] | None = None,
    is_cancelled: Callable[[], bool] = lambda: False,
) -> list[Problem]:
    """One problem per indexed file whose CRC32 differs from the file's (or cannot be read).

    Entries without a checksum are skipped. Stops early (returning what it found) when
    `is_cancelled()` turns true; `on_progress` is called on this thread between batches."""
    files = _files_to_verify(index, source_root)
    bytes_total = sum(item.size_bytes for item in files)
    problems: list[tuple[int, Problem]] = []
    files_done = bytes_done = 0
    reading = read_files(files)
    try:
        for outcomes in reading:
            for position, outcome in outcomes:
                item = files[position]
                files_done += 1
                bytes_done += item.size_bytes
                problem = _problem_for(index, item, outcome)
                if problem is not None:
                    problems.append((item.line, problem))
            if on_progress is not None:
                on_progress(ChecksumProgress(files_done, len(files), bytes_done, bytes_total))
            if is_cancelled():
                break
    finally:
        reading.close()
    return [problem for _, problem in sorted(problems, key=lambda pair: pair[0])]


def _files_to_verify(index: ProviderIndex, source_root: Path) -> list[_IndexedFile]:
    files = []
    for entry in index.entries:
        if entry.crc32 is None:
            continue
        os_path = os.fspath(source_root / entry.path)
        try:
            size_bytes = os.stat(os_path).st_size
        except OSError:
            continue  # a missing file is the index reader's problem, reported with its line
        files.append(_IndexedFile(os_path, size_bytes, entry.line, entry.path, entry.crc32))
    return files


def _problem_for(index: ProviderIndex, item: _IndexedFile, outcome: FileOutcome) -> Problem | None:
    if isinstance(outcome, (OSError, FileChangedError)):
        detail = (outcome.strerror if isinstance(outcome, OSError) else None) or str(outcome)
        return Problem(
            str(index.csv_path),
            f"{item.path} could not be read to check its checksum: {detail}",
            line=item.line,
            key=CHECKSUM_COLUMN,
            fix="make the file readable (and unchanging while it is delivered), then check again",
        )
    actual = outcome.crc32
    if actual is None or actual == item.crc32:
        return None
    return Problem(
        str(index.csv_path),
        f"the checksum of {item.path} is {crc32_to_base64(item.crc32)} in the index but "
        f"{crc32_to_base64(actual)} in the file; the archive would refuse the upload (BadDigest)",
        line=item.line,
        key=CHECKSUM_COLUMN,
        fix="recompute the index (`uploader-gui index`), or deliver the file it was made from",
    )
