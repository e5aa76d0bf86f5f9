"""Tailing the validator log `log/validator_{type}` (PROTOCOL.md §4.5), robustly.

The start position is the size recorded before the pipeline starts, so no row of this session is
missed (upstream starts at whatever the size is when its reader thread gets going). Each poll HEADs
the object and fetches new bytes with ranged GETs of at most 50 MiB. Rows split across reads are
reassembled, quoted multi-line messages parsed, and a malformed row becomes a warning with its raw
text. Transient errors are retried with backoff at the same position: the tail never dies.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from uploader_gui.core.errors import UploaderError
from uploader_gui.core.events import Event, WarningRaised
from uploader_gui.core.protocol.log_rows import LogRow, MalformedRow
from uploader_gui.core.protocol.log_stream import LogStreamDecoder
from uploader_gui.core.upload.fault_streak import FaultStreak
from uploader_gui.fast.s3_objects import MAX_RANGE_BYTES, object_size, read_range

log = logging.getLogger(__name__)


def _ignore(event: Event) -> None:
    del event


class ValidatorLogTail:
    """Reads the rows appended to one log object after `start_offset`, poll by poll."""

    def __init__(
        self,
        s3: Any,
        bucket: str,
        key: str,
        *,
        start_offset: int,
        emit: Callable[[Event], None] = _ignore,
        max_range_bytes: int = MAX_RANGE_BYTES,
    ) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._key = key
        self._position = start_offset
        self._emit = emit
        self._max_range_bytes = max_range_bytes
        self._decoder = LogStreamDecoder()

    @property
    def position(self) -> int:
        """Offset of the next byte to read."""
        return self._position

    @property
    def key(self) -> str:
        return self._key

    def poll_once(self) -> list[LogRow]:
        """Every complete new row; raises the core error classes on faults (position kept)."""
        size = object_size(self._s3, self._bucket, self._key)
        if size is None:
            return []
        if size < self._position:
            self._emit(
                WarningRaised(
                    f"The validator log {self._key} shrank from {self._position} to {size} bytes; "
                    "reading on from its new end",
                )
            )
            self._position = size
            self._decoder = LogStreamDecoder()
            return []
        rows: list[LogRow] = []
        while self._position < size:
            end = min(size, self._position + self._max_range_bytes) - 1
            data = read_range(self._s3, self._bucket, self._key, self._position, end)
            if not data:
                break
            self._position += len(data)
            rows.extend(self._keep_good(self._decoder.feed(data)))
        return rows

    def _keep_good(self, items: list[LogRow | MalformedRow]) -> list[LogRow]:
        rows: list[LogRow] = []
        for item in items:
            if isinstance(item, MalformedRow):
                self._emit(
                    WarningRaised(
                        f"A row of the validator log could not be read ({item.reason})",
                        detail=item.raw,
                    )
                )
            else:
                rows.append(item)
        return rows


class ValidatorTailRunner:
    """Polls a `ValidatorLogTail` on its own thread and hands new rows to `on_rows`."""

    def __init__(
        self,
        tail: ValidatorLogTail,
        on_rows: Callable[[list[LogRow]], None],
        *,
        emit: Callable[[Event], None] = _ignore,
        poll_interval_s: float = 1.0,
        retry_delays_s: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0, 30.0),
    ) -> None:
        self._tail = tail
        self._on_rows = on_rows
        self._emit = emit
        self._poll_interval_s = poll_interval_s
        self._retry_delays_s = retry_delays_s
        self._stopped = threading.Event()
        self._woken = threading.Event()  # set by stop() and retry_now()
        self._thread = threading.Thread(target=self._run, name="validator-tail", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def retry_now(self) -> None:
        """The archive is reachable again: a poll waiting out a fault's delay goes now."""
        self._woken.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stopped.set()
        self._woken.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _run(self) -> None:
        streak = FaultStreak(
            failing_text="Could not read the validator log",
            recovered_text="The validator log is being read again",
            emit=self._emit,
            retry_delays_s=self._retry_delays_s,
        )
        delay_s = 0.0
        while True:
            self._woken.wait(delay_s)
            self._woken.clear()
            if self._stopped.is_set():
                return
            try:
                rows = self._tail.poll_once()
            except UploaderError as exc:  # the tail outlives the archive's faults, not our bugs
                delay_s = streak.failed(exc)
                continue
            streak.succeeded()
            delay_s = self._poll_interval_s
            if rows:
                self._hand_over(rows)

    def _hand_over(self, rows: list[LogRow]) -> None:
        # A bug in the consumer ends this thread; the session's thread hook reports it.
        self._on_rows(rows)
