"""File ▸ Reset local archive…: the real window empties its real local archive's process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from tests.gui import delivery_run_kit
from tests.gui.conftest import WindowFactory, status_text
from tests.gui.delivery_run_kit import RUN_TIMEOUT_MS, ready_window
from tests.waiting import wait_until
from uploader_gui.app_dirs import app_dirs
from uploader_gui.archive_service import ChildArchiveHandle, start_local_archive
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.sandbox.archive_registry import process_is_alive
from uploader_gui.ui.archive_reset import (
    BUSY_TEXT,
    KEEP_CHOICE,
    RESET_CHOICE,
    RESET_QUESTION,
    RESET_TEXT,
)
from uploader_gui.ui.main_window import MainWindow

archive_factory = delivery_run_kit.archive_factory
delivery_window_factory = delivery_run_kit.delivery_window_factory
ARCHIVE_TIMEOUT_MS = 60_000


def running_archive(qtbot: QtBot, window: MainWindow) -> ChildArchiveHandle:
    archives = window.delivery_panel.archives
    qtbot.waitUntil(lambda: archives.handle is not None, timeout=ARCHIVE_TIMEOUT_MS)
    handle = archives.handle
    assert isinstance(handle, ChildArchiveHandle)
    return handle


def delivered_object() -> Path:
    """Something the archive keeps in its data folder (an object's body file)."""
    path = app_dirs().local_archive_data_dir / "objects" / "delivered"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"delivered")
    return path


def answer(qtbot: QtBot, window: MainWindow, choice: str) -> QMessageBox:
    window.archive_reset.action.trigger()
    box = window.archive_reset.box
    assert box is not None
    qtbot.waitUntil(box.isVisible)
    (button,) = [b for b in box.buttons() if b.text() == choice]
    button.click()
    return box


def test_resetting_empties_the_local_archive_and_starts_it_again(
    qtbot: QtBot, window_factory: WindowFactory
) -> None:
    window = window_factory(start_local_archive=start_local_archive)
    before = running_archive(qtbot, window)
    kept = delivered_object()
    assert window.archive_reset.action in window.menus.file_menu.actions()
    assert window.archive_reset.action.text() == RESET_TEXT

    box = answer(qtbot, window, RESET_CHOICE)

    assert box.text() == RESET_QUESTION
    after = running_archive(qtbot, window)
    assert after.pid != before.pid
    shown = status_text(window)
    assert shown.startswith(f"Stopped the local archive at {before.endpoint_url}")
    assert f"emptied its data folder {app_dirs().local_archive_data_dir}" in shown
    assert not kept.exists()
    assert not process_is_alive(before.pid)
    panel = window.delivery_panel
    assert f"Running at 127.0.0.1:{after.port}" in panel.archive_status.text()
    window.close()
    wait_until(lambda: not process_is_alive(after.pid), "the new archive to stop on close")


def test_keeping_the_local_archive_changes_nothing(
    qtbot: QtBot, window_factory: WindowFactory
) -> None:
    window = window_factory(start_local_archive=start_local_archive)
    handle = running_archive(qtbot, window)
    kept = delivered_object()

    answer(qtbot, window, KEEP_CHOICE)

    assert window.delivery_panel.archives.handle is handle
    assert kept.read_bytes() == b"delivered"
    assert process_is_alive(handle.pid)


def test_the_local_archive_is_not_reset_while_a_delivery_runs(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: Callable[..., LocalArchive],
    tmp_path: Path,
) -> None:
    archive = archive_factory(slow_validation_s=0.2)
    window = ready_window(qtbot, delivery_window_factory, archive, tmp_path / "data")
    window.delivery_panel.start_button.click()
    assert window.delivery.is_running
    action = window.archive_reset.action
    assert not action.isEnabled()
    window.archive_reset.ask()  # as a shortcut firing between the start and the sync would
    assert status_text(window) == BUSY_TEXT
    assert window.archive_reset.box is None, "no question while it cannot be done"
    qtbot.waitUntil(lambda: not window.delivery.is_running, timeout=RUN_TIMEOUT_MS)
    assert action.isEnabled()
