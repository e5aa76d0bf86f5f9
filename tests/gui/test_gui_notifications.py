"""Notifications at a delivery's end, and the overall percentage in the window title: a real
delivery to the local archive, the notifier port recording what the window asked it to show."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.gui import delivery_run_kit
from tests.gui.comfort_kit import (
    RecordingKeepAwake,
    RecordingNotifier,
    comfort_window,
    look_at,
    look_elsewhere,
    wait_for_end,
)
from tests.gui.delivery_run_kit import DEMO_FILES, wait_until_transferring
from uploader_gui.core.engine.sign_in_pause import SIGN_IN_CHOICES, SIGN_IN_QUESTION_ID, STOP
from uploader_gui.core.questions import QuestionAsked, ReplyHandle
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.ui.app_settings import AppSettings, SettingsStore
from uploader_gui.ui.delivery_comfort import ComfortPorts
from uploader_gui.ui.delivery_notices import SIGN_IN_TEXT, SIGN_IN_TITLE
from uploader_gui.ui.main_window import MainWindow
from uploader_gui.ui.notifier import NoticeKind

archive_factory = delivery_run_kit.archive_factory
delivery_window_factory = delivery_run_kit.delivery_window_factory
WindowFactory = Callable[..., MainWindow]
ArchiveFactory = Callable[..., LocalArchive]
BIG_FILE = "images/a.fits"
SLOW_FILES = {**DEMO_FILES, BIG_FILE: b"x" * 600_000}


def recording_ports() -> tuple[ComfortPorts, RecordingNotifier]:
    notifier = RecordingNotifier()
    return ComfortPorts(notifier=notifier, keep_awake=RecordingKeepAwake()), notifier


def test_a_delivery_that_ends_while_the_person_looks_elsewhere_notifies_once(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    ports, notifier = recording_ports()
    window = comfort_window(
        qtbot, delivery_window_factory, archive_factory(), tmp_path / "data", ports=ports
    )
    window.delivery_panel.start_button.click()
    look_elsewhere(qtbot, window)
    wait_for_end(qtbot, window)
    assert notifier.notices == [
        ("Delivery finished", "Delivered — all 4 files valid", NoticeKind.DONE)
    ]
    # The same words as the end summary the person finds in the window.
    assert window.transfer_bar.end_summary.outcome_label.text() == notifier.notices[0][1]
    assert notifier.delivering == [True, False]  # the tray icon only while delivering


def test_no_notification_while_the_person_looks_at_the_window(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    ports, notifier = recording_ports()
    window = comfort_window(
        qtbot, delivery_window_factory, archive_factory(), tmp_path / "data", ports=ports
    )
    look_at(qtbot, window)
    window.delivery_panel.start_button.click()
    wait_for_end(qtbot, window)
    assert window.transfer_bar.end_summary.outcome_label.text() == "Delivered — all 4 files valid"
    assert notifier.notices == []


def test_no_notification_when_notifications_are_off_in_settings(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    receipts = tmp_path / "my receipts"
    receipts.mkdir()
    SettingsStore().save(AppSettings(is_notify_on=False, receipt_folder=str(receipts)))
    ports, notifier = recording_ports()
    window = comfort_window(
        qtbot, delivery_window_factory, archive_factory(), tmp_path / "data", ports=ports
    )
    window.delivery_panel.start_button.click()
    look_elsewhere(qtbot, window)
    wait_for_end(qtbot, window)
    assert window.transfer_bar.end_summary.outcome_label.text() == "Delivered — all 4 files valid"
    assert notifier.notices == []
    # The receipt folder from Settings was the session's.
    assert window.delivery.receipt_paths
    assert all(Path(path).parent == receipts for path in window.delivery.receipt_paths)


def test_an_ending_with_an_invalid_file_says_so(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    ports, notifier = recording_ports()
    archive = archive_factory(invalid_globs=("*.parquet",))
    window = comfort_window(qtbot, delivery_window_factory, archive, tmp_path / "data", ports=ports)
    window.delivery_panel.start_button.click()
    look_elsewhere(qtbot, window)
    wait_for_end(qtbot, window)
    assert notifier.notices == [
        ("Delivery finished with problems", "Delivered with 1 invalid file", NoticeKind.PROBLEM)
    ]


def test_the_window_title_shows_the_percentage_while_delivering(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    ports, _ = recording_ports()
    window = comfort_window(
        qtbot,
        delivery_window_factory,
        archive_factory(),
        tmp_path / "data",
        SLOW_FILES,
        ports=ports,
        bandwidth_limit_bytes_per_s=200_000.0,
    )
    assert window.windowTitle() == "data"
    window.delivery_panel.start_button.click()
    wait_until_transferring(qtbot, window, BIG_FILE)
    qtbot.waitUntil(lambda: re.fullmatch(r"\d{1,3} % — data", window.windowTitle()) is not None)
    wait_for_end(qtbot, window)
    assert window.windowTitle() == "data"


def question(question_id: str) -> QuestionAsked:
    return QuestionAsked(
        question_id,
        "Sign in again",
        "The sign-in ended.",
        SIGN_IN_CHOICES,
        STOP,
        ReplyHandle(SIGN_IN_CHOICES),
    )


def test_a_sign_in_needed_while_the_person_looks_elsewhere_notifies(
    qtbot: QtBot, window_factory: WindowFactory
) -> None:
    ports, notifier = recording_ports()
    window = window_factory(comfort_ports=ports)
    look_elsewhere(qtbot, window)
    # As the session asks it (through the bridge) when the archive's sign-in ended mid-run.
    window.bridge.put(question("lock-takeover"))
    window.bridge.put(question(SIGN_IN_QUESTION_ID))
    qtbot.waitUntil(lambda: len(window.delivery.boxes) == 2)
    assert notifier.notices == [(SIGN_IN_TITLE, SIGN_IN_TEXT, NoticeKind.PROBLEM)]
