"""Byte progress of a transfer run: counted by workers, announced by the engine, throttled.

Workers add bytes as they hand them to the network (`add_sent`, many times a second); nobody is
told until `events_due()` is called, which returns events at most once per `interval_s` (DESIGN.md
§2: byte progress is counted, not signalled). Each batch holds one `FileTransferProgressed` per
file whose bytes changed and one `TransferProgressed` with the run's totals.

Two totals, because a person resuming a delivery wants to see both: `bytes_uploaded`, what went
over the network in this run (the speed is measured on it), and `bytes_processed`, which also
counts files already delivered (`skip_file`) and parts already on the archive (`start_file` with
`bytes_done`), so the bar of a resumed delivery climbs through the skips instead of starting at
zero. A file stays in the totals while paused; a failed attempt rewinds the file to the bytes
that are safely on the archive (`take_back`, `set_file_bytes`), and a cancelled file drops out
(`drop_file`).

Speed is an exponential moving average with time constant `speed_time_constant_s`, so it neither
jumps with every part nor lags by minutes. Files sent to the end are counted per second over a
sliding window (`file_window_s`); the time left is the longer of bytes left over the byte speed
and files left over the file rate (`time_left.py`), so many small files are not "2 s left".
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from uploader_gui.core.events import Event, FileTransferProgressed, TransferProgressed
from uploader_gui.core.upload.time_left import DEFAULT_FILE_WINDOW_S, FileRate, time_left_s

DEFAULT_INTERVAL_S = 0.2
DEFAULT_SPEED_TIME_CONSTANT_S = 3.0


@dataclass(slots=True)
class _FileBytes:
    size_bytes: int
    bytes_done: int


class TransferProgress:
    """Thread-safe counters and the throttled events describing them."""

    def __init__(
        self,
        *,
        files_total: int = 0,
        bytes_total: int = 0,
        clock: Callable[[], float] = time.monotonic,
        interval_s: float = DEFAULT_INTERVAL_S,
        speed_time_constant_s: float = DEFAULT_SPEED_TIME_CONSTANT_S,
        file_window_s: float = DEFAULT_FILE_WINDOW_S,
    ) -> None:
        self._clock = clock
        self._interval_s = interval_s
        self._time_constant_s = speed_time_constant_s
        self._lock = threading.Lock()
        self._files_total = files_total
        self._bytes_total = bytes_total
        self._files_finished = 0
        self._bytes_finished = 0  # skipped and finished files
        self._bytes_uploaded = 0
        self._active: dict[str, _FileBytes] = {}
        self._changed: set[str] = set()
        self._rate = 0.0
        self._has_rate = False
        self._last_at = clock()
        self._file_rate = FileRate(self._last_at, file_window_s)
        self._last_uploaded = 0
        self._emitted_at: float | None = None

    def add_totals(self, *, files: int, bytes_: int) -> None:
        """Grow the run's totals (files learned while the run goes on)."""
        with self._lock:
            self._files_total += files
            self._bytes_total += bytes_

    def skip_file(self, size_bytes: int) -> None:
        """A file already delivered: processed without sending a byte."""
        with self._lock:
            self._files_finished += 1
            self._bytes_finished += size_bytes

    def start_file(self, path: str, size_bytes: int, bytes_done: int = 0) -> None:
        """A file begins (or resumes) with `bytes_done` already safely on the archive."""
        with self._lock:
            self._active[path] = _FileBytes(size_bytes, bytes_done)
            self._changed.add(path)

    def add_sent(self, path: str, byte_count: int) -> None:
        """`byte_count` bytes of `path` were handed to the network."""
        with self._lock:
            self._bytes_uploaded += byte_count
            entry = self._active.get(path)
            if entry is not None:
                entry.bytes_done = min(entry.size_bytes, entry.bytes_done + byte_count)
                self._changed.add(path)

    def take_back(self, path: str, byte_count: int) -> None:
        """Bytes of `path` sent in a request that failed: they no longer count as done for the
        file (they still went over the network, so the speed keeps them)."""
        with self._lock:
            entry = self._active.get(path)
            if entry is not None and byte_count:
                entry.bytes_done = max(0, entry.bytes_done - byte_count)
                self._changed.add(path)

    def set_file_bytes(self, path: str, bytes_done: int) -> None:
        """Set what counts as done for `path` (a failed attempt rewinds to its saved parts)."""
        with self._lock:
            entry = self._active.get(path)
            if entry is not None and entry.bytes_done != bytes_done:
                entry.bytes_done = bytes_done
                self._changed.add(path)

    def finish_file(self, path: str, size_bytes: int) -> None:
        """`path` has its outcome (uploaded or failed): it counts as processed in full."""
        with self._lock:
            entry = self._active.pop(path, None)
            self._file_rate.note_finished(self._clock())
            self._files_finished += 1
            self._bytes_finished += size_bytes
            if entry is not None and entry.bytes_done != size_bytes:
                entry.bytes_done = size_bytes
            self._changed.discard(path)

    def drop_file(self, path: str) -> None:
        """`path` left the run without an outcome (cancelled): its bytes no longer count."""
        with self._lock:
            if self._active.pop(path, None) is not None:
                self._changed.discard(path)

    def restart_rates(self) -> None:
        """The run goes on after a pause: measure both speeds afresh, so the time left is not
        stretched by the time spent paused (an average that decayed, a window of no files)."""
        now = self._clock()
        with self._lock:
            self._has_rate = False
            self._last_at, self._last_uploaded = now, self._bytes_uploaded
            self._file_rate.restart(now)

    def events_due(self) -> list[Event]:
        """The progress events, if at least `interval_s` passed since the last ones; else []."""
        now = self._clock()
        with self._lock:
            if self._emitted_at is not None and now - self._emitted_at < self._interval_s:
                return []
            return self._events_locked(now)

    def events_now(self) -> list[Event]:
        """The progress events now, whatever the interval (e.g. when a run ends)."""
        now = self._clock()
        with self._lock:
            return self._events_locked(now)

    def _events_locked(self, now: float) -> list[Event]:
        self._emitted_at = now
        self._update_rate(now)
        events: list[Event] = [
            FileTransferProgressed(path, entry.bytes_done, entry.size_bytes)
            for path in sorted(self._changed)
            if (entry := self._active.get(path)) is not None
        ]
        self._changed.clear()
        processed = self._bytes_finished + sum(e.bytes_done for e in self._active.values())
        rate_files_per_s = self._file_rate.per_s(now)
        events.append(
            TransferProgressed(
                bytes_uploaded=self._bytes_uploaded,
                bytes_processed=processed,
                bytes_total=self._bytes_total,
                files_finished=self._files_finished,
                files_total=self._files_total,
                rate_bytes_per_s=self._rate,
                eta_s=time_left_s(
                    bytes_left=self._bytes_total - processed,
                    rate_bytes_per_s=self._rate,
                    files_left=self._files_total - self._files_finished,
                    rate_files_per_s=rate_files_per_s,
                ),
                rate_files_per_s=rate_files_per_s,
            )
        )
        return events

    def _update_rate(self, now: float) -> None:
        elapsed_s = now - self._last_at
        if elapsed_s <= 0:
            return
        instant = (self._bytes_uploaded - self._last_uploaded) / elapsed_s
        if self._has_rate:
            weight = 1.0 - math.exp(-elapsed_s / self._time_constant_s)
            self._rate += weight * (instant - self._rate)
        else:
            self._rate, self._has_rate = instant, True
        self._last_at, self._last_uploaded = now, self._bytes_uploaded
