"""Reading one file's details and timeline from the state store, for the window's details pane.

`read_file_details` opens the store read-only (it never migrates, creates or writes anything:
a delivery may be writing to it at the same moment, and WAL lets both go on), reads the file's
record and journal, and closes it again. It blocks on SQLite, so the window calls it on a
worker thread. A store that does not exist yet, or a file it does not know, is None: the pane
then shows what the table knows.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from uploader_gui.app_dirs import app_dirs
from uploader_gui.core.file_timeline import FileDetails, TimelineEntry
from uploader_gui.store.state_store import StateStore


def _read_only(path: str, **options: Any) -> sqlite3.Connection:
    connection: sqlite3.Connection = sqlite3.connect(
        Path(path).as_uri() + "?mode=ro", uri=True, **options
    )
    return connection


def read_file_details(store_path: Path | None, delivery_key: int, path: str) -> FileDetails | None:
    """The file's details in delivery `delivery_key` of the store at `store_path` (None: the
    app's own); None when the store or the file is not there (yet). A damaged store raises
    the store's `FatalError`."""
    db_path = store_path or app_dirs().state_db_path
    if not db_path.is_file():
        return None
    with StateStore(db_path, connect=_read_only) as store:
        files = store.delivery_files(delivery_key)
        try:
            record = files.record(path)
            timeline = files.timeline(path)
        except KeyError:
            return None
    return FileDetails(
        path=record.file.path,
        size_bytes=record.file.size_bytes,
        state=record.state.value,
        message=record.message,
        attempts=record.attempts,
        crc32=record.file.crc32,
        timeline=tuple(TimelineEntry(e.at, e.kind, e.detail) for e in timeline),
        has_history=True,
    )
