"""The Settings dialog: opened with Ctrl+, from the menu, changes a running delivery's
concurrency and bandwidth limit at once (read back from its transfer engine), is kept for the
next window, and refuses a receipt folder that cannot take receipts, naming it."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from pytestqt.qtbot import QtBot

from tests.gui import delivery_run_kit
from tests.gui.comfort_kit import (
    RecordingKeepAwake,
    RecordingNotifier,
    comfort_window,
    look_at,
    wait_for_end,
)
from tests.gui.delivery_run_kit import DEMO_FILES, wait_until_transferring
from uploader_gui.core.engine.session_tuning import DEFAULT_CONCURRENCY
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.ui.app_settings import MIB, AppSettings, SettingsStore
from uploader_gui.ui.delivery_comfort import ComfortPorts
from uploader_gui.ui.main_window import MainWindow
from uploader_gui.ui.settings_dialog import WHEN_TEXT, SettingsDialog

archive_factory = delivery_run_kit.archive_factory
delivery_window_factory = delivery_run_kit.delivery_window_factory
WindowFactory = Callable[..., MainWindow]
ArchiveFactory = Callable[..., LocalArchive]
BIG_FILE = "images/a.fits"
# About 40 s at the starting limit: the test lifts it from the dialog long before.
SLOW_FILES = {**DEMO_FILES, BIG_FILE: b"x" * 4_000_000}


def quiet_ports() -> ComfortPorts:
    return ComfortPorts(notifier=RecordingNotifier(), keep_awake=RecordingKeepAwake())


def open_dialog(qtbot: QtBot, window: MainWindow) -> SettingsDialog:
    window.comfort.settings_action.trigger()
    dialog = window.comfort.settings_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def test_settings_opens_with_ctrl_comma_from_the_menu_showing_the_defaults(
    qtbot: QtBot, window_factory: WindowFactory
) -> None:
    window = window_factory(comfort_ports=quiet_ports())
    action = window.comfort.settings_action
    menus = [a.menu() for a in window.menuBar().actions() if a.menu() is not None]
    assert any(action in menu.actions() for menu in menus)
    assert action.shortcut() == QKeySequence("Ctrl+,")
    look_at(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    dialog = window.comfort.settings_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.concurrency_spin.value() == DEFAULT_CONCURRENCY
    assert dialog.bandwidth_spin.text() == "Off"
    assert dialog.receipt_edit.text() == ""
    assert "receipts" in dialog.receipt_edit.placeholderText()
    assert dialog.keep_awake_check.isChecked()
    assert dialog.notify_check.isChecked()
    assert dialog.when_label.text() == WHEN_TEXT
    assert "next delivery" in WHEN_TEXT


def test_changes_reach_a_running_delivery_at_once_and_the_next_window(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    SettingsStore().save(AppSettings(concurrency=2, bandwidth_limit_mib_s=0.1))
    window = comfort_window(
        qtbot,
        delivery_window_factory,
        archive_factory(),
        tmp_path / "data",
        SLOW_FILES,
        ports=quiet_ports(),
    )
    window.delivery_panel.start_button.click()
    wait_until_transferring(qtbot, window, BIG_FILE)
    session = window.delivery.controller.session
    assert session is not None
    # Read at Start into the session's options, and so into its transfer engine.
    assert session.options.transfer.concurrency == 2
    assert session.options.transfer.bandwidth_limit_bytes_per_s == 0.1 * MIB
    transfers = session.transfers
    assert transfers is not None
    assert (transfers.concurrency, transfers.bandwidth_limit_bytes_per_s) == (2, 0.1 * MIB)

    dialog = open_dialog(qtbot, window)
    assert dialog.concurrency_spin.value() == 2
    assert dialog.bandwidth_spin.value() == pytest.approx(0.1)
    dialog.concurrency_spin.setValue(7)
    dialog.bandwidth_spin.setValue(0)  # Off
    dialog.ok_button.click()
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: transfers.concurrency == 7)
    qtbot.waitUntil(lambda: transfers.bandwidth_limit_bytes_per_s is None)
    wait_for_end(qtbot, window)  # without the limit, soon
    assert window.transfer_bar.end_summary.outcome_label.text() == "Delivered — all 4 files valid"

    later = delivery_window_factory(comfort_ports=quiet_ports())
    again = open_dialog(qtbot, later)
    assert again.concurrency_spin.value() == 7
    assert again.bandwidth_spin.text() == "Off"
    assert later.comfort.tuning().concurrency == 7
    assert later.comfort.tuning().bandwidth_limit_bytes_per_s is None


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder this user cannot create files in (root ignores permission bits: sysfs)."""
    if os.name == "posix" and os.geteuid() == 0:
        if not sys.platform.startswith("linux"):
            pytest.skip("root can write anywhere here")
        return Path("/sys")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    return folder


def test_a_receipt_folder_that_cannot_take_receipts_is_refused_naming_it(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    window = window_factory(comfort_ports=quiet_ports())
    dialog = open_dialog(qtbot, window)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    refusals = {
        str(a_file): "is a file, not a folder",
        str(a_file / "receipts"): "does not exist",
        str(unwritable_folder(tmp_path)): "cannot be written",
    }
    for folder, why in refusals.items():
        dialog.receipt_edit.setText(folder)
        dialog.ok_button.click()
        qtbot.waitUntil(lambda f=folder: f in dialog.error_label.text())
        assert why in dialog.error_label.text()
        assert dialog.error_label.isVisible()
        assert dialog.isVisible()  # still open, to fix it
        assert SettingsStore().load().receipt_folder == ""  # nothing was kept

    good = tmp_path / "receipts"
    good.mkdir()
    dialog.receipt_edit.setText(str(good))
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert SettingsStore().load().receipt_folder == str(good)
    assert window.comfort.tuning().receipt_target == good

    dialog = open_dialog(qtbot, window)
    dialog.reset_button.click()  # back to the app's receipts folder
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert SettingsStore().load().receipt_folder == ""
    assert window.comfort.tuning().receipt_target is None


def test_a_hand_edited_settings_file_with_bad_values_opens_with_the_defaults(
    qtbot: QtBot, window_factory: WindowFactory
) -> None:
    store = SettingsStore()
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text(
        "[delivery]\nconcurrency=99\nbandwidth_limit_mib_s=fast\nkeep_awake=false\n"
    )
    window = window_factory(comfort_ports=quiet_ports())
    dialog = open_dialog(qtbot, window)
    assert dialog.concurrency_spin.value() == DEFAULT_CONCURRENCY
    assert dialog.bandwidth_spin.text() == "Off"
    assert not dialog.keep_awake_check.isChecked()  # a good value is kept
