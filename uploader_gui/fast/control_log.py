"""The client log writer: rows buffered in memory, appended on a timer (PROTOCOL.md §4.1–§4.4).

Upstream flushes only after 0.5 s without writes, so under steady traffic nothing is ever sent
(§11 item 4). Here a flush thread appends whatever is buffered at least every `flush_interval_s`
(and on `flush()`), however busy the writers are, but appends at most every
`min_append_interval_s` (0.5 s): rows written meanwhile go together in the next append, so a busy
delivery (100,000 small files) makes two appends a second, not one per round trip, and stays far
from S3 Express's 10,000 appends per object. Rows are kept until S3 confirms them,
so a failed append is retried with backoff and no row is lost or written twice (see
`log_appender.py`). `stop()` writes exactly one `stop` row, delivers everything, and refuses any
later row, because a row after `stop` crashes the validator (§8.4).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from uploader_gui.core.errors import UploaderError
from uploader_gui.core.events import Event, WarningRaised
from uploader_gui.core.protocol.log_rows import format_row

DEFAULT_FLUSH_INTERVAL_S = 1.0
DEFAULT_MIN_APPEND_INTERVAL_S = 0.5
DEFAULT_MAX_CHUNK_BYTES = 1024 * 1024


class ChunkAppender(Protocol):
    """Where chunks go: `S3LogAppender` in the app; each call lands once or raises."""

    def append(self, chunk: bytes) -> None: ...


class ClientLogClosed(UploaderError):
    """A row offered after `stop()`: the validator would crash on it, so it is refused."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _ignore(event: Event) -> None:
    del event


