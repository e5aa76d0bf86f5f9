"""Waiting until another delivery lets go of the archive's lock ("Try again when it is free").

The lock is checked at once, then after growing, jittered delays (5 s doubling to 60 s by
default): a lock freed soon is noticed soon, and an hour-long wait costs about a request a
minute. Jitter keeps several waiting uploaders from checking in step. Reading the lock is the
caller's `probe`, waiting is its `wait` (a `threading.Event.wait` makes Cancel act at once; a
test passes a fake clock), so this loop is plain Python with no thread, network or Qt of its own.

The lock counts as free once it is not LOCKED: UNLOCKED, or STALE or INVALID (then the new
session asks whether to take it over, as Start does).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from uploader_gui.core.errors import UploaderError
from uploader_gui.core.protocol.lock_status import LockStatus

LockProbe = Callable[[], LockStatus]
# Waits up to the given seconds; True if the wait was cancelled meanwhile.
CancellableWait = Callable[[float], bool]
# Told before each wait: the seconds until the next check, and why it waits ("" or a fault).
WaitingHandler = Callable[[float, str], None]


@dataclass(frozen=True, slots=True)
class LockBackoff:
    """The delays between checks: `first_s`, times `factor` each time, at most `max_s`, each
    moved by up to ±`jitter` of itself."""

    first_s: float = 5.0
    max_s: float = 60.0
    factor: float = 2.0
    jitter: float = 0.2


def backoff_delays(
    backoff: LockBackoff, *, uniform: Callable[[float, float], float] = random.uniform
) -> Iterator[float]:
    """An endless schedule: 5, 10, 20, 40, 60, 60, … s (each jittered)."""
    delay_s = backoff.first_s
    while True:
        spread_s = delay_s * backoff.jitter
        yield max(0.0, delay_s + uniform(-spread_s, spread_s))
        delay_s = min(backoff.max_s, delay_s * backoff.factor)


def wait_until_free(
    probe: LockProbe,
    *,
    delays: Iterator[float],
    wait: CancellableWait,
    on_waiting: WaitingHandler,
    is_cancelled: Callable[[], bool],
) -> LockStatus | None:
    """Check until the lock is not LOCKED; its status then, or None once cancelled.

    A fault reading the lock (the network, the archive) is waited out like a held lock, and
    said, rather than ending the wait: the person asked to be told when it is free.
    """
    while not is_cancelled():
        reason = ""
        try:
            status = probe()
        except UploaderError as exc:
            status, reason = LockStatus.LOCKED, f"could not read the lock: {exc}"
        if is_cancelled():
            return None
        if status is not LockStatus.LOCKED:
            return status
        delay_s = next(delays)
        on_waiting(delay_s, reason)
        if wait(delay_s):
            return None
    return None
