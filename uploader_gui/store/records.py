"""Plain values the state store takes and returns: one delivery, one file, one multipart upload
and its parts, one journal entry. Each `COLUMNS` string lists the SELECT columns in field order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from uploader_gui.core.engine.file_states import FileState


class RegisteredFile(NamedTuple):
    """One file to register: a tuple, so a million of them go to SQLite without copying."""

    path: str
    size_bytes: int
    mtime_ns: int
    crc32: int | None = None


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One delivery attempt of a dataset: what, from where, and how it went."""

    key: int
    profile_name: str
    dataset: str
    delivery_id: str
    transfer_type: str
    source_root: str
    label_path: str
    index_path: str
    agent_id: str
    state: str
    outcome: str
    created_at: str
    started_at: str | None
    ended_at: str | None

    COLUMNS = (
        "id, profile_name, dataset, delivery_id, transfer_type, source_root, label_path, "
        "index_path, agent_id, state, outcome, created_at, started_at, ended_at"
    )


@dataclass(frozen=True, slots=True)
class FileRecord:
    """Everything saved about one file of a delivery.

    `bytes_done` counts bytes the archive holds for certain: the completed parts of a multipart
    upload, the whole size once uploaded, and 0 otherwise (a cut single PUT restarts from 0).
    """

    path: str
    size_bytes: int
    mtime_ns: int
    crc32: int | None
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

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> FileRecord:
        """A record from a row selected with `COLUMNS` (the state becomes a `FileState`)."""
        values = list(row)
        values[4] = FileState(values[4])
        return cls(*values)


@dataclass(frozen=True, slots=True)
class PartRecord:
    """One completed part of a multipart upload, as CompleteMultipartUpload needs it."""

    part_number: int
    etag: str
    crc32: int
    size_bytes: int

    COLUMNS = "part_number, etag, crc32, size_bytes"


@dataclass(frozen=True, slots=True)
class MultipartRecord:
    """A multipart upload in progress for one file, with the parts completed so far."""

    upload_id: str
    part_size_bytes: int
    created_at: str
    parts: tuple[PartRecord, ...]
    # The file's size and mtime when the upload began (None for uploads saved before v3).
    size_bytes: int | None = None
    mtime_ns: int | None = None

    @property
    def bytes_done(self) -> int:
        return sum(part.size_bytes for part in self.parts)


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One line of a file's timeline: when, what kind of thing happened, and the detail."""

    at: str
    kind: str
    detail: str