class ClientLogWriter:
    """Thread-safe row writer for `log/client_{type}`, flushing at least every second."""

    def __init__(
        self,
        appender: ChunkAppender,
        agent_id: str,
        *,
        emit: Callable[[Event], None] = _ignore,
        now: Callable[[], datetime] = _utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        flush_interval_s: float = DEFAULT_FLUSH_INTERVAL_S,
        max_chunk_bytes: int = DEFAULT_MAX_CHUNK_BYTES,
        min_append_interval_s: float = DEFAULT_MIN_APPEND_INTERVAL_S,
        retry_delays_s: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0, 10.0),
    ) -> None:
        self._appender = appender
        self._agent_id = agent_id
        self._emit = emit
        self._now = now
        self._monotonic = monotonic
        self._flush_interval_s = flush_interval_s
        self._max_chunk_bytes = max_chunk_bytes
        self._min_append_interval_s = min_append_interval_s
        self._last_append_at: float | None = None
        self.append_count = 0
        self._retry_delays_s = retry_delays_s
        self._cond = threading.Condition()
        self._pending: deque[bytes] = deque()
        self._in_flight: list[bytes] = []  # fixed until confirmed: a retry resends the same bytes
        self._rows_accepted = 0
        self._rows_delivered = 0
        self._is_flush_requested = False
        self._is_closed = False
        self._is_abandoned = False
        self._is_nudged = False  # the archive answers again: retry a failed append now
        self._last_write_at = monotonic()
        self._thread = threading.Thread(target=self._run, name="client-log-flush", daemon=True)
        self.failure_count = 0

    @property
    def agent_id(self) -> str:
        return self._agent_id

    @property
    def is_stopped(self) -> bool:
        return self._is_closed

    def start(self) -> None:
        self._thread.start()

    def seconds_since_last_write(self) -> float:
        """Time since the last row was accepted: it drives keepalives (§4.4 `elapsed`)."""
        return self._monotonic() - self._last_write_at

    def write(self, category: str, ref: str, status: str, message: object = None) -> None:
        """Buffer one row (no network I/O here); raises ClientLogClosed after `stop()`."""
        with self._cond:
            if self._is_closed:
                raise ClientLogClosed(f"the client log is stopped; {category}/{ref} not written")
            self._accept(category, ref, status, message)

    def flush(self, timeout_s: float = 10.0) -> bool:
        """Append every row accepted so far now; True once S3 has confirmed them all."""
        with self._cond:
            target = self._rows_accepted
            self._is_flush_requested = True
            self._cond.notify_all()
            return self._cond.wait_for(lambda: self._rows_delivered >= target, timeout_s)

    def stop(self, timeout_s: float = 30.0) -> bool:
        """Write the one `stop` row, deliver every row, end the thread; True if all landed.

        Calling it again only waits again: there is never a second `stop` row.
        """
        with self._cond:
            if not self._is_closed:
                self._accept("stop", "self", "ok", None)
                self._is_closed = True
                self._cond.notify_all()
        if not self._thread.is_alive() and self._thread.ident is None:
            self._thread.start()
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            with self._cond:
                self._is_abandoned = True
                lost = self._rows_accepted - self._rows_delivered
                self._cond.notify_all()
            self._emit(
                WarningRaised(
                    f"{lost} rows of the client log could not be written before stopping",
                    detail="the archive did not accept the log in time",
                )
            )
            return False
        return self._rows_delivered == self._rows_accepted

    def _accept(self, category: str, ref: str, status: str, message: object) -> None:
        row = format_row(self._now(), category, ref, status, message, self._agent_id)
        self._pending.append(row.encode("utf-8"))
        self._rows_accepted += 1
        self._last_write_at = self._monotonic()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(
                    lambda: self._is_flush_requested or self._is_closed or self._is_abandoned,
                    self._flush_interval_s,
                )
                self._is_flush_requested = False
            self._deliver_all()
            with self._cond:
                if self._is_abandoned or (self._is_closed and not self._pending):
                    return

    def _next_chunk(self) -> bytes | None:
        with self._cond:
            if not self._in_flight:
                size = 0
                while self._pending and (
                    not self._in_flight or size + len(self._pending[0]) <= self._max_chunk_bytes
                ):
                    row = self._pending.popleft()
                    self._in_flight.append(row)
                    size += len(row)
            return b"".join(self._in_flight) if self._in_flight else None

    def _deliver_all(self) -> None:
        """Append until nothing is pending, retrying failures with growing delays."""
        failures_in_a_row = 0
        while not self._is_abandoned:
            self._wait_for_append_slot()
            chunk = self._next_chunk()
            if chunk is None:
                return
            try:
                self._last_append_at = self._monotonic()
                self.append_count += 1
                self._appender.append(chunk)
            except UploaderError as exc:  # rows stay buffered; the thread outlives the fault
                self._after_failure(exc, failures_in_a_row)
                failures_in_a_row += 1
                continue
            if failures_in_a_row:
                self._emit(WarningRaised("The client log is being written again"))
                failures_in_a_row = 0
            with self._cond:
                self._rows_delivered += len(self._in_flight)
                self._in_flight = []
                self._cond.notify_all()

    def _wait_for_append_slot(self) -> None:
        """Keep appends `min_append_interval_s` apart (rows written meanwhile join the next)."""
        if self._last_append_at is None or not self._pending_or_in_flight():
            return
        remaining = self._last_append_at + self._min_append_interval_s - self._monotonic()
        if remaining > 0:
            with self._cond:
                self._cond.wait_for(lambda: self._is_abandoned, remaining)

    def _pending_or_in_flight(self) -> bool:
        with self._cond:
            return bool(self._pending or self._in_flight)

    def retry_now(self) -> None:
        """The archive is reachable again: a failed append waiting out its delay goes now."""
        with self._cond:
            self._is_nudged = True
            self._cond.notify_all()

    def _after_failure(self, exc: Exception, failures_in_a_row: int) -> None:
        self.failure_count += 1
        delay_s = self._retry_delays_s[min(failures_in_a_row, len(self._retry_delays_s) - 1)]
        if failures_in_a_row == 0:
            self._emit(
                WarningRaised(
                    f"Could not write the client log; retrying in {delay_s:g} s",
                    detail=str(exc),
                )
            )
        with self._cond:  # a nudge given just before this wait still counts
            self._cond.wait_for(lambda: self._is_abandoned or self._is_nudged, delay_s)
            self._is_nudged = False
