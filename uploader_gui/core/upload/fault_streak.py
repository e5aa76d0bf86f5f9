"""Faults in a row of a background duty (lock refresh, validator tail) that must outlive them.

The duty retries after a growing delay and tells the person once when a streak starts and once
when it ends, rather than once per attempt.
"""

from __future__ import annotations

from collections.abc import Callable

from uploader_gui.core.events import Event, WarningRaised

DEFAULT_RETRY_DELAYS_S = (1.0, 2.0, 5.0, 10.0, 30.0)


class FaultStreak:
    """Counts consecutive faults; `failed` gives the next delay, `succeeded` ends the streak."""

    def __init__(
        self,
        *,
        failing_text: str,
        recovered_text: str,
        emit: Callable[[Event], None],
        retry_delays_s: tuple[float, ...] = DEFAULT_RETRY_DELAYS_S,
    ) -> None:
        if not retry_delays_s:
            raise ValueError("retry_delays_s needs at least one delay")
        self._failing_text = failing_text
        self._recovered_text = recovered_text
        self._emit = emit
        self._retry_delays_s = retry_delays_s
        self.in_a_row = 0

    def failed(self, error: BaseException) -> float:
        """Record a fault; the delay before the next attempt. Warns on the first of a streak."""
        delay_s = self._retry_delays_s[min(self.in_a_row, len(self._retry_delays_s) - 1)]
        if self.in_a_row == 0:
            self._emit(
                WarningRaised(f"{self._failing_text}; retrying in {delay_s:g} s", str(error))
            )
        self.in_a_row += 1
        return delay_s

    def succeeded(self) -> None:
        """Record a success; says so once if it ends a streak."""
        if self.in_a_row:
            self._emit(WarningRaised(self._recovered_text))
        self.in_a_row = 0
