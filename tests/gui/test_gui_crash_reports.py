"""A bug on the GUI thread (an exception escaping a slot) becomes a crash dialog with details to
copy, and the window keeps running."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory
from uploader_gui.ui.crash_reports import CrashReporter
from uploader_gui.ui.delivery_dialogs import COPY_DETAILS_TEXT, WINDOW_CRASH_TITLE


def a_slot_with_a_bug() -> None:
    settings: dict[str, int] = {}
    settings["concurrency"] += 1  # KeyError: the bug


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_opens_the_crash_dialog(
    qtbot: QtBot, window_factory: WindowFactory
) -> None:
    window = window_factory()
    reporter = CrashReporter()
    reporter.crashed.connect(window.show_crash)
    reporter.install()
    try:
        QTimer.singleShot(0, a_slot_with_a_bug)
        qtbot.waitUntil(lambda: bool(window.crash_boxes), timeout=5_000)
    finally:
        reporter.uninstall()
    (box,) = window.crash_boxes
    assert box.windowTitle() == WINDOW_CRASH_TITLE
    assert "KeyError: 'concurrency'" in box.text()
    assert "a_slot_with_a_bug" in box.detailedText()
    (copy,) = [b for b in box.findChildren(QPushButton) if b.text() == COPY_DETAILS_TEXT]
    copy.click()
    assert "a_slot_with_a_bug" in QApplication.clipboard().text()
    assert window.isVisible()  # the window carries on


def test_ctrl_c_is_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    before: list[type[BaseException]] = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, exc, tb: before.append(kind))
    reporter = CrashReporter()
    seen: list[object] = []
    reporter.crashed.connect(seen.append)
    reporter.install()
    try:
        sys.excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)
    finally:
        reporter.uninstall()
    assert seen == []
    assert before == [KeyboardInterrupt]
