"""The state store's schema, as an ordered list of forward migrations.

`PRAGMA user_version` holds how many migrations a database has had. Opening it applies the
missing ones in order, each in its own transaction together with its version bump, so a crash
mid-migration leaves the previous version intact. A database with a higher version than this
code knows was written by a newer app: it is refused with a `FatalError` rather than guessed at.
Never edit a released migration; append a new one.

Times are UTC ISO 8601 text; CRC32 values are unsigned 32-bit integers (adapters convert to and
from S3's base64). The only secondary indexes are those lookups need: files by (delivery, path),
journal rows by file. Files by state are counted by a scan instead, so that a million state
changes do not each pay for a second index.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from uploader_gui.core.errors import FatalError
from uploader_gui.store.database import Database

Migration = tuple[str, ...]

_DELIVERIES_FILES_AND_PARTS: Migration = (
    """CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        profile_name TEXT NOT NULL,
        dataset TEXT NOT NULL,
        delivery_id TEXT NOT NULL,
        transfer_type TEXT NOT NULL,
        source_root TEXT NOT NULL,
        label_path TEXT NOT NULL DEFAULT '',
        index_path TEXT NOT NULL DEFAULT '',
        agent_id TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL DEFAULT 'created',
        outcome TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        started_at TEXT,
        ended_at TEXT
    )""",
    "CREATE INDEX deliveries_by_name ON deliveries (dataset, delivery_id, transfer_type)",
    """CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        delivery INTEGER NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        size_bytes INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        crc32 INTEGER,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT '',
        bytes_done INTEGER NOT NULL DEFAULT 0,
        verdict_message TEXT NOT NULL DEFAULT '',
        uploaded_at TEXT,
        validated_at TEXT,
        UNIQUE (delivery, path)
    )""",
    """CREATE TABLE multipart_uploads (
        id INTEGER PRIMARY KEY,
        file INTEGER NOT NULL UNIQUE REFERENCES files (id) ON DELETE CASCADE,
        upload_id TEXT NOT NULL,
        part_size_bytes INTEGER NOT NULL CHECK (part_size_bytes > 0),
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE multipart_parts (
        upload INTEGER NOT NULL REFERENCES multipart_uploads (id) ON DELETE CASCADE,
        part_number INTEGER NOT NULL CHECK (part_number BETWEEN 1 AND 10000),
        etag TEXT NOT NULL,
        crc32 INTEGER NOT NULL,
        size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
        PRIMARY KEY (upload, part_number)
    ) WITHOUT ROWID""",
)

# Version 2 added the append-only per-file journal: the timeline a person can open for a file.
_FILE_JOURNAL: Migration = (
    """CREATE TABLE file_events (
        id INTEGER PRIMARY KEY,
        file INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX file_events_by_file ON file_events (file, id)",
)

# Version 3 saves the file's size and mtime with its multipart upload, so a resume can tell the
# file it began with from the file it finds (NULL for uploads begun before: not checked).
_MULTIPART_FINGERPRINT: Migration = (
    "ALTER TABLE multipart_uploads ADD COLUMN source_size_bytes INTEGER",
    "ALTER TABLE multipart_uploads ADD COLUMN source_mtime_ns INTEGER",
)

# Version 4 remembers where a delivery's receipt was written (the History view opens it; the
# person may have chosen any folder or file name, so it cannot be derived) and when the person
# discarded an unfinished delivery (so it is no longer offered on launch; its rows stay).
_RECEIPT_AND_DISCARD: Migration = (
    "ALTER TABLE deliveries ADD COLUMN receipt_path TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE deliveries ADD COLUMN discarded_at TEXT",
)

MIGRATIONS: tuple[Migration, ...] = (
    _DELIVERIES_FILES_AND_PARTS,
    _FILE_JOURNAL,
    _MULTIPART_FINGERPRINT,
    _RECEIPT_AND_DISCARD,
)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(connection: sqlite3.Connection) -> int:
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    return int(version)


def migrate(database: Database, migrations: Sequence[Migration] = MIGRATIONS) -> None:
    """Bring the database up to version `len(migrations)`, one transaction per migration.

    Another process may be migrating the same file: the version is read again under the write
    lock, so each migration is applied once.
    """
    target = len(migrations)
    while True:
        with database.transaction() as connection:
            version = schema_version(connection)
            if version > target:
                raise FatalError(
                    f"The state store {database.path} was written by a newer version of "
                    f"uploader-gui (schema version {version}; this version knows up to {target}). "
                    "Update the app, or move the file aside to start with an empty store."
                )
            if version == target:
                return
            for statement in migrations[version]:
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {version + 1}")
