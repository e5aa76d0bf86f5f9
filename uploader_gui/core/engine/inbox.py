"""The engine thread's inbox: what other threads tell a running session, in arrival order.

Commands from the window or the terminal (pause, resume, cancel, retry failed files, stop,
concurrency, bandwidth), attempt outcomes and run ends from transfer workers, validator rows from
the tail thread, a lost lock from the lock refresher, and bugs on any thread all arrive here.
Only the engine thread takes them out, so the session's decisions (which rows to write, when to
finish) are made on one thread, one message at a time.
"""

from __future__ import annotations

import queue
from dataclasses import dataclass
from enum import StrEnum

from uploader_gui.core.errors import BugReported
from uploader_gui.core.events import (
    ArchiveReachable,
    ArchiveUnreachable,
    TransferAttemptEnded,
    TransferRunEnded,
)
from uploader_gui.core.protocol.log_rows import LogRow


class CommandName(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"
    RETRY_FAILED = "retry failed files"
    STOP = "stop"
    SET_CONCURRENCY = "set concurrency"
    SET_BANDWIDTH = "set bandwidth limit"
    RETRY_NOW = "try the archive now"


@dataclass(frozen=True, slots=True)
class Command:
    name: CommandName
    value: float | None = None


@dataclass(frozen=True, slots=True)
class AttemptEnded:
    event: TransferAttemptEnded


@dataclass(frozen=True, slots=True)
class RunEnded:
    event: TransferRunEnded


@dataclass(frozen=True, slots=True)
class ValidatorRows:
    rows: tuple[LogRow, ...]


@dataclass(frozen=True, slots=True)
class LockWasLost:
    message: str


@dataclass(frozen=True, slots=True)
class BugFound:
    """A bug on another thread: the session ends as crashed."""

    bug: BugReported


@dataclass(frozen=True, slots=True)
class ReachabilityChanged:
    """The transfer lost the archive, or found it again."""

    event: ArchiveUnreachable | ArchiveReachable


Message = (
    Command | AttemptEnded | RunEnded | ValidatorRows | LockWasLost | BugFound | ReachabilityChanged
)


class SessionInbox:
    """Thread-safe; `post` from anywhere, `take` on the engine thread only."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Message] = queue.SimpleQueue()

    def post(self, message: Message) -> None:
        self._queue.put(message)

    def take(self, timeout_s: float) -> list[Message]:
        """Everything waiting, after waiting up to `timeout_s` for the first (maybe none)."""
        try:
            messages = [self._queue.get(timeout=timeout_s)]
        except queue.Empty:
            return []
        while True:
            try:
                messages.append(self._queue.get_nowait())
            except queue.Empty:
                return messages
