"""How fast each file being uploaded is going, from the byte counts the table is given.

The engine reports a file's bytes sent at most every 100–250 ms and the bridge drains at about
10 Hz, so the rate is measured over windows of at least `WINDOW_S` seconds: a shorter window
would swing with every drain's timing. A file's rate is forgotten as soon as it stops uploading.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

WINDOW_S = 1.0


@dataclass(slots=True)
class _Sample:
    started_s: float
    bytes_at_start: int
    bytes_per_s: float | None = None


class FileSpeeds:
    """Bytes per second by path, for the files currently uploading (pure Python, no Qt)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._samples: dict[str, _Sample] = {}

    def record(self, path: str, bytes_done: int) -> None:
        """`path` has `bytes_done` bytes sent now."""
        now = self._clock()
        sample = self._samples.get(path)
        if sample is None or bytes_done < sample.bytes_at_start:  # new, or started over
            self._samples[path] = _Sample(now, bytes_done)
            return
        elapsed_s = now - sample.started_s
        if elapsed_s >= WINDOW_S:
            sample.bytes_per_s = (bytes_done - sample.bytes_at_start) / elapsed_s
            sample.started_s, sample.bytes_at_start = now, bytes_done

    def forget(self, path: str) -> None:
        """`path` stopped uploading (done, failed, paused...): no rate to show."""
        self._samples.pop(path, None)

    def clear(self) -> None:
        self._samples.clear()

    def rate(self, path: str) -> float | None:
        """The last measured bytes per second; None until a whole window has been measured."""
        sample = self._samples.get(path)
        return None if sample is None else sample.bytes_per_s
