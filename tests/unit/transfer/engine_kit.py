"""The transfer engine on the synchronous executor, for unit tests: files on disk, their delivery
in a real state store (SQLite in a temp folder), the in-memory S3, and every event recorded.

Settings are chosen so each decision can be checked exactly: parts of S3's smallest size, and a
retry policy whose jitter is fixed at one half (a retry after the n-th failure in a row waits
`2 · 2^(n-1) · 0.5 = 2^(n-1)` seconds on the manual clock).
"""

from __future__ import annotations

import random
import secrets
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.unit.transfer.memory_s3 import MemoryS3
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.engine.file_record import FileRecord
from uploader_gui.core.engine.file_states import FileState, FileTracker
from uploader_gui.core.events import Event, FileStateChanged, TransferAttemptEnded
from uploader_gui.core.upload.part_plan import MIB, PartPlanner
from uploader_gui.core.upload.retry_policy import RetryPolicy
from uploader_gui.store.delivery_files import DeliveryFiles
from uploader_gui.store.state_store import StateStore
from uploader_gui.transfer.engine import TransferEngine, TransferSettings
from uploader_gui.transfer.run_state import Job
from uploader_gui.transfer.sync_executor import SyncExecutor
from uploader_gui.transfer.transfer_context import LocalSource, Worker

BUCKET = "unit-transfer"
PART_BYTES = 5 * MIB  # S3's smallest part


def unit_settings(**overrides: Any) -> TransferSettings:
    values: dict[str, Any] = {
        "concurrency": 2,
        "planner": PartPlanner(threshold_bytes=PART_BYTES, part_size_bytes=PART_BYTES),
        "retry_policy": RetryPolicy(
            base_delay_s=2.0, max_delay_s=16.0, max_attempts=4, uniform=lambda: 0.5
        ),
        "chunk_bytes": 1 * MIB,
        "progress_interval_s": 0.2,
    }
    values.update(overrides)
    return TransferSettings(**values)


class Events(list[Event]):
    """Every event the engine emitted, in order."""

    def __call__(self, event: Event) -> None:
        self.append(event)

    def of_type(self, kind: type[Any]) -> list[Any]:
        return [event for event in self if isinstance(event, kind)]

    def states_of(self, path: str) -> list[str]:
        return [e.new_state for e in self.of_type(FileStateChanged) if e.path == path]

    def reasons_of(self, path: str, state: FileState) -> list[str]:
        changes = self.of_type(FileStateChanged)
        return [e.reason for e in changes if e.path == path and e.new_state == state]

    def attempts_of(self, path: str) -> list[TransferAttemptEnded]:
        return [e for e in self.of_type(TransferAttemptEnded) if e.path == path]


@dataclass
class Delivery:
    """One delivery's files on disk and in the store, the S3 it goes to, and the executor."""

    root: Path
    store: StateStore
    delivery_key: int
    files: list[FileFingerprint]
    contents: dict[str, bytes]
    s3: MemoryS3 = field(default_factory=lambda: MemoryS3(BUCKET))
    events: Events = field(default_factory=Events)
    executor: SyncExecutor[Job, Worker] = field(default_factory=SyncExecutor)

    def __post_init__(self) -> None:
        self.records: DeliveryFiles = self.store.delivery_files(self.delivery_key)
        self.tracker = FileTracker(self.records, self.events)
        self.tracker.track(self.records.states())

    def engine(self, *, settings: TransferSettings | None = None, **options: Any) -> TransferEngine:
        options.setdefault("client_factory", self.s3.client)
        options.setdefault("records", self.records)
        return TransferEngine(
            tracker=self.tracker,
            emit=self.events,
            bucket=BUCKET,
            source=LocalSource(self.root),
            settings=settings or unit_settings(),
            executor=self.executor,
            **options,
        )

    def next_run(self) -> Delivery:
        """The same delivery for a new engine (as after a restart): fresh executor and events."""
        return Delivery(
            self.root, self.store, self.delivery_key, self.files, self.contents, self.s3
        )

    def record(self, path: str) -> FileRecord:
        return self.records.record(path)

    def stored(self, path: str) -> bytes | None:
        stored = self.s3.object(BUCKET, path)
        return None if stored is None else stored.data

    def parts_saved(self, path: str) -> list[int]:
        record = self.records.multipart(path)
        return [] if record is None else [part.part_number for part in record.parts]


MakeDelivery = Callable[..., Delivery]


def make_delivery(
    folder: Path,
    contents: dict[str, bytes],
    *,
    without_checksums: Iterable[str] = (),
    wrong_checksums: Iterable[str] = (),
) -> Delivery:
    """Files under `folder/data`, registered with their CRC32 (none, or a wrong one, if listed)."""
    root = folder / "data"
    files = []
    bare, wrong = set(without_checksums), set(wrong_checksums)
    for path, data in contents.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        stat = target.stat()
        crc: int | None = zlib.crc32(data)
        if path in bare:
            crc = None
        elif path in wrong:
            crc = zlib.crc32(data + b"changed")
        files.append(FileFingerprint(path, stat.st_size, stat.st_mtime_ns, crc))
    store = StateStore(folder / "state.sqlite3")
    key = store.create_delivery(
        profile_name="unit",
        dataset="tx",
        delivery_id=secrets.token_hex(4),
        transfer_type="staging",
        source_root=str(root),
    )
    store.register_files(key, files)
    return Delivery(root, store, key, files, dict(contents))


def data_of(size_bytes: int, seed: int = 0) -> bytes:
    """Bytes that differ from file to file and part to part, the same in every run."""
    return random.Random(seed).randbytes(size_bytes)
