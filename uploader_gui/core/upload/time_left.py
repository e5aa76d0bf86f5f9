"""How long a transfer run has left, from both its bytes and its files.

Bytes alone lie about small files: each file costs requests and a round trip or two whatever
its size, so 300 small files after the big ones said "about 2 s left", and 100,000 small files
crawled at "3.28 KiB/s". Files alone lie about one big file. So the run measures both: the byte
speed (an average kept by `TransferProgress`) and the files finished per second over a sliding
window (`FileRate`, which captures the per-file overhead as the delivery runs), and the time
left is the longer of the two estimates: the run ends only once both its bytes and its files
are done.
"""

from __future__ import annotations

from collections import deque

DEFAULT_FILE_WINDOW_S = 20.0


class FileRate:
    """Files finished per second over the last `window_s` seconds of a run (not thread-safe:
    its owner holds the lock). Times come from the caller's clock."""

    def __init__(self, started_at: float, window_s: float = DEFAULT_FILE_WINDOW_S) -> None:
        self._started_at = started_at
        self._window_s = window_s
        self._finished_at: deque[float] = deque()

    def restart(self, now: float) -> None:
        """Measure afresh from `now` (after a pause, the files before it say nothing)."""
        self._started_at = now
        self._finished_at.clear()

    def note_finished(self, now: float) -> None:
        self._finished_at.append(now)

    def per_s(self, now: float) -> float:
        """0.0 until a file finished within the window."""
        while self._finished_at and now - self._finished_at[0] > self._window_s:
            self._finished_at.popleft()
        if not self._finished_at:
            return 0.0
        # Early in a run the window is as long as the run so far, not the full window.
        span_s = min(self._window_s, now - self._started_at)
        return len(self._finished_at) / span_s if span_s > 0 else 0.0


def time_left_s(
    *, bytes_left: int, rate_bytes_per_s: float, files_left: int, rate_files_per_s: float
) -> float | None:
    """The longer of bytes left / byte speed and files left / file rate; each counts only once
    it has a rate. 0.0 when nothing is left, None while nothing left has a rate yet."""
    if bytes_left <= 0 and files_left <= 0:
        return 0.0
    estimates = []
    if bytes_left > 0 and rate_bytes_per_s > 0:
        estimates.append(bytes_left / rate_bytes_per_s)
    if files_left > 0 and rate_files_per_s > 0:
        estimates.append(files_left / rate_files_per_s)
    if not estimates:
        return None
    return max(estimates)
