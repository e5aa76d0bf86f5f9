"""Bugs on the GUI thread become a crash dialog instead of a line on a console nobody sees.

PySide6 reports an exception escaping a slot or a virtual method through `sys.excepthook` and
carries on. While the window runs, `CrashReporter` is that hook: it logs the traceback and
emits `crashed` (from whichever thread called it; Qt queues it to the window), and the window
shows the details with "Copy details". Ctrl+C and SystemExit keep their usual meaning.
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtCore import QObject, Signal

from uploader_gui.core.events import SessionCrashed

log = logging.getLogger(__name__)


class CrashReporter(QObject):
    """`install()` makes it `sys.excepthook` until `uninstall()`."""

    crashed = Signal(object)  # SessionCrashed: the message and the traceback to copy

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._previous = sys.excepthook

    def install(self) -> None:
        self._previous = sys.excepthook
        sys.excepthook = self._hook

    def uninstall(self) -> None:
        if sys.excepthook == self._hook:
            sys.excepthook = self._previous

    def _hook(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt | SystemExit):
            self._previous(exc_type, exc, tb)
            return
        log.error("uncaught exception in the window", exc_info=(exc_type, exc, tb))
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        self.crashed.emit(SessionCrashed(f"internal error: {exc_type.__name__}: {exc}", text))
