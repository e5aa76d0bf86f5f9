"""Keeping the computer awake during a real delivery: the port is held while files are sent
or verdicts awaited, let go while paused and at the end, and the status bar says so; the real
wakepy adapter reports what it could do here without raising."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.gui import delivery_run_kit
from tests.gui.comfort_kit import (
    RecordingKeepAwake,
    RecordingNotifier,
    comfort_window,
    wait_for_end,
)
from tests.gui.delivery_run_kit import DEMO_FILES, RUN_TIMEOUT_MS, wait_until_transferring
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.ui.app_settings import AppSettings, SettingsStore
from uploader_gui.ui.awake_guard import FAILED_TEXT, HELD_TEXT
from uploader_gui.ui.delivery_comfort import ComfortPorts
from uploader_gui.ui.keep_awake import AwakeStatus, WakepyKeepAwake
from uploader_gui.ui.main_window import MainWindow

archive_factory = delivery_run_kit.archive_factory
delivery_window_factory = delivery_run_kit.delivery_window_factory
WindowFactory = Callable[..., MainWindow]
ArchiveFactory = Callable[..., LocalArchive]
BIG_FILE = "images/a.fits"
# At this rate the big file takes about 10 s: the test pauses and resumes it meanwhile, then
# lifts the limit through the session's commands so the delivery ends soon after.
SLOW_FILES = {**DEMO_FILES, BIG_FILE: b"x" * 2_000_000}
SLOW_RATE_BYTES_PER_S = 200_000.0


def slow_window(
    qtbot: QtBot,
    window_factory: WindowFactory,
    archive: LocalArchive,
    folder: Path,
    ports: ComfortPorts,
) -> MainWindow:
    return comfort_window(
        qtbot,
        window_factory,
        archive,
        folder,
        SLOW_FILES,
        ports=ports,
        bandwidth_limit_bytes_per_s=SLOW_RATE_BYTES_PER_S,
    )


def lift_the_limit(window: MainWindow) -> None:
    commands = window.delivery.controller.commands
    assert commands is not None
    commands.set_bandwidth_limit(None)


def test_awake_while_sending_asleep_while_paused_and_after_the_end(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    keep_awake = RecordingKeepAwake()
    ports = ComfortPorts(notifier=RecordingNotifier(), keep_awake=keep_awake)
    window = slow_window(qtbot, delivery_window_factory, archive_factory(), tmp_path / "d", ports)
    indicator = window.comfort.awake_indicator
    bar = window.transfer_bar
    assert not indicator.isVisible()
    window.delivery_panel.start_button.click()
    wait_until_transferring(qtbot, window, BIG_FILE)
    assert keep_awake.calls == ["acquire"]
    assert indicator.isVisible()
    assert indicator.text() == HELD_TEXT
    assert "does not go to sleep" in indicator.toolTip()

    bar.pause_button.click()
    qtbot.waitUntil(lambda: bar.is_paused, timeout=RUN_TIMEOUT_MS)
    assert keep_awake.calls == ["acquire", "release"]
    assert not indicator.isVisible()

    bar.pause_button.click()  # Resume
    qtbot.waitUntil(lambda: not bar.is_paused, timeout=RUN_TIMEOUT_MS)
    assert keep_awake.calls == ["acquire", "release", "acquire"]
    assert indicator.text() == HELD_TEXT
    assert indicator.isVisible()

    lift_the_limit(window)
    wait_for_end(qtbot, window)
    assert bar.end_summary.outcome_label.text() == "Delivered — all 4 files valid"
    assert keep_awake.calls == ["acquire", "release", "acquire", "release"]
    assert not indicator.isVisible()


def test_a_computer_that_cannot_be_kept_awake_is_said_so_and_the_delivery_goes_on(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    refusal = AwakeStatus(False, "the system refused", "no session bus here")
    keep_awake = RecordingKeepAwake(answer=refusal)
    ports = ComfortPorts(notifier=RecordingNotifier(), keep_awake=keep_awake)
    window = slow_window(qtbot, delivery_window_factory, archive_factory(), tmp_path / "d", ports)
    indicator = window.comfort.awake_indicator
    window.delivery_panel.start_button.click()
    wait_until_transferring(qtbot, window, BIG_FILE)
    assert indicator.text() == f"{FAILED_TEXT}: the system refused"
    assert "no session bus here" in indicator.toolTip()
    assert "The delivery goes on" in indicator.toolTip()
    lift_the_limit(window)
    wait_for_end(qtbot, window)
    assert window.transfer_bar.end_summary.outcome_label.text() == "Delivered — all 4 files valid"
    assert not indicator.isVisible()


def test_keep_awake_off_in_settings_never_asks(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    SettingsStore().save(AppSettings(is_keep_awake_on=False))
    keep_awake = RecordingKeepAwake()
    ports = ComfortPorts(notifier=RecordingNotifier(), keep_awake=keep_awake)
    window = comfort_window(
        qtbot, delivery_window_factory, archive_factory(), tmp_path / "d", ports=ports
    )
    window.delivery_panel.start_button.click()
    wait_for_end(qtbot, window)
    assert window.transfer_bar.end_summary.outcome_label.text() == "Delivered — all 4 files valid"
    assert keep_awake.calls == []
    assert not window.comfort.awake_indicator.isVisible()


def test_the_wakepy_adapter_reports_what_it_could_do_without_raising() -> None:
    adapter = WakepyKeepAwake()
    reported: list[AwakeStatus] = []
    arrived = threading.Event()
    callers: list[str] = []

    def report(status: AwakeStatus) -> None:
        callers.append(threading.current_thread().name)
        reported.append(status)
        arrived.set()

    try:
        adapter.acquire(report)
        assert arrived.wait(30), "wakepy never answered"
        (status,) = reported
        if status.is_held:  # a desktop with a power manager
            assert status.detail.startswith("asked through ")
        else:  # headless Linux here: no session bus, so no inhibitor to ask
            assert status.reason
            assert status.detail
        assert callers[0].startswith("keep-awake")  # never the caller's (the GUI) thread
        adapter.release()
    finally:
        adapter.close()
