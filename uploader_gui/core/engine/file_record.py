"""What the state store keeps about one file of a delivery, as the engine and receipt read it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.engine.file_states import FileState

_JUDGED = frozenset({FileState.VALID, FileState.INVALID})


@dataclass(frozen=True, slots=True)
class FileRecord:
    """Everything saved about one file of a delivery: its fingerprint and how it is doing.

    `bytes_done` counts bytes the archive holds for certain: the completed parts of a multipart
    upload, the whole size once uploaded, and 0 otherwise (a cut single PUT restarts from 0).
    """

    file: FileFingerprint
    state: FileState
    attempts: int
    last_error: str
    bytes_done: int
    verdict_message: str
    uploaded_at: str | None
    validated_at: str | None

    COLUMNS = (
        "path, size_bytes, mtime_ns, crc32, state, attempts, last_error, bytes_done, "
        "verdict_message, uploaded_at, validated_at"
    )

    @property
    def message(self) -> str:
        """The verdict's message for a judged file; otherwise the last error, if any."""
        return self.verdict_message if self.state in _JUDGED else self.last_error

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> FileRecord:
        """A record from a row selected with `COLUMNS` (the state becomes a `FileState`)."""
        path, size_bytes, mtime_ns, crc32, state, *rest = row
        return cls(FileFingerprint(path, size_bytes, mtime_ns, crc32), FileState(state), *rest)
