"""Plain values the state store returns: one delivery, one multipart upload and its parts, one
journal entry. Files are registered as `FileFingerprint`s and come back as `FileRecord`s (in the
core, where the receipt reads them). Each `COLUMNS` string lists the SELECT columns in order.
"""

from __future__ import annotations

from dataclasses import dataclass


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
    receipt_path: str = ""  # the JSON receipt last written for it ("" if none yet)
    discarded_at: str | None = None  # set when the person discarded it unfinished

    COLUMNS = (
        "id, profile_name, dataset, delivery_id, transfer_type, source_root, label_path, "
        "index_path, agent_id, state, outcome, created_at, started_at, ended_at, receipt_path, "
        "discarded_at"
    )


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
