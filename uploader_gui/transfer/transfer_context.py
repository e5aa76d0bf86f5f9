"""What the pieces of the transfer engine share: the file to send, where it comes from, the
pause/cancel gate, one worker's own client and buffer, and the services every attempt uses.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from uploader_gui.core.events import Event, WarningRaised
from uploader_gui.core.upload.part_plan import PartPlanner
from uploader_gui.core.upload.token_bucket import TokenBucket
from uploader_gui.core.upload.transfer_progress import TransferProgress
from uploader_gui.store.records import MultipartRecord
from uploader_gui.transfer.lean_put import LEAN_PUT_MAX_BYTES, LeanPutter
from uploader_gui.transfer.s3_requests import CredentialsRefresher
from uploader_gui.transfer.source_reading import BodyHooks, PartReader


@dataclass(frozen=True, slots=True)
class LocalSource:
    """Files under a local folder: the body of `path` is `root / path`."""

    root: Path

    def os_path(self, path: str) -> str:
        return str(self.root / path)


@dataclass(frozen=True, slots=True)
class S3Source:
    """Objects of another bucket (PROTOCOL.md §6.2): `path` is the key at its root."""

    bucket: str


Source = LocalSource | S3Source


class TransferRecords(Protocol):
    """What the engine saves about transfers (`store.DeliveryFiles` is one)."""

    def begin_multipart(
        self,
        path: str,
        *,
        upload_id: str,
        part_size_bytes: int,
        size_bytes: int | None = None,
        mtime_ns: int | None = None,
    ) -> None: ...

    def record_part(
        self, path: str, *, part_number: int, etag: str, crc32: int, size_bytes: int
    ) -> None: ...

    def multipart(self, path: str) -> MultipartRecord | None: ...

    def record_fingerprint(
        self, path: str, *, size_bytes: int, mtime_ns: int, crc32: int
    ) -> None: ...

    def record_event(self, path: str, kind: str, detail: str = "") -> None: ...

    def refund_attempt(self, path: str, detail: str) -> None: ...


class Gate:
    """Pause and cancel, as flags every reader checks before each chunk (DESIGN.md §2).

    A pause lets a request being sent finish; a pause that aborts in flight (and a cancel) also
    cuts request bodies short at their next block."""

    def __init__(self) -> None:
        self._paused = threading.Event()
        self._cancelled = threading.Event()
        self._aborting = threading.Event()

    @property
    def is_paused(self) -> bool:
        return self._paused.is_set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancelled.is_set()

    def should_stop(self) -> bool:
        return self._paused.is_set() or self._cancelled.is_set()

    def should_abort(self) -> bool:
        """True when requests being sent must be cut short."""
        return self._aborting.is_set() or self._cancelled.is_set()

    def pause(self, *, abort_in_flight: bool = False) -> None:
        if abort_in_flight:
            self._aborting.set()
        self._paused.set()

    def resume(self) -> None:
        self._aborting.clear()
        self._paused.clear()

    def cancel(self) -> None:
        self._cancelled.set()


@dataclass(slots=True)
class Worker:
    """One worker thread's own boto3 client (made once), read buffer, and the lean sender of
    small files' PUTs built from that client (None for a client that is not botocore's)."""

    client: Any
    reader: PartReader
    lean: LeanPutter | None = None


@dataclass(frozen=True)
class TransferServices:
    """Everything an attempt needs besides its worker, shared by all workers."""

    bucket: str
    source: Source
    records: TransferRecords
    planner: PartPlanner
    progress: TransferProgress
    bandwidth: TokenBucket
    gate: Gate
    refresher: CredentialsRefresher
    emit: Callable[[Event], None]
    lean_put_max_bytes: int | None = LEAN_PUT_MAX_BYTES

    def tell(self, path: str, message: str) -> None:
        """Something a person should know about a file: on its timeline and on screen."""
        self.records.record_event(path, "note", message)
        self.emit(WarningRaised(message=f"{path}: {message}", detail=path))

    def body_hooks(self, path: str) -> BodyHooks:
        """Hooks for a body of `path`: the bandwidth limit, its progress, and cutting it short."""
        progress = self.progress

        def count(byte_count: int) -> None:
            progress.add_sent(path, byte_count)

        return BodyHooks(
            pace=self.bandwidth.acquire,
            count=count,
            should_abort=self.gate.should_abort,
        )
