"""System notifications: the `Notifier` port and its Qt adapter on the system tray.

`TrayNotifier` shows a tray icon only while a delivery runs (and a little after, so its end
message can be read), and only where the desktop has a tray; a notification is the tray's
balloon or the desktop's notification bubble (`QSystemTrayIcon.showMessage`). Without a tray
(some Linux desktops, a headless session) it asks the window's taskbar entry or dock icon for
attention instead (`QApplication.alert`), which every platform has; that fallback is written
once to the log, never shown to the person.
"""

from __future__ import annotations

import enum
import logging
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from uploader_gui.ui.app_icon import app_icon

log = logging.getLogger(__name__)

MESSAGE_SHOWN_MS = 10_000  # how long a notification stays, where the platform lets us say


class NoticeKind(enum.StrEnum):
    DONE = "done"  # delivered, all valid
    PROBLEM = "problem"  # delivered with invalid or failed files, stopped, or sign-in needed
    FAILED = "failed"


class Notifier(Protocol):
    """Tells the person something while they look elsewhere (the GUI thread only)."""

    def set_delivering(self, is_delivering: bool) -> None:
        """A delivery began or ended (the tray icon is there while one runs)."""
        ...

    def notify(self, title: str, text: str, kind: NoticeKind) -> None: ...

    def close(self) -> None: ...


_TRAY_ICONS = {
    NoticeKind.DONE: QSystemTrayIcon.MessageIcon.Information,
    NoticeKind.PROBLEM: QSystemTrayIcon.MessageIcon.Warning,
    NoticeKind.FAILED: QSystemTrayIcon.MessageIcon.Critical,
}


class TrayNotifier(QObject):
    """`Notifier` on the system tray, or on the window's taskbar entry where there is none."""

    def __init__(self, window: QWidget, *, tooltip: str) -> None:
        super().__init__(window)
        self._window = window
        self._tray: QSystemTrayIcon | None = None
        self._is_delivering = False
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.setInterval(MESSAGE_SHOWN_MS)
        self._hide_timer.timeout.connect(self._hide_tray)
        if QSystemTrayIcon.isSystemTrayAvailable():
            self._tray = QSystemTrayIcon(app_icon(), self)
            self._tray.setToolTip(tooltip)
            self._tray.messageClicked.connect(self._bring_window_forward)
            self._tray.activated.connect(self._bring_window_forward)
        else:
            log.info("no system tray: notifications ask for attention on the taskbar instead")

    @property
    def has_tray(self) -> bool:
        return self._tray is not None

    def set_delivering(self, is_delivering: bool) -> None:
        self._is_delivering = is_delivering
        if self._tray is None:
            return
        if is_delivering:
            self._hide_timer.stop()
            self._tray.show()
        else:
            self._hide_timer.start()  # the end's message stays readable, then the icon goes

    def notify(self, title: str, text: str, kind: NoticeKind) -> None:
        if self._tray is not None and QSystemTrayIcon.supportsMessages():
            self._tray.show()
            self._tray.showMessage(title, text, _TRAY_ICONS[kind], MESSAGE_SHOWN_MS)
            if not self._is_delivering:
                self._hide_timer.start()  # the icon goes once the message was shown
            return
        QApplication.alert(self._window, 0)  # until the person looks at the window

    def close(self) -> None:
        self._hide_timer.stop()
        self._hide_tray()

    @Slot()
    def _hide_tray(self) -> None:
        if self._tray is not None:
            self._tray.hide()

    @Slot()
    def _bring_window_forward(self) -> None:
        self._window.showNormal()
        self._window.raise_()
        self._window.activateWindow()
