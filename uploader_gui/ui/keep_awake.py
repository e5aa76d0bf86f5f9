"""Keeping the computer awake while a delivery works: the `KeepAwake` port and its adapter on
`wakepy` (`keep.running`: the system may not sleep; the screen may still lock and go dark).

wakepy asks the platform (SetThreadExecutionState on Windows, `caffeinate` on macOS, a D-Bus
inhibitor on Linux), which can spawn a process or wait on D-Bus, so `WakepyKeepAwake` makes
every call on one worker thread of its own, never the GUI thread. wakepy's modes are not
thread-safe (a mode must be left on the thread that entered it); a one-worker executor keeps
that one thread for its whole life, so each mode is entered and left there.

When no method works (a headless Linux box has no session bus), the report says so in plain
words with wakepy's own account of what it tried, and the delivery carries on regardless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger(__name__)

# What wakepy's D-Bus methods say on a headless Linux box or over SSH, where no desktop runs.
_NO_SESSION_BUS = "DBUS_SESSION_BUS_ADDRESS"
CLOSE_TIMEOUT_S = 2.0  # the window is closing: a stuck D-Bus call must not hold it open


@dataclass(frozen=True, slots=True)
class AwakeStatus:
    """What asking to keep the computer awake came to."""

    is_held: bool
    reason: str = ""  # why not, in a few plain words (when not held)
    detail: str = ""  # how: the method used, or everything tried and why each failed


AwakeReport = Callable[[AwakeStatus], None]


class KeepAwake(Protocol):
    """Asks the system not to sleep; calls never block, the outcome comes through `report`
    (on any thread)."""

    def acquire(self, report: AwakeReport) -> None: ...

    def release(self) -> None: ...

    def close(self) -> None:
        """Release, and stop the adapter (the window is closing)."""
        ...


ModeFactory = Callable[[], Any]


def _running_mode() -> Any:
    from wakepy import keep  # imported on the worker thread: it loads the platform's methods

    return keep.running(on_fail="pass")  # a failure is reported, never raised or warned


class WakepyKeepAwake:
    """`KeepAwake` on wakepy's `keep.running` mode, called on a thread of its own."""

    def __init__(self, mode_factory: ModeFactory = _running_mode) -> None:
        self._mode_factory = mode_factory
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="keep-awake")
        self._mode: Any = None  # the entered mode; touched on the worker thread only

    def acquire(self, report: AwakeReport) -> None:
        self._submit(self._enter, report)

    def release(self) -> None:
        self._submit(self._leave)

    def _submit(self, call: Callable[..., None], *args: Any) -> None:
        try:
            self._executor.submit(call, *args)
        except RuntimeError:  # closed: the window is going, and with it every request
            log.debug("keep-awake: ignoring a request after closing")

    def close(self) -> None:
        try:
            self._executor.submit(self._leave).result(timeout=CLOSE_TIMEOUT_S)
        except FutureTimeout:
            log.warning("keep-awake: the system did not answer the release in time")
        except RuntimeError:
            pass  # closed already
        self._executor.shutdown(wait=False, cancel_futures=True)

    # --- on the worker thread ---------------------------------------------------------------

    def _enter(self, report: AwakeReport) -> None:
        if self._mode is not None:
            report(held_status(self._mode))
            return
        try:
            mode = self._mode_factory()
            mode.__enter__()
        except Exception as error:  # keeping awake is a comfort: its failure never stops a delivery
            log.warning("keep-awake could not be asked for", exc_info=True)
            report(AwakeStatus(False, f"{type(error).__name__}: {error}"))
            return
        if mode.active:
            self._mode = mode
            status = held_status(mode)
            log.info("keeping the computer awake (%s)", status.detail)
        else:
            status = failed_status(mode.result)
            mode.__exit__(None, None, None)
            log.info("could not keep the computer awake: %s", status.detail)
        report(status)

    def _leave(self) -> None:
        mode, self._mode = self._mode, None
        if mode is None:
            return
        try:
            mode.__exit__(None, None, None)
        except Exception:  # the system forgets the request when the app exits anyway
            log.warning("keep-awake could not be released", exc_info=True)
        else:
            log.info("the computer may sleep again")


def held_status(mode: Any) -> AwakeStatus:
    method = getattr(mode.active_method, "name", "") or "the system's power manager"
    return AwakeStatus(True, detail=f"asked through {method}")


def failed_status(result: Any) -> AwakeStatus:
    """Why wakepy's `ActivationResult` failed: a short reason and its whole account."""
    entries = result.list_methods(ignore_unused=True)
    tried = [entry.method_name for entry in entries]
    if any(_NO_SESSION_BUS in str(entry.failure_reason) for entry in entries):
        reason = "there is no desktop session (D-Bus session bus) to ask"
    elif tried:
        reason = f"the system refused or did not answer ({', '.join(tried)})"
    else:
        reason = "this system has no way to be kept awake that the app knows of"
    return AwakeStatus(False, reason, result.get_failure_text(style="block"))
