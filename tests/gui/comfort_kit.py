"""Helpers for the notification, keep-awake and Settings tests: ports that record what the
window asked of them, a window delivering with them, and looking away from the window."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.gui.delivery_run_kit import RUN_TIMEOUT_MS, ready_window
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.ui.delivery_comfort import ComfortPorts
from uploader_gui.ui.delivery_notices import is_in_front
from uploader_gui.ui.keep_awake import AwakeReport, AwakeStatus
from uploader_gui.ui.main_window import MainWindow
from uploader_gui.ui.notifier import NoticeKind

WindowFactory = Callable[..., MainWindow]


@dataclass
class RecordingNotifier:
    """`Notifier` that keeps every notification (title, text, kind) instead of showing it."""

    notices: list[tuple[str, str, NoticeKind]] = field(default_factory=list)
    delivering: list[bool] = field(default_factory=list)

    def set_delivering(self, is_delivering: bool) -> None:
        self.delivering.append(is_delivering)

    def notify(self, title: str, text: str, kind: NoticeKind) -> None:
        self.notices.append((title, text, kind))

    def close(self) -> None:
        pass


@dataclass
class RecordingKeepAwake:
    """`KeepAwake` that records acquire/release and answers at once with `answer`."""

    answer: AwakeStatus = field(default_factory=lambda: AwakeStatus(True, detail="a test"))
    calls: list[str] = field(default_factory=list)

    def acquire(self, report: AwakeReport) -> None:
        self.calls.append("acquire")
        report(self.answer)

    def release(self) -> None:
        self.calls.append("release")

    def close(self) -> None:
        self.calls.append("close")


def comfort_window(
    qtbot: QtBot,
    window_factory: WindowFactory,
    archive: LocalArchive,
    folder: Path,
    files: dict[str, bytes] | None = None,
    *,
    ports: ComfortPorts,
    **session_settings: Any,
) -> MainWindow:
    """`ready_window` with these comfort ports."""

    def make(**kwargs: Any) -> MainWindow:
        return window_factory(comfort_ports=ports, **kwargs)

    return ready_window(qtbot, make, archive, folder, files, **session_settings)


def look_elsewhere(qtbot: QtBot, window: MainWindow) -> QWidget:
    """Another window in front, as when the person works in another app meanwhile."""
    other = QWidget()
    other.setWindowTitle("another app")
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: not is_in_front(window))
    return other


def look_at(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: is_in_front(window))


def wait_for_end(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.delivery.last_end is not None, timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.delivery.is_running, timeout=RUN_TIMEOUT_MS)
