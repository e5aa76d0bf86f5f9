"""The files of one delivery in the state store: registration, saved states (the `FileStateSink`
port of `core.file_states`), multipart uploads and their parts, and each file's timeline.

Every write that changes a file also appends to its journal in the same transaction, so the
timeline a person opens always agrees with the file's row. Files are addressed by path; the
UNIQUE (delivery, path) index makes each lookup a B-tree probe.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType

from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.engine.file_record import FileRecord
from uploader_gui.core.engine.file_states import FileState, FileStateSink
from uploader_gui.core.errors import UserInputError
from uploader_gui.store.database import Database
from uploader_gui.store.records import JournalEntry, MultipartRecord, PartRecord

JOURNAL_STATE = "state"
JOURNAL_MULTIPART = "multipart"
JOURNAL_PART = "part"

# Rows fetched per lock hold when streaming a million states: the engine thread and transfer
# workers wait at most one chunk for the store.
STATE_CHUNK_ROWS = 20_000

# What else a state change updates on the file's row, beyond `state`.
_STATE_SIDE_EFFECTS: Mapping[FileState, str] = MappingProxyType(
    {
        FileState.TRANSFERRING: "attempts = attempts + 1",
        FileState.RETRYING: "last_error = :reason",
        FileState.FAILED: "last_error = :reason",
        FileState.DONE: "uploaded_at = :now, bytes_done = size_bytes",
        FileState.VALID: "validated_at = :now, verdict_message = :reason",
        FileState.INVALID: "validated_at = :now, verdict_message = :reason",
        FileState.READY: "bytes_done = 0",
    }
)
# Once a file is uploaded, or sent back to `ready` (cancel discards: the engine has aborted the
# upload on S3 first), its multipart record has nothing left to resume.
_FORGETS_MULTIPART = frozenset({FileState.DONE, FileState.READY})


class DeliveryFiles(FileStateSink):
    """The files of delivery `delivery_key` (the store's integer key, not FAST's delivery_id)."""

    def __init__(self, database: Database, delivery_key: int) -> None:
        self._db = database
        self.delivery_key = delivery_key

    def register_files(
        self, files: Iterable[FileFingerprint], *, initial_state: FileState = FileState.READY
    ) -> int:
        """Register the whole file list in one transaction; return how many were registered.

        `files` may be a generator of 4-tuples (path, size_bytes, mtime_ns, crc32 or None): rows
        stream into one prepared INSERT and nothing is kept per row. A path listed twice
        rolls everything back with a `UserInputError`.
        """
        # The delivery key and state are bound as literals (an int and an enum value, never
        # text from outside) so each row tuple goes to SQLite as it is, without re-packing.
        sql = (
            "INSERT INTO files (delivery, state, path, size_bytes, mtime_ns, crc32) "  # noqa: S608
            f"VALUES ({int(self.delivery_key)}, '{FileState(initial_state).value}', ?, ?, ?, ?)"
        )
        try:
            with self._db.transaction() as connection:
                return connection.executemany(sql, files).rowcount
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" not in str(exc):
                raise
            raise UserInputError(
                "The file list names the same path more than once; each file may be listed "
                "only once. Rebuild the index and try again."
            ) from exc

    def record_file_state(self, path: str, state: FileState, reason: str = "") -> None:
        """Save a file's new state and its journal row in one transaction (the sink port)."""
        assignments = ", ".join(filter(None, ("state = :state", _STATE_SIDE_EFFECTS.get(state))))
        values = {"state": state.value, "reason": reason, "now": self._db.now()}
        detail = f"{state.value}: {reason}" if reason else state.value
        with self._db.transaction() as connection:
            file_id = self._file_id(connection, path)
            connection.execute(
                f"UPDATE files SET {assignments} WHERE id = :id",  # noqa: S608 - fixed fragments
                {**values, "id": file_id},
            )
            if state in _FORGETS_MULTIPART:
                connection.execute("DELETE FROM multipart_uploads WHERE file = ?", (file_id,))
            self._journal(connection, file_id, JOURNAL_STATE, detail)

    def record_fingerprint(self, path: str, *, size_bytes: int, mtime_ns: int, crc32: int) -> None:
        """Save the file as it was when (re)hashed: resume skips it only if all three match."""
        with self._db.transaction() as connection:
            file_id = self._file_id(connection, path)
            connection.execute(
                "UPDATE files SET size_bytes = ?, mtime_ns = ?, crc32 = ? WHERE id = ?",
                (size_bytes, mtime_ns, crc32, file_id),
            )
            self._journal(connection, file_id, "hashed", f"{size_bytes} bytes, crc32 {crc32:08x}")

    def refund_attempt(self, path: str, detail: str) -> None:
        """Take back the attempt counted when the file last started sending: the network, not
        the file, cut it off (the timeline keeps a line saying so)."""
        with self._db.transaction() as connection:
            file_id = self._file_id(connection, path)
            connection.execute(
                "UPDATE files SET attempts = attempts - 1 WHERE id = ? AND attempts > 0", (file_id,)
            )
            self._journal(connection, file_id, "not counted", detail)

    def record_event(self, path: str, kind: str, detail: str = "") -> None:
        """Append a line to a file's timeline that changes nothing else (e.g. "retry in 8 s")."""
        with self._db.transaction() as connection:
            self._journal(connection, self._file_id(connection, path), kind, detail)

    def timeline(self, path: str) -> list[JournalEntry]:
        """The file's journal, oldest first."""
        with self._db.reading() as connection:
            rows = connection.execute(
                "SELECT at, kind, detail FROM file_events WHERE file = ? ORDER BY id",
                (self._file_id(connection, path),),
            ).fetchall()
        return [JournalEntry(*row) for row in rows]

    def record(self, path: str) -> FileRecord:
        """Everything saved about one file; `KeyError` if it is not registered."""
        with self._db.reading() as connection:
            row = connection.execute(
                f"SELECT {FileRecord.COLUMNS} FROM files WHERE delivery = ? AND path = ?",  # noqa: S608
                (self.delivery_key, path),
            ).fetchone()
        if row is None:
            raise KeyError(f"{path!r} is not a file of delivery {self.delivery_key}")
        return FileRecord.from_row(row)

    def states(self) -> Iterator[tuple[str, FileState]]:
        """Every file's path and state in registration order, fetched in chunks.

        Memory stays flat for a million files, and the store's lock is released between chunks.
        """
        last_id = 0
        while True:
            with self._db.reading() as connection:
                rows = connection.execute(
                    "SELECT id, path, state FROM files WHERE delivery = ? AND id > ? "
                    "ORDER BY id LIMIT ?",
                    (self.delivery_key, last_id, STATE_CHUNK_ROWS),
                ).fetchall()
            if not rows:
                return
            last_id = rows[-1][0]
            for _, path, state in rows:
                yield path, FileState(state)

    def count_by_state(self) -> dict[FileState, int]:
        """How many files are in each state (states with no files left out)."""
        with self._db.reading() as connection:
            rows = connection.execute(
                "SELECT state, count(*) FROM files WHERE delivery = ? GROUP BY state",
                (self.delivery_key,),
            ).fetchall()
        return {FileState(state): count for state, count in rows}

    def begin_multipart(
        self,
        path: str,
        *,
        upload_id: str,
        part_size_bytes: int,
        size_bytes: int | None = None,
        mtime_ns: int | None = None,
    ) -> None:
        """Remember a new multipart upload for the file, replacing any earlier one and its parts.

        `size_bytes` and `mtime_ns` are the file's as the upload began: a resume checks them."""
        with self._db.transaction() as connection:
            file_id = self._file_id(connection, path)
            connection.execute("DELETE FROM multipart_uploads WHERE file = ?", (file_id,))
            connection.execute(
                "INSERT INTO multipart_uploads (file, upload_id, part_size_bytes, created_at, "
                "source_size_bytes, source_mtime_ns) VALUES (?, ?, ?, ?, ?, ?)",
                (file_id, upload_id, part_size_bytes, self._db.now(), size_bytes, mtime_ns),
            )
            connection.execute("UPDATE files SET bytes_done = 0 WHERE id = ?", (file_id,))
            self._journal(
                connection,
                file_id,
                JOURNAL_MULTIPART,
                f"upload {upload_id} started, parts of {part_size_bytes} bytes",
            )

    def record_part(
        self, path: str, *, part_number: int, etag: str, crc32: int, size_bytes: int
    ) -> None:
        """Save one completed part; the file's `bytes_done` becomes the sum of its parts.

        A part uploaded again (same number) replaces the earlier one. `KeyError` if no multipart
        upload was begun for the file.
        """
        with self._db.transaction() as connection:
            file_id = self._file_id(connection, path)
            row = connection.execute(
                "SELECT id FROM multipart_uploads WHERE file = ?", (file_id,)
            ).fetchone()
            if row is None:
                raise KeyError(f"{path!r} has no multipart upload to add part {part_number} to")
            (upload,) = row
            connection.execute(
                "INSERT OR REPLACE INTO multipart_parts "
                "(upload, part_number, etag, crc32, size_bytes) VALUES (?, ?, ?, ?, ?)",
                (upload, part_number, etag, crc32, size_bytes),
            )
            connection.execute(
                "UPDATE files SET bytes_done = (SELECT coalesce(sum(size_bytes), 0) "
                "FROM multipart_parts WHERE upload = ?) WHERE id = ?",
                (upload, file_id),
            )
            self._journal(
                connection, file_id, JOURNAL_PART, f"part {part_number} ({size_bytes} bytes)"
            )

    def multipart(self, path: str) -> MultipartRecord | None:
        """The file's multipart upload in progress with its completed parts, or None."""
        with self._db.reading() as connection:
            row = connection.execute(
                "SELECT id, upload_id, part_size_bytes, created_at, source_size_bytes, "
                "source_mtime_ns FROM multipart_uploads WHERE file = ?",
                (self._file_id(connection, path),),
            ).fetchone()
            if row is None:
                return None
            parts = connection.execute(
                f"SELECT {PartRecord.COLUMNS} FROM multipart_parts "  # noqa: S608
                "WHERE upload = ? ORDER BY part_number",
                (row[0],),
            ).fetchall()
        upload_id, part_size_bytes, created_at, size_bytes, mtime_ns = row[1:]
        return MultipartRecord(
            upload_id,
            part_size_bytes,
            created_at,
            tuple(PartRecord(*part) for part in parts),
            size_bytes,
            mtime_ns,
        )

    def _file_id(self, connection: sqlite3.Connection, path: str) -> int:
        row = connection.execute(
            "SELECT id FROM files WHERE delivery = ? AND path = ?", (self.delivery_key, path)
        ).fetchone()
        if row is None:
            raise KeyError(f"{path!r} is not a file of delivery {self.delivery_key}")
        return int(row[0])

    def _journal(
        self, connection: sqlite3.Connection, file_id: int, kind: str, detail: str
    ) -> None:
        connection.execute(
            "INSERT INTO file_events (file, at, kind, detail) VALUES (?, ?, ?, ?)",
            (file_id, self._db.now(), kind, detail),
        )
