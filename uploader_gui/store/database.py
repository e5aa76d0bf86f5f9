"""One SQLite connection to the state store: its settings, its lock, its transactions, and the
translation of SQLite failures into `FatalError` naming the file.

Settings, and why:
- WAL journal: readers (a timeline view, a second window) never block the engine's writes, and a
  killed process leaves a database that recovers by itself on the next open.
- `synchronous=NORMAL`: in WAL mode every commit is still atomic and survives the app being
  killed; only a power cut or OS crash can lose the last few commits, and never corrupts the
  file. Resume re-checks S3 (ListParts, the validator log) anyway, so losing seconds of progress
  to a power cut costs little, while FULL would fsync on every part and every state change.
- `busy_timeout`: a second process writing the same store (another window) is waited for rather
  than failing at once.
- `foreign_keys`: a part cannot outlive its upload, nor an upload its file.
- `cache_size` 32 MiB (SQLite's default is 2 MiB): registering a million paths in scandir order
  inserts all over the (delivery, path) index; a bigger cache took that from 7.2 s to 4.5 s at
  +38 MB (measured). SQLite allocates cache pages only as they are used.
- `journal_size_limit`: a million-file registration grows the WAL to hundreds of MB; the limit
  lets SQLite shrink it again after the checkpoint.

Threading rule: a `Database` owns one connection (opened with `check_same_thread=False`) and a
lock that every call holds, so one store can be shared by the engine thread and transfer
workers. Another thread or process that wants to read without waiting opens its own store: WAL
lets it read while the engine writes.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from uploader_gui.core.errors import FatalError
from uploader_gui.core.formatting import human_size

BUSY_TIMEOUT_S = 10.0
JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024
CACHE_SIZE_KIB = 32 * 1024

Connect = Callable[..., sqlite3.Connection]

# Errors that mean our SQL or our data is wrong (a bug, or a constraint the caller maps itself),
# not that the disk or the file is unusable.
_NOT_THE_STORES_FAULT = (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError)


# What to ask a person to free when the store's disk is full: room for the WAL to grow and be
# checkpointed during a large registration (JOURNAL_SIZE_LIMIT_BYTES) with a margin.
MIN_FREE_BYTES = 96 * 1024 * 1024

_FULL_NAMES = frozenset({"SQLITE_FULL"})
_READ_ONLY_NAMES = frozenset({"SQLITE_READONLY", "SQLITE_READONLY_DIRECTORY", "SQLITE_CANTOPEN"})
_RESUMES = "the delivery stops here and resumes from what was saved when you start it again."


def store_failure(path: Path, exc: BaseException) -> FatalError:
    """The `FatalError` a person sees when the store file cannot be used: a full disk says how
    much room to make, a read-only folder says which one; anything else names the file."""
    folder = path.parent
    name = getattr(exc, "sqlite_errorname", "")
    error_number = getattr(exc, "errno", None)
    if name in _FULL_NAMES or error_number == errno.ENOSPC:
        return FatalError(
            f"The disk holding the state store's folder {folder} is full "
            f"({_free_space_text(folder)}). Free at least {human_size(MIN_FREE_BYTES)} there, "
            f"then start again; {_RESUMES}"
        )
    if (name in _READ_ONLY_NAMES and _is_read_only(folder)) or error_number == errno.EROFS:
        return FatalError(
            f"The state store's folder {folder} cannot be written (read-only). Make it "
            f"writable, or move the app's data elsewhere with UPLOADER_GUI_HOME; {_RESUMES}"
        )
    return FatalError(
        f"The state store {path} cannot be used ({exc}). Check that the disk has free space and "
        "that the folder is writable; the delivery stops here and resumes from what was saved."
    )


def _free_space_text(folder: Path) -> str:
    try:
        return f"{human_size(shutil.disk_usage(folder).free)} free"
    except OSError:
        return "free space unknown"


def _is_read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY) or not os.access(folder, os.W_OK)
    except (OSError, AttributeError):  # AttributeError: no statvfs on Windows
        return not os.access(folder, os.W_OK)


class Database:
    """The store's connection, used only inside `transaction()` or `reading()`."""

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], float] = time.time,
        connect: Connect = sqlite3.connect,
    ) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.RLock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise store_failure(path, exc) from exc
        with self.errors_translated():
            self._connection = connect(
                str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            try:
                self._configure()
            except BaseException:
                self._connection.close()
                raise

    def _configure(self) -> None:
        connection = self._connection
        (journal_mode,) = connection.execute("PRAGMA journal_mode = WAL").fetchone()
        if str(journal_mode).lower() != "wal":
            raise FatalError(
                f"The state store {self.path} cannot use write-ahead logging (journal mode "
                f"{journal_mode}); keep the app's data folder on a local disk."
            )
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT_BYTES}")
        connection.execute(f"PRAGMA cache_size = -{CACHE_SIZE_KIB}")  # negative: KiB, not pages

    def now(self) -> str:
        """The clock's time as UTC ISO 8601 with milliseconds (readable in any SQLite tool)."""
        return datetime.fromtimestamp(self._clock(), tz=UTC).isoformat(timespec="milliseconds")

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    @contextmanager
    def errors_translated(self) -> Iterator[None]:
        """Turn SQLite's failures into `FatalError` naming the store file.

        Other exceptions pass unchanged: an OSError from the caller's file listing, say, is not
        the store's fault.
        """
        try:
            yield
        except _NOT_THE_STORES_FAULT:
            raise
        except sqlite3.Error as exc:
            raise store_failure(self.path, exc) from exc

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection for reads, held exclusively by this thread meanwhile."""
        with self._lock, self.errors_translated():
            yield self._connection

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed on success, rolled back on any exception.

        BEGIN IMMEDIATE takes the write lock up front, so a busy store is waited for at the start
        instead of failing half-way through.
        """
        with self._lock, self.errors_translated():
            connection = self._connection
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                self._roll_back()
                raise
            connection.execute("COMMIT")

    def _roll_back(self) -> None:
        # SQLite may already have rolled back by itself (e.g. on SQLITE_FULL); a failing
        # rollback must not hide the error that caused it.
        if self._connection.in_transaction:
            with suppress(sqlite3.Error):
                self._connection.execute("ROLLBACK")
