"""Telling the person who looks elsewhere: notifications at a delivery's end and when a sign-in
is needed, and the overall percentage in the window's title.

A notification goes out only when notifications are on in Settings and none of the app's
windows is in front (whoever looks at the window sees the end summary already), in the end
summary's own words ("Delivered — all 4 files valid", "Delivered with 1 invalid file",
"Stopped — Start again to resume (why)", "Failed — why").

Qt 6 has no cross-platform taskbar progress (Qt 5's QWinTaskbarProgress and the macOS extras
are gone), so `TitleProgress` puts "42 % — folder" in the window title while delivering, which
every platform's taskbar, dock and window switcher shows. Where a desktop reads the Unity
launcher-entry D-Bus signal (KDE Plasma, the GNOME and Ubuntu docks), the icon shows a real
progress bar as well (`taskbar_progress`); Windows' ITaskbarList3 and macOS's dock tile are not
used (nothing here could run them).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QApplication, QWidget

from uploader_gui.core.engine.session_states import SessionOutcome, SessionState
from uploader_gui.core.engine.sign_in_pause import SIGN_IN_QUESTION_ID
from uploader_gui.core.events import SessionEnded, TransferProgressed
from uploader_gui.core.questions import QuestionAsked
from uploader_gui.ui.end_summary import outcome_text
from uploader_gui.ui.notifier import NoticeKind, Notifier

SIGN_IN_TITLE = "Sign-in needed"
SIGN_IN_TEXT = "The delivery is paused until you sign in again; everything sent is kept."


def end_notice(ended: SessionEnded) -> tuple[str, NoticeKind]:
    """The notification's title and kind for a session's end."""
    outcome = ended.outcome
    if outcome in (SessionOutcome.ALL_VALID, SessionOutcome.NOTHING_TO_DO):
        return "Delivery finished", NoticeKind.DONE
    if outcome == SessionOutcome.WITH_PROBLEMS:
        return "Delivery finished with problems", NoticeKind.PROBLEM
    if outcome == SessionOutcome.CANCELLED:
        return "Delivery cancelled", NoticeKind.PROBLEM
    if ended.state == SessionState.STOPPED:
        return "Delivery stopped", NoticeKind.PROBLEM
    return "Delivery failed", NoticeKind.FAILED


def is_in_front(window: QWidget) -> bool:
    """Whether the active window is `window` or one of its dialogs (the person looks at it)."""
    active: QWidget | None = QApplication.activeWindow()
    while active is not None:
        if active is window:
            return True
        active = active.parentWidget()
    return False


class DeliveryNotices(QObject):
    """Sends the session's end and its sign-in question to the `Notifier` when they apply."""

    def __init__(
        self,
        window: QWidget,
        notifier: Notifier,
        *,
        is_enabled: Callable[[], bool],
        is_closing: Callable[[], bool] = lambda: False,
    ) -> None:
        super().__init__(window)
        self._window = window
        self.notifier = notifier
        self._is_enabled = is_enabled
        self._is_closing = is_closing

    def _is_wanted(self) -> bool:
        # Closing: the person chose to stop and is closing the window, nothing to tell.
        return self._is_enabled() and not self._is_closing() and not is_in_front(self._window)

    @Slot(object)
    def on_ended(self, ended: SessionEnded) -> None:
        if self._is_wanted():
            title, kind = end_notice(ended)
            self.notifier.notify(title, outcome_text(ended), kind)

    @Slot(object)
    def on_question(self, question: QuestionAsked) -> None:
        if question.question_id == SIGN_IN_QUESTION_ID and self._is_wanted():
            self.notifier.notify(SIGN_IN_TITLE, SIGN_IN_TEXT, NoticeKind.PROBLEM)


class ProgressDisplay(Protocol):
    """Where the overall progress shows outside the window's own bar (the taskbar, the dock)."""

    def begin(self) -> None: ...

    def show_fraction(self, fraction: float) -> None: ...

    def end(self) -> None: ...


def title_with_progress(fraction: float, title: str) -> str:
    """`42 % — folder`; 100 % only once every byte is there."""
    percent = math.floor(max(0.0, min(1.0, fraction)) * 100)
    return f"{percent} % — {title}"


class TitleProgress(QObject):
    """`ProgressDisplay` in the window title: the title at Start comes back at the end."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._title: str | None = None  # the title without progress, while delivering

    def begin(self) -> None:
        if self._title is None:
            self._title = self._window.windowTitle()

    def show_fraction(self, fraction: float) -> None:
        if self._title is not None:
            self._window.setWindowTitle(title_with_progress(fraction, self._title))

    def end(self) -> None:
        title, self._title = self._title, None
        if title is not None:
            self._window.setWindowTitle(title)

    @Slot(object)
    def show_progress(self, event: TransferProgressed) -> None:
        fraction = event.bytes_processed / event.bytes_total if event.bytes_total else 1.0
        self.show_fraction(fraction)
