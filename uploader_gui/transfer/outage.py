"""Whether the archive can be reached, judged from the attempts themselves, and when to probe.

When an attempt fails at the connection (`ArchiveUnreachableError`: refused, reset, DNS, TLS,
timeout), the network or the archive is away: that is no file's fault, so the file does not
spend an attempt. It waits, `retrying` with "waiting for the network", and the transfer stops
issuing work: no new file is started, and one waiting file at a time is sent as a probe, after a
capped, jittered backoff (1 s, 2 s, 4 s … 30 s). The first answer from the archive (an attempt
that succeeds, or fails with anything but a connection error) ends the outage and every waiting
file is queued again; parts already sent are kept, so nothing finished is sent twice.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable

from uploader_gui.core.events import ArchiveReachable, ArchiveUnreachable, Event

FIRST_PROBE_S = 1.0
MAX_PROBE_S = 30.0


class Outage:
    """The transfer's view of the archive's reachability (thread-safe)."""

    def __init__(
        self,
        clock: Callable[[], float],
        emit: Callable[[Event], None],
        *,
        first_probe_s: float = FIRST_PROBE_S,
        max_probe_s: float = MAX_PROBE_S,
        uniform: Callable[[], float] = random.random,
    ) -> None:
        self._clock = clock
        self._emit = emit
        self._first_probe_s = first_probe_s
        self._max_probe_s = max_probe_s
        self._uniform = uniform
        self._lock = threading.Lock()
        self._offline_since: float | None = None
        self._failed_probes = 0
        self._is_probing = False
        self._next_probe_at = math.inf

    @property
    def is_offline(self) -> bool:
        with self._lock:
            return self._offline_since is not None

    def next_probe_at(self) -> float | None:
        """When the next probe is due while offline and none is out; None otherwise."""
        with self._lock:
            if self._offline_since is None or self._is_probing:
                return None
            return self._next_probe_at

    def lost(self, error: BaseException) -> None:
        """An attempt failed at the connection. Starts the outage, or, for the probe, backs off;
        a failure of an attempt that was already under way when the outage began changes
        nothing (several workers lose their connection at once)."""
        with self._lock:
            now = self._clock()
            if self._offline_since is None:
                self._offline_since = now
                self._failed_probes = 0
            elif self._is_probing:
                self._failed_probes += 1
                self._is_probing = False
            else:
                return
            ceiling = min(
                self._max_probe_s, self._first_probe_s * 2.0 ** min(self._failed_probes, 30)
            )
            delay_s = ceiling * (0.5 + 0.5 * self._uniform())
            self._next_probe_at = now + delay_s
        self._emit(ArchiveUnreachable(str(error), delay_s))

    def reached(self) -> None:
        """The archive answered (a success, or an error it sent): the outage, if any, is over."""
        with self._lock:
            if self._offline_since is None:
                return
            offline_s = self._clock() - self._offline_since
            self._offline_since = None
            self._is_probing = False
            self._next_probe_at = math.inf
        self._emit(ArchiveReachable(offline_s))

    def take_probe(self) -> bool:
        """True (once per probe) when the next probe is due: the caller sends one file."""
        with self._lock:
            if self._offline_since is None or self._is_probing:
                return False
            if self._clock() < self._next_probe_at:
                return False
            self._is_probing = True
            return True

    def probe_now(self) -> None:
        """Bring the next probe forward to now; the backoff after it carries on as before."""
        with self._lock:
            if self._offline_since is not None:
                self._next_probe_at = min(self._next_probe_at, self._clock())

    def probe_not_sent(self) -> None:
        """A probe taken with nothing to send: the next wait starts over at the same delay."""
        with self._lock:
            self._is_probing = False
