"""What makes `TransferEngine.close` final: after it returns, no engine thread touches the state
store or emits an event, even one still waiting for the network.

Every store access and every emit of the engine goes through one `ClosingGuard`: it takes the
guard's lock and checks its `is_closed` flag under it. `close()` takes the same lock, so it
waits for a write in progress, and every later one raises `EngineClosed` instead. That is a
`BaseException`, like `asyncio.CancelledError`: the engine's `except Exception` handlers (which
would record the failure) let it pass, and the thread that met it ends quietly (the worker pool
and the coordinator catch it). A request in flight is thereby abandoned without being recorded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from uploader_gui.core.engine.file_states import FileState, FileTracker
from uploader_gui.core.events import Event, TransferAttemptEnded
from uploader_gui.store.records import MultipartRecord
from uploader_gui.transfer.transfer_context import TransferRecords

T = TypeVar("T")


class EngineClosed(BaseException):
    """The engine was closed: the thread that meets this abandons what it was doing."""


class ClosingGuard:
    """One lock and one flag; `run` calls through unless closed."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._is_closed = False

    def close(self) -> None:
        """From now on `run` raises `EngineClosed`; waits for a call in progress."""
        with self._lock:
            self._is_closed = True

    def run(self, call: Callable[[], T]) -> T:
        with self._lock:
            if self._is_closed:
                raise EngineClosed
            return call()

    def emitter(self, emit: Callable[[Event], None]) -> Callable[[Event], None]:
        def guarded(event: Event) -> None:
            self.run(lambda: emit(event))

        return guarded

    def reporter(
        self, report: Callable[[TransferAttemptEnded], None]
    ) -> Callable[[TransferAttemptEnded], None]:
        def guarded(event: TransferAttemptEnded) -> None:
            self.run(lambda: report(event))

        return guarded


class GuardedTracker:
    """The `FileTracker` calls the engine makes (a transition writes the store and emits)."""

    def __init__(self, tracker: FileTracker, guard: ClosingGuard) -> None:
        self._tracker = tracker
        self._guard = guard

    def state(self, path: str) -> FileState:
        return self._tracker.state(path)

    def transition(self, path: str, new_state: FileState, *, reason: str = "") -> FileState:
        return self._guard.run(lambda: self._tracker.transition(path, new_state, reason=reason))


class GuardedRecords:
    """A `TransferRecords` whose every call goes through the guard."""

    def __init__(self, records: TransferRecords, guard: ClosingGuard) -> None:
        self._records = records
        self._guard = guard

    def begin_multipart(
        self,
        path: str,
        *,
        upload_id: str,
        part_size_bytes: int,
        size_bytes: int | None = None,
        mtime_ns: int | None = None,
    ) -> None:
        self._guard.run(
            lambda: self._records.begin_multipart(
                path,
                upload_id=upload_id,
                part_size_bytes=part_size_bytes,
                size_bytes=size_bytes,
                mtime_ns=mtime_ns,
            )
        )

    def record_part(
        self, path: str, *, part_number: int, etag: str, crc32: int, size_bytes: int
    ) -> None:
        self._guard.run(
            lambda: self._records.record_part(
                path, part_number=part_number, etag=etag, crc32=crc32, size_bytes=size_bytes
            )
        )

    def multipart(self, path: str) -> MultipartRecord | None:
        return self._guard.run(lambda: self._records.multipart(path))

    def record_fingerprint(self, path: str, *, size_bytes: int, mtime_ns: int, crc32: int) -> None:
        self._guard.run(
            lambda: self._records.record_fingerprint(
                path, size_bytes=size_bytes, mtime_ns=mtime_ns, crc32=crc32
            )
        )

    def record_event(self, path: str, kind: str, detail: str = "") -> None:
        self._guard.run(lambda: self._records.record_event(path, kind, detail))

    def refund_attempt(self, path: str, detail: str) -> None:
        self._guard.run(lambda: self._records.refund_attempt(path, detail))
