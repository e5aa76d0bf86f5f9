"""Keeping the validator convinced the client is alive (PROTOCOL.md §4.3, §8.3, §12 step 10).

Two rows on their own timer, independent of upload traffic:
- `keepalive/self/ok` after 10 s without any row, as upstream writes;
- `client/self/ok/heartbeat` at least every 60 s. The server ignores keepalive-only chunks when
  timing the client out, and declares a live client "missing" 240 s after its last other row;
  a `client` row is one it reads and otherwise ignores.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from uploader_gui.fast.control_log import ClientLogClosed, ClientLogWriter

KEEPALIVE_AFTER_S = 10.0
HEARTBEAT_EVERY_S = 60.0
HEARTBEAT_MESSAGE = "heartbeat"
RowKind = Literal["keepalive", "heartbeat"]


@dataclass(slots=True)
class HeartbeatSchedule:
    """Decides which liveness row is due; pure, driven by the caller's clock."""

    last_heartbeat_at_s: float
    keepalive_after_s: float = KEEPALIVE_AFTER_S
    heartbeat_every_s: float = HEARTBEAT_EVERY_S

    def due(self, now_s: float, seconds_since_last_write: float) -> RowKind | None:
        if now_s - self.last_heartbeat_at_s >= self.heartbeat_every_s:
            self.last_heartbeat_at_s = now_s
            return "heartbeat"
        if seconds_since_last_write >= self.keepalive_after_s:
            return "keepalive"
        return None


class Heartbeat:
    """Writes liveness rows into a `ClientLogWriter` from its own thread until stopped."""

    def __init__(
        self,
        writer: ClientLogWriter,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        tick_s: float = 1.0,
        keepalive_after_s: float = KEEPALIVE_AFTER_S,
        heartbeat_every_s: float = HEARTBEAT_EVERY_S,
    ) -> None:
        self._writer = writer
        self._monotonic = monotonic
        self._tick_s = tick_s
        self._schedule = HeartbeatSchedule(monotonic(), keepalive_after_s, heartbeat_every_s)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop writing; call before the writer's `stop()` so no row follows `stop`."""
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def tick(self) -> RowKind | None:
        """Write the row that is due now, if any; returns its kind."""
        kind = self._schedule.due(self._monotonic(), self._writer.seconds_since_last_write())
        if kind is None:
            return None
        try:
            if kind == "heartbeat":
                self._writer.write("client", "self", "ok", HEARTBEAT_MESSAGE)
            else:
                self._writer.write("keepalive", "self", "ok")
        except ClientLogClosed:
            self._stopped.set()
            return None
        return kind

    def _run(self) -> None:
        while not self._stopped.wait(self._tick_s):
            self.tick()
