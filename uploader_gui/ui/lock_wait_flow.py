""" "Try again when it is free": the window waits for another delivery's lock, then starts.

`LockWaiter` checks the lock on a thread of its own (never the GUI thread: each check is a
listing and a GET on the archive) through `core.engine.lock_wait`, with growing, jittered
delays; Cancel sets an event the thread waits on, so it stops at once. Its signals carry a
generation number: a check that was already under way when Cancel was clicked reports into
the void instead of starting a delivery.

`LockWaitFlow` ties it to the end summary's `LockWaitRow` and the panel: while waiting, Start
and the delivery's inputs are locked (as while delivering: the wait is for this delivery as set
up), the row counts down to the next check; once the lock is free the delivery starts again
with the same inputs, and a stale lock brings the usual takeover question.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from uploader_gui.core.engine.lock_wait import (
    LockBackoff,
    LockProbe,
    backoff_delays,
    wait_until_free,
)
from uploader_gui.core.events import LockHolder
from uploader_gui.core.protocol.lock_status import LockStatus
from uploader_gui.ui.lock_wait_row import CANCELLED_TEXT, LockWaitRow

if TYPE_CHECKING:
    from uploader_gui.auth.profile_sign_in import ProfileSignIn
    from uploader_gui.core.delivery.profile import Profile

log = logging.getLogger(__name__)

ProbeFactory = Callable[[], LockProbe]  # called on the waiting thread
JOIN_TIMEOUT_S = 30.0


def archive_probe(profile: Profile, holder: LockHolder, auth: ProfileSignIn | None) -> ProbeFactory:
    """Reads the delivery's lock as a starting session does (`ClientLock.check()`)."""

    def make() -> LockProbe:
        # Imported on the waiting thread: the wiring brings boto3 (about a second to import).
        from uploader_gui.wiring.lock_probe import lock_probe_for

        return lock_probe_for(profile, holder, auth)

    return make


class LockWaiter(QObject):
    """Checks the lock on its own thread until it is free or the wait is cancelled."""

    checking = Signal(int)  # generation: a check begins
    waiting = Signal(int, float, str)  # generation, seconds to the next check, why (or "")
    freed = Signal(int, str)  # generation, the lock's status (UNLOCKED, STALE, INVALID)
    failed = Signal(int, str)  # generation, what went wrong (a bug, logged)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        uniform: Callable[[float, float], float] = random.uniform,
    ) -> None:
        super().__init__(parent)
        self._uniform = uniform
        self.generation = 0
        self._cancelled = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, make_probe: ProbeFactory, backoff: LockBackoff) -> int:
        """Begin a wait (ending any earlier one); returns its generation."""
        self.cancel()
        self.generation += 1
        self._cancelled = threading.Event()
        self._thread = threading.Thread(
            target=self._run,
            args=(self.generation, make_probe, backoff, self._cancelled),
            name="lock-wait",
            daemon=True,
        )
        self._thread.start()
        return self.generation

    @property
    def is_checking(self) -> bool:
        """Its thread still runs (a cancelled wait's thread ends at once, or after a check
        already under way)."""
        return self._thread is not None and self._thread.is_alive()

    def cancel(self) -> None:
        """Stop now: the thread wakes and ends; a check under way is not reported."""
        self._cancelled.set()
        self.generation += 1

    def shutdown(self, timeout_s: float = JOIN_TIMEOUT_S) -> None:
        self.cancel()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _run(
        self,
        generation: int,
        make_probe: ProbeFactory,
        backoff: LockBackoff,
        cancelled: threading.Event,
    ) -> None:
        try:
            probe = make_probe()

            def check() -> LockStatus:
                self.checking.emit(generation)
                return probe()

            status = wait_until_free(
                check,
                delays=backoff_delays(backoff, uniform=self._uniform),
                wait=cancelled.wait,
                on_waiting=lambda delay_s, why: self.waiting.emit(generation, delay_s, why),
                is_cancelled=cancelled.is_set,
            )
        except Exception as exc:  # a bug: said and logged, never a silent endless wait
            log.exception("waiting for the lock failed")
            self.failed.emit(generation, f"{type(exc).__name__}: {exc}")
            return
        if status is not None:
            self.freed.emit(generation, status.value)


class LockWaitFlow(QObject):
    """The row's clicks and the waiter's reports, on the GUI thread."""

    def __init__(
        self,
        parent: QObject,
        row: LockWaitRow,
        *,
        holder: Callable[[], LockHolder | None],
        probe_for: Callable[[LockHolder], ProbeFactory],
        set_waiting: Callable[[bool], None],
        restart: Callable[[], None],
        backoff: LockBackoff | None = None,
    ) -> None:
        super().__init__(parent)
        self._row = row
        self._holder = holder
        self._probe_for = probe_for
        self._set_waiting = set_waiting
        self._restart = restart
        self.backoff = backoff or LockBackoff()
        self.waiter = LockWaiter(self)
        self._generation: int | None = None  # the wait under way, if any
        row.waitRequested.connect(self.wait)
        row.cancelRequested.connect(self.cancel)
        self.waiter.checking.connect(self._on_checking)
        self.waiter.waiting.connect(self._on_waiting)
        self.waiter.freed.connect(self._on_freed)
        self.waiter.failed.connect(self._on_failed)

    @property
    def is_waiting(self) -> bool:
        return self._generation is not None

    @Slot()
    def wait(self) -> None:
        holder = self._holder()
        if holder is None or self.is_waiting:
            return
        self._set_waiting(True)
        self._row.show_checking()
        self._generation = self.waiter.start(self._probe_for(holder), self.backoff)

    @Slot()
    def cancel(self) -> None:
        if not self.is_waiting:
            return
        self._end_wait()
        self._row.show_offer(CANCELLED_TEXT)

    def shutdown(self) -> None:
        self._generation = None
        self.waiter.shutdown()

    def _end_wait(self) -> None:
        self._generation = None
        self.waiter.cancel()
        self._set_waiting(False)

    @Slot(int)
    def _on_checking(self, generation: int) -> None:
        if generation == self._generation:
            self._row.show_checking()

    @Slot(int, float, str)
    def _on_waiting(self, generation: int, delay_s: float, reason: str) -> None:
        if generation == self._generation:
            self._row.show_next_check(delay_s, reason)

    @Slot(int, str)
    def _on_freed(self, generation: int, status: str) -> None:
        if generation != self._generation:
            return
        log.info("the lock is free (%s): starting the delivery again", status)
        self._end_wait()
        self._row.show_free()
        self._restart()

    @Slot(int, str)
    def _on_failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self._end_wait()
        self._row.show_offer(f"Could not wait for the lock: {message}")
