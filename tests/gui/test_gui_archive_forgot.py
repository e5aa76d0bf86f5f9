"""The window and an archive that lost a delivery sent to it: it asks, and never resumes silently.

The archive's validator log is deleted after a first delivery, as a reset archive would have
none; pressing Start again asks whether to deliver again (Stop keeps everything as it was),
and Deliver again sends every file anew until all are valid.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.gui import delivery_run_kit
from tests.gui.delivery_run_kit import (
    DEMO_FILES,
    RUN_TIMEOUT_MS,
    click_choice,
    ready_window,
    states,
)
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.ui.main_window import MainWindow

archive_factory = delivery_run_kit.archive_factory
delivery_window_factory = delivery_run_kit.delivery_window_factory


def delivered(qtbot: QtBot, window: MainWindow) -> None:
    window.delivery_panel.start_button.click()
    qtbot.waitUntil(lambda: set(states(window).values()) == {"valid"}, timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.delivery.is_running, timeout=RUN_TIMEOUT_MS)


def puts_of_data(archive: LocalArchive) -> int:
    return sum(
        1
        for record in archive.audit_records()
        if record["operation"] == "PutObject" and record["key"] in DEMO_FILES
    )


def test_start_against_an_archive_that_lost_the_delivery_asks_before_sending(
    qtbot: QtBot,
    delivery_window_factory: Callable[..., MainWindow],
    archive_factory: Callable[..., LocalArchive],
    tmp_path: Path,
) -> None:
    archive = archive_factory()
    window = ready_window(qtbot, delivery_window_factory, archive, tmp_path / "data")
    delivered(qtbot, window)
    names = archive.network_config.names_for("demo_set", "0001", "staging")
    archive.boto3_client("s3").delete_object(
        Bucket=names.control_bucket, Key=names.validator_log_key
    )
    sent_first = puts_of_data(archive)

    window.delivery_panel.start_button.click()
    text = click_choice(qtbot, window, "Stop")
    assert "has no record of this delivery, though 4 files were sent to it before" in text
    qtbot.waitUntil(lambda: not window.delivery.is_running, timeout=RUN_TIMEOUT_MS)
    assert puts_of_data(archive) == sent_first  # nothing sent
    assert "Nothing has been sent" in window.transfer_bar.end_summary.outcome_label.text()

    window.delivery_panel.start_button.click()
    click_choice(qtbot, window, "Deliver again")
    qtbot.waitUntil(lambda: set(states(window).values()) == {"valid"}, timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.delivery.is_running, timeout=RUN_TIMEOUT_MS)
    assert puts_of_data(archive) == sent_first + len(DEMO_FILES)
