"""The durable state store (DESIGN.md §3): the SQLite file that is the source of truth for every
delivery, its files, their multipart uploads and their timelines.

It lives at `app_dirs().state_db_path`, in the app's own data directory and never in the folder
being delivered. Any failure to read or write it (read-only folder, full disk, a damaged or
newer file) is a `FatalError` naming the file. See `store.database` for the SQLite settings and
the threading rule (one connection, one lock: shareable across threads), and `store.schema` for
versions and migrations.

Typical use by the engine::

    store = StateStore()
    key = store.create_delivery(profile_name=..., dataset=..., delivery_id=..., ...)
    store.register_files(key, index_rows)            # one transaction, before any byte moves
    files = store.delivery_files(key)                # the FileStateSink for FileTracker
    tracker = FileTracker(files, emit)
    tracker.track(files.states())
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType

from uploader_gui.app_dirs import app_dirs
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.errors import UserInputError
from uploader_gui.store.database import Connect, Database
from uploader_gui.store.delivery_files import DeliveryFiles
from uploader_gui.store.delivery_history import DeliverySummary, delivery_summaries
from uploader_gui.store.records import DeliveryRecord
from uploader_gui.store.schema import migrate

_SELECT_DELIVERY = f"SELECT {DeliveryRecord.COLUMNS} FROM deliveries"  # noqa: S608


class StateStore:
    """Deliveries and, through `delivery_files`, their files. Open once; close when done."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        clock: Callable[[], float] = time.time,
        connect: Connect = sqlite3.connect,
    ) -> None:
        self._db = Database(path or app_dirs().state_db_path, clock=clock, connect=connect)
        try:
            migrate(self._db)
        except BaseException:
            self._db.close()
            raise

    @property
    def path(self) -> Path:
        return self._db.path

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def create_delivery(
        self,
        *,
        profile_name: str,
        dataset: str,
        delivery_id: str,
        transfer_type: str,
        source_root: str,
        label_path: str = "",
        index_path: str = "",
        agent_id: str = "",
    ) -> int:
        """Record a new delivery attempt in state `created`; return its key.

        Refuses (`UserInputError`) a source folder that contains the store itself: the store
        would be uploaded as part of the dataset while it changes.
        """
        self._refuse_store_inside(source_root)
        with self._db.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO deliveries (profile_name, dataset, delivery_id, transfer_type, "
                "source_root, label_path, index_path, agent_id, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    profile_name,
                    dataset,
                    delivery_id,
                    transfer_type,
                    source_root,
                    label_path,
                    index_path,
                    agent_id,
                    self._db.now(),
                ),
            )
            return int(cursor.lastrowid or 0)

    def _refuse_store_inside(self, source_root: str) -> None:
        if source_root.startswith("s3://"):
            return
        root = Path(source_root).expanduser().resolve()
        if self.path.resolve().is_relative_to(root):
            raise UserInputError(
                f"The app's state store {self.path} is inside the folder being delivered "
                f"({root}). Move the app's data folder elsewhere (or set UPLOADER_GUI_HOME "
                "outside the data) and try again.",
                path=source_root,
            )

    def delivery(self, delivery_key: int) -> DeliveryRecord:
        """One delivery; `KeyError` if there is none with that key."""
        with self._db.reading() as connection:
            row = connection.execute(f"{_SELECT_DELIVERY} WHERE id = ?", (delivery_key,)).fetchone()
        if row is None:
            raise KeyError(f"no delivery {delivery_key} in the state store {self.path}")
        return DeliveryRecord(*row)

    def deliveries(self) -> list[DeliveryRecord]:
        """Every delivery, newest first."""
        with self._db.reading() as connection:
            rows = connection.execute(f"{_SELECT_DELIVERY} ORDER BY id DESC").fetchall()
        return [DeliveryRecord(*row) for row in rows]

    def delivery_summaries(self) -> list[DeliverySummary]:
        """Every delivery, newest first, with its files counted by state (one read)."""
        return delivery_summaries(self._db)

    def latest_delivery(
        self, *, profile_name: str, dataset: str, delivery_id: str, transfer_type: str
    ) -> DeliveryRecord | None:
        """The newest attempt at this delivery on this connection profile (to resume), or None."""
        with self._db.reading() as connection:
            row = connection.execute(
                f"{_SELECT_DELIVERY} WHERE dataset = ? AND delivery_id = ? AND transfer_type = ? "
                "AND profile_name = ? ORDER BY id DESC LIMIT 1",
                (dataset, delivery_id, transfer_type, profile_name),
            ).fetchone()
        return None if row is None else DeliveryRecord(*row)

    def has_used_agent_id(self, agent_id: str) -> bool:
        """True if any delivery recorded here was sent as `agent_id` (to tell a lock held by
        an uploader of this computer from one held elsewhere)."""
        if not agent_id:
            return False
        with self._db.reading() as connection:
            row = connection.execute(
                "SELECT 1 FROM deliveries WHERE agent_id = ? LIMIT 1", (agent_id,)
            ).fetchone()
        return row is not None

    def set_delivery_state(self, delivery_key: int, state: str) -> None:
        """Save the session state (the engine's client states: running, complete, ...)."""
        self._update_delivery(delivery_key, "state = ?", (state,))

    def mark_delivery_started(self, delivery_key: int, *, agent_id: str) -> None:
        """The session took the lock and began: save when, and the agent id it writes as.

        A delivery discarded earlier and run again is live again (offered if it stops)."""
        self._update_delivery(
            delivery_key,
            "started_at = ?, agent_id = ?, discarded_at = NULL",
            (self._db.now(), agent_id),
        )

    def record_receipt(self, delivery_key: int, receipt_path: str) -> None:
        """Remember the receipt just written for the delivery (the History view opens it)."""
        self._update_delivery(delivery_key, "receipt_path = ?", (receipt_path,))

    def mark_delivery_discarded(self, delivery_key: int) -> None:
        """The person gave up on this unfinished delivery: it is no longer offered to resume.

        Only the mark is written: its files, journal and receipt stay, and nothing is sent."""
        self._update_delivery(delivery_key, "discarded_at = ?", (self._db.now(),))

    def mark_delivery_ended(self, delivery_key: int, *, outcome: str) -> None:
        """The session stopped: save when, and how it ended (complete, quit, crashed, ...)."""
        self._update_delivery(delivery_key, "ended_at = ?, outcome = ?", (self._db.now(), outcome))

    def _update_delivery(
        self, delivery_key: int, assignments: str, values: tuple[str, ...]
    ) -> None:
        with self._db.transaction() as connection:
            cursor = connection.execute(
                f"UPDATE deliveries SET {assignments} WHERE id = ?",  # noqa: S608 - fixed fragments
                (*values, delivery_key),
            )
            if cursor.rowcount != 1:
                raise KeyError(f"no delivery {delivery_key} in the state store {self.path}")

    def delivery_files(self, delivery_key: int) -> DeliveryFiles:
        """The files of one delivery; also the `FileStateSink` a `FileTracker` saves through."""
        self.delivery(delivery_key)  # fail early on a key that does not exist
        return DeliveryFiles(self._db, delivery_key)

    def register_files(
        self,
        delivery_key: int,
        files: Iterable[FileFingerprint],
        *,
        initial_state: FileState = FileState.READY,
    ) -> int:
        """Register a delivery's whole file list in one transaction (see `DeliveryFiles`)."""
        return self.delivery_files(delivery_key).register_files(files, initial_state=initial_state)
