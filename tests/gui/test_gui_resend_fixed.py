"""Send the fixed files again, after the archive found a file invalid: a new session, as
Start; if the invalid file was not changed since its verdict, the person is asked first."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.gui import delivery_run_kit
from tests.gui.delivery_run_kit import (
    RUN_TIMEOUT_MS,
    click_choice,
    open_box,
    ready_window,
    states,
)
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.ui.main_window import MainWindow
from uploader_gui.ui.resend_check import FIX_FIRST_CHOICE, SEND_ANYWAY_CHOICE

archive_factory = delivery_run_kit.archive_factory
delivery_window_factory = delivery_run_kit.delivery_window_factory
WindowFactory = Callable[..., MainWindow]
ArchiveFactory = Callable[..., LocalArchive]
INVALID = "catalog_main.parquet"


def ended_with_an_invalid_file(
    qtbot: QtBot, window_factory: WindowFactory, archive: LocalArchive, folder: Path
) -> MainWindow:
    window = ready_window(qtbot, window_factory, archive, folder)
    window.delivery_panel.start_button.click()
    qtbot.waitUntil(lambda: window.delivery.last_end is not None, timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.delivery.is_running, timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(window.delivery_panel.start_button.isEnabled, timeout=RUN_TIMEOUT_MS)
    assert states(window)[INVALID] == "invalid"
    assert window.transfer_bar.end_summary.resend_button.isVisible()
    return window


def test_an_unchanged_invalid_file_is_asked_about_before_it_is_sent_again(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    archive = archive_factory(invalid_globs=("*.parquet",))
    window = ended_with_an_invalid_file(qtbot, delivery_window_factory, archive, tmp_path / "d")
    resend = window.transfer_bar.end_summary.resend_button

    resend.click()
    text = click_choice(qtbot, window, FIX_FIRST_CHOICE)

    assert text == (
        "1 invalid file has not changed since the archive judged it; send it again anyway?"
    )
    assert not window.delivery.is_running  # fix it first: nothing was started

    resend.click()
    click_choice(qtbot, window, SEND_ANYWAY_CHOICE)

    assert window.delivery.is_running  # a new session, as Start
    qtbot.waitUntil(lambda: window.delivery.last_end is not None, timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.delivery.is_running, timeout=RUN_TIMEOUT_MS)
    assert states(window)[INVALID] == "invalid"  # this archive still refuses every parquet


def test_a_fixed_invalid_file_is_sent_again_without_a_question(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    archive = archive_factory(invalid_globs=("*.parquet",))
    folder = tmp_path / "d"
    window = ended_with_an_invalid_file(qtbot, delivery_window_factory, archive, folder)
    (folder / INVALID).write_bytes(b"a corrected catalog")

    window.transfer_bar.end_summary.resend_button.click()
    qtbot.waitUntil(
        lambda: window.delivery.is_running or open_box(window) is not None,
        timeout=RUN_TIMEOUT_MS,
    )

    assert open_box(window) is None
    assert window.delivery.is_running
    qtbot.waitUntil(lambda: window.delivery.last_end is not None, timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.delivery.is_running, timeout=RUN_TIMEOUT_MS)
