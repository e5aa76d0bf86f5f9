"""Uncaught exceptions on any thread become reported bugs, never silent deaths.

Python prints an exception that escapes a thread and lets the thread die; a delivery whose
validator tail or log writer died that way would wait forever. While a session runs it routes
such exceptions to its engine (`route_thread_bugs`), which ends the session as *crashed* with
the traceback. The hook is process state by nature (`threading.excepthook`): it is ours while a
session runs, the most recently started session receives the reports, and the previous hook is
back once the last one ended. Every report is logged with its traceback.

`sys.excepthook` (the main thread, and Qt slots, which PySide6 reports through it) is the
window's to set: see `ui/crash_reports.py`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator

log = logging.getLogger(__name__)

BugReport = Callable[[BaseException, str], None]  # (the exception, where it happened)


class _ThreadBugRoutes:
    """The sessions that want thread bugs, newest last; the hook is ours while there are any."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._routes: list[BugReport] = []
        self._previous: Callable[[threading.ExceptHookArgs], object] = threading.excepthook

    def push(self, report: BugReport) -> None:
        with self._lock:
            if not self._routes:
                self._previous = threading.excepthook
                threading.excepthook = self._hook
            self._routes.append(report)

    def remove(self, report: BugReport) -> None:
        with self._lock:
            if report in self._routes:
                self._routes.remove(report)
            if not self._routes and threading.excepthook == self._hook:
                threading.excepthook = self._previous

    def _hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        with self._lock:
            report = self._routes[-1] if self._routes else None
        if report is None:  # a thread that outlived its session
            self._previous(args)
            return
        where = f"thread {args.thread.name}" if args.thread is not None else "a thread"
        log.error(
            "uncaught exception on %s",
            where,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )
        report(args.exc_value, where)


_ROUTES = _ThreadBugRoutes()


@contextlib.contextmanager
def route_thread_bugs(report: BugReport) -> Iterator[None]:
    """While inside, an exception escaping any thread is given to `report`."""
    _ROUTES.push(report)
    try:
        yield
    finally:
        _ROUTES.remove(report)
