"""Delivering from the window against a real local archive: Start, live states, verdicts,
the overall bar, the receipt; pause and resume, cancel, closing mid-transfer, a question."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.gui import delivery_run_kit
from tests.gui.delivery_run_kit import (
    DEMO_FILES,
    DEMO_LABEL,
    RUN_TIMEOUT_MS,
    click_choice,
    messages,
    ready_window,
    states,
    wait_until_transferring,
)
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.ui.delivery_dialogs import (
    CANCEL_CHOICE,
    STOP_AND_CLOSE_CHOICE,
)
from uploader_gui.ui.file_table_model import Column
from uploader_gui.ui.main_window import MainWindow
from uploader_gui.ui.transfer_bar import PROGRESS_STEPS

# The kit's fixtures, for this module.
archive_factory = delivery_run_kit.archive_factory
delivery_window_factory = delivery_run_kit.delivery_window_factory
WindowFactory = Callable[..., MainWindow]
ArchiveFactory = Callable[..., LocalArchive]
BIG_FILE = "images/a.fits"
# Slow enough to catch the big file mid-transfer: about 3 s for it at this rate.
SLOW_FILES = {**DEMO_FILES, BIG_FILE: b"x" * 600_000}
SLOW_RATE_BYTES_PER_S = 200_000.0


def started_slow_delivery(
    qtbot: QtBot, window_factory: WindowFactory, archive: LocalArchive, folder: Path
) -> MainWindow:
    """A delivery started at a slow rate, caught while its big file is being sent."""
    window = ready_window(
        qtbot,
        window_factory,
        archive,
        folder,
        SLOW_FILES,
        bandwidth_limit_bytes_per_s=SLOW_RATE_BYTES_PER_S,
    )
    window.delivery_panel.start_button.click()
    wait_until_transferring(qtbot, window, BIG_FILE)
    return window


def all_valid(window: MainWindow) -> bool:
    return set(states(window).values()) == {"valid"}


def test_start_delivers_every_file_and_shows_valid_verdicts(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    archive = archive_factory()
    window = ready_window(qtbot, delivery_window_factory, archive, tmp_path / "data")
    bar = window.transfer_bar
    assert not bar.isVisible()
    window.delivery_panel.start_button.click()
    assert bar.isVisible()
    assert not window.delivery_panel.start_button.isEnabled()  # one delivery at a time
    qtbot.waitUntil(lambda: all_valid(window), timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.delivery.last_end is not None, timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.delivery.is_running, timeout=RUN_TIMEOUT_MS)
    assert bar.progress_bar.value() == PROGRESS_STEPS
    assert bar.progress_bar.text() == "4 of 4 files finished"
    summary = bar.end_summary
    assert summary.isVisible()
    assert summary.outcome_label.text() == "Delivered — all 4 files valid"
    assert summary.results_label.text().startswith("4 valid of 4 files · took ")
    assert summary.receipt_button.isVisible()
    assert not summary.invalid_button.isVisible()
    assert not summary.retry_button.isVisible()
    assert not bar.state_label.isVisible()
    assert not bar.pause_button.isVisible()
    assert not bar.pause_button.isEnabled()
    assert "left" not in bar.progress_label.text()
    model = window.model
    row = model.row_of(BIG_FILE)
    assert row is not None
    assert model.data(model.index(row, Column.PROGRESS)) == "100 %"
    assert set(messages(window).values()) == {""}
    assert window.delivery.receipt_paths
    assert all(Path(p).is_file() for p in window.delivery.receipt_paths)
    assert window.delivery_panel.start_button.isEnabled()  # run again: resumes, nothing to do
    # The session's own re-listing of the folder never sends the folder bar back to "Indexing".
    assert not window.status_area.progress_bar.isVisible()
    assert not window.status_area.stop_button.isVisible()


def test_an_invalid_file_shows_invalid_with_the_reason(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    archive = archive_factory(invalid_globs=("*.parquet",))
    window = ready_window(qtbot, delivery_window_factory, archive, tmp_path / "data")
    window.delivery_panel.start_button.click()
    qtbot.waitUntil(lambda: window.delivery.last_end is not None, timeout=RUN_TIMEOUT_MS)
    assert states(window) == {
        "images/a.fits": "valid",
        "images/b.fits": "valid",
        "catalog_main.parquet": "invalid",
        "README.md": "valid",
    }
    reason = messages(window)["catalog_main.parquet"]
    assert reason
    row = window.model.row_of("catalog_main.parquet")
    assert row is not None
    assert window.model.data(window.model.index(row, Column.MESSAGE)) == reason.replace("\n", "; ")
    summary = window.transfer_bar.end_summary
    assert summary.outcome_label.text() == "Delivered with 1 invalid file"
    assert summary.results_label.text().startswith("3 valid · 1 invalid of 4 files · took ")
    assert window.transfer_bar.counts_label.text() == "3 valid · 1 invalid"
    assert summary.invalid_button.isVisible()
    summary.invalid_button.click()
    dialog = window.delivery.invalid_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.model.rowCount() == 1
    _, file, _, _, message, _ = dialog.model.row_texts(0)
    assert (file, message) == ("catalog_main.parquet", reason.replace("\n", "; "))
    # Once the session ended, Retry starts a new one (which sends failed and invalid files).
    qtbot.waitUntil(window.delivery_panel.start_button.isEnabled, timeout=RUN_TIMEOUT_MS)
    window.transfer_bar.retryRequested.emit()
    assert window.delivery.is_running
    assert not summary.isVisible()
    qtbot.waitUntil(lambda: window.delivery.last_end is not None, timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.delivery.is_running, timeout=RUN_TIMEOUT_MS)
    assert summary.outcome_label.text() == "Delivered with 1 invalid file"


def test_pause_then_resume_completes(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    archive = archive_factory()
    window = started_slow_delivery(qtbot, delivery_window_factory, archive, tmp_path / "data")
    bar = window.transfer_bar
    bar.pause_button.click()
    # Until the session confirms, the button neither lies nor takes a second click.
    assert bar.pause_button.text() == "&Pause"
    assert not bar.pause_button.isEnabled()
    qtbot.waitUntil(lambda: bar.pause_button.text() == "Res&ume", timeout=RUN_TIMEOUT_MS)
    assert bar.pause_button.isEnabled()
    assert bar.state_label.text().startswith("Paused")
    assert bar.stop_button.isEnabled()  # stopping a paused delivery still works
    progress = bar.progress_label.text()
    assert " of 4 files" in progress  # what is done stays on screen
    assert "/s" not in progress  # no speed and no time left while nothing moves
    assert "left" not in progress
    qtbot.waitUntil(lambda: states(window)[BIG_FILE] == "paused", timeout=RUN_TIMEOUT_MS)
    bar.pause_button.click()
    qtbot.waitUntil(lambda: bar.pause_button.text() == "&Pause", timeout=RUN_TIMEOUT_MS)
    assert bar.state_label.text().startswith("Transferring")
    qtbot.waitUntil(lambda: all_valid(window), timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.delivery.is_running, timeout=RUN_TIMEOUT_MS)
    assert bar.progress_bar.value() == PROGRESS_STEPS


def test_cancel_asks_then_returns_unfinished_rows_to_ready(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    archive = archive_factory()
    window = started_slow_delivery(qtbot, delivery_window_factory, archive, tmp_path / "data")
    window.transfer_bar.cancel_button.click()
    text = click_choice(qtbot, window, CANCEL_CHOICE)
    assert "discards the partial uploads" in text
    qtbot.waitUntil(lambda: window.delivery.last_end is not None, timeout=RUN_TIMEOUT_MS)
    assert states(window)[BIG_FILE] == "ready"
    row = window.model.row_of(BIG_FILE)
    assert row is not None
    assert window.model.data(window.model.index(row, Column.PROGRESS)) == ""
    assert not {"transferring", "pending", "paused"} & set(states(window).values())
    assert window.delivery.last_end is not None
    assert window.delivery.last_end.outcome == "cancelled"
    outcome = window.transfer_bar.end_summary.outcome_label.text()
    assert outcome.startswith("Cancelled — Start again to send the rest (")
    qtbot.waitUntil(window.delivery_panel.start_button.isEnabled, timeout=RUN_TIMEOUT_MS)


def test_closing_mid_transfer_stops_cleanly_before_the_window_goes(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    archive = archive_factory()
    window = started_slow_delivery(qtbot, delivery_window_factory, archive, tmp_path / "data")
    window.close()
    assert window.isVisible()  # asked first
    click_choice(qtbot, window, STOP_AND_CLOSE_CHOICE)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=RUN_TIMEOUT_MS)
    assert not window.delivery.is_running
    assert window.delivery.last_end is not None
    assert window.delivery.last_end.outcome == "interrupted"
    names = archive.network_config.names_for("demo_set", "0001", "staging")
    s3 = archive.boto3_client("s3")
    listed = s3.list_objects_v2(Bucket=names.control_bucket, Prefix="lock/client")
    assert listed.get("KeyCount", 0) == 0, "the upload lock was left behind"


def test_a_stale_lock_question_is_shown_and_answered(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    threshold_s = 2.0
    archive = archive_factory(lock_staleness_threshold_s=threshold_s)
    window = ready_window(qtbot, delivery_window_factory, archive, tmp_path / "data")
    archive.provision_delivery(DEMO_LABEL)
    names = archive.network_config.names_for("demo_set", "0001", "staging")
    s3 = archive.boto3_client("s3")
    s3.put_object(Bucket=names.control_bucket, Key="lock/client", Body=b"otheragentx")
    written_at = time.time()
    # The lock becomes stale by S3's clock: wait until it is older than the threshold.
    qtbot.waitUntil(lambda: time.time() - written_at > threshold_s + 1.5, timeout=10_000)
    window.delivery_panel.start_button.click()
    text = click_choice(qtbot, window, "Take over")
    assert "otheragentx" in text
    qtbot.waitUntil(lambda: all_valid(window), timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.delivery.is_running, timeout=RUN_TIMEOUT_MS)
