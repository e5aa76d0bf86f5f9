"""Waiting for another delivery's lock: the checks' schedule and when the wait ends.

What a person would notice if these broke: a wait that hammers the archive (no backoff) or
checks only once an hour (no cap), a Cancel that still starts the delivery, a network blip
that ends the wait, a stale lock waited on forever instead of offered for takeover.
"""

from __future__ import annotations

import itertools

from uploader_gui.core.engine.lock_wait import LockBackoff, backoff_delays, wait_until_free
from uploader_gui.core.errors import RetryableError
from uploader_gui.core.protocol.lock_status import LockStatus


class FakeClock:
    """Time that moves only when waited on; `cancel_at_s` cancels the wait at that time."""

    def __init__(self, cancel_at_s: float | None = None) -> None:
        self.now_s = 0.0
        self.waits_s: list[float] = []
        self.cancel_at_s = cancel_at_s

    def is_cancelled(self) -> bool:
        return self.cancel_at_s is not None and self.now_s >= self.cancel_at_s

    def wait(self, seconds: float) -> bool:
        self.waits_s.append(seconds)
        if self.cancel_at_s is not None and self.now_s + seconds >= self.cancel_at_s:
            self.now_s = self.cancel_at_s
            return True
        self.now_s += seconds
        return False


def no_jitter(low: float, high: float) -> float:
    return 0.0


def test_the_delays_double_from_5_s_up_to_a_minute() -> None:
    delays = backoff_delays(LockBackoff(), uniform=no_jitter)
    assert list(itertools.islice(delays, 7)) == [5.0, 10.0, 20.0, 40.0, 60.0, 60.0, 60.0]


def test_each_delay_is_jittered_within_a_fifth_of_itself() -> None:
    asked: list[tuple[float, float]] = []

    def highest(low: float, high: float) -> float:
        asked.append((low, high))
        return high

    delays = list(itertools.islice(backoff_delays(LockBackoff(), uniform=highest), 5))
    assert delays == [6.0, 12.0, 24.0, 48.0, 72.0]
    assert asked[0] == (-1.0, 1.0)


def scripted(*statuses: LockStatus | Exception) -> tuple[list[int], object]:
    calls = [0]

    def probe() -> LockStatus:
        answer = statuses[min(calls[0], len(statuses) - 1)]
        calls[0] += 1
        if isinstance(answer, Exception):
            raise answer
        return answer

    return calls, probe


def test_the_wait_ends_when_the_lock_is_gone_and_says_each_next_check() -> None:
    clock = FakeClock()
    calls, probe = scripted(LockStatus.LOCKED, LockStatus.LOCKED, LockStatus.UNLOCKED)
    told: list[tuple[float, str]] = []

    status = wait_until_free(
        probe,  # type: ignore[arg-type]
        delays=backoff_delays(LockBackoff(first_s=1.0, max_s=4.0), uniform=no_jitter),
        wait=clock.wait,
        on_waiting=lambda delay_s, reason: told.append((delay_s, reason)),
        is_cancelled=clock.is_cancelled,
    )

    assert status is LockStatus.UNLOCKED
    assert calls[0] == 3  # at once, then after each delay
    assert told == [(1.0, ""), (2.0, "")]
    assert clock.now_s == 3.0


def test_a_stale_lock_ends_the_wait_so_the_takeover_can_be_asked() -> None:
    clock = FakeClock()
    _, probe = scripted(LockStatus.LOCKED, LockStatus.STALE)
    status = wait_until_free(
        probe,  # type: ignore[arg-type]
        delays=backoff_delays(LockBackoff(), uniform=no_jitter),
        wait=clock.wait,
        on_waiting=lambda delay_s, reason: None,
        is_cancelled=clock.is_cancelled,
    )
    assert status is LockStatus.STALE


def test_cancel_stops_the_wait_without_another_check() -> None:
    clock = FakeClock(cancel_at_s=12.0)
    calls, probe = scripted(LockStatus.LOCKED, LockStatus.LOCKED, LockStatus.UNLOCKED)
    status = wait_until_free(
        probe,  # type: ignore[arg-type]
        delays=backoff_delays(LockBackoff(), uniform=no_jitter),
        wait=clock.wait,
        on_waiting=lambda delay_s, reason: None,
        is_cancelled=clock.is_cancelled,
    )
    assert status is None
    assert calls[0] == 2  # at 0 s and 5 s; the wait for 15 s was cancelled at 12 s
    assert clock.waits_s == [5.0, 10.0]


def test_a_fault_reading_the_lock_is_waited_out_and_said() -> None:
    clock = FakeClock()
    _, probe = scripted(RetryableError("connection reset"), LockStatus.UNLOCKED)
    told: list[str] = []
    status = wait_until_free(
        probe,  # type: ignore[arg-type]
        delays=backoff_delays(LockBackoff(), uniform=no_jitter),
        wait=clock.wait,
        on_waiting=lambda delay_s, reason: told.append(reason),
        is_cancelled=clock.is_cancelled,
    )
    assert status is LockStatus.UNLOCKED
    assert told == ["could not read the lock: connection reset"]
