"""A busy archive, from the window, against a real local archive: the end summary says who holds
the lock; "Try again when it is free" waits for it and then delivers; Cancel stops the waiting;
a stale lock brings the guarded takeover question."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.gui import delivery_run_kit
from tests.gui.delivery_run_kit import (
    DEMO_LABEL,
    RUN_TIMEOUT_MS,
    open_box,
    ready_window,
    states,
)
from uploader_gui.core.engine.lock_wait import LockBackoff
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.ui.lock_wait_row import CANCELLED_TEXT
from uploader_gui.ui.main_window import MainWindow

archive_factory = delivery_run_kit.archive_factory
delivery_window_factory = delivery_run_kit.delivery_window_factory
WindowFactory = Callable[..., MainWindow]
ArchiveFactory = Callable[..., LocalArchive]
OTHER_AGENT = "otheragentx"
QUICK_BACKOFF = LockBackoff(first_s=0.2, max_s=0.5)


def lock_of(archive: LocalArchive) -> tuple[Any, str]:
    """The archive's S3 client and the demo delivery's control bucket."""
    names = archive.network_config.names_for("demo_set", "0001", "staging")
    return archive.boto3_client("s3"), names.control_bucket


def lock_held_elsewhere(archive: LocalArchive) -> tuple[Any, str]:
    """Another uploader's lock in the demo delivery's control bucket, as it writes one."""
    archive.provision_delivery(DEMO_LABEL)
    s3, bucket = lock_of(archive)
    s3.put_object(Bucket=bucket, Key="lock/client", Body=OTHER_AGENT.encode())
    return s3, bucket


def ended_busy(qtbot: QtBot, window: MainWindow) -> str:
    """Start, wait for the end; returns the end summary's headline."""
    window.delivery_panel.start_button.click()
    qtbot.waitUntil(lambda: window.delivery.last_end is not None, timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.delivery.controller.is_running, timeout=RUN_TIMEOUT_MS)
    assert window.delivery.last_end is not None
    assert window.delivery.last_end.outcome == "archive busy"
    return window.transfer_bar.end_summary.outcome_label.text()


def wait_text(window: MainWindow) -> str:
    return window.transfer_bar.end_summary.lock_wait_row.status_label.text()


def test_the_busy_archive_names_the_holder_and_delivers_once_the_lock_is_free(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    archive = archive_factory()
    window = ready_window(
        qtbot, delivery_window_factory, archive, tmp_path / "data", lock_backoff=QUICK_BACKOFF
    )
    s3, bucket = lock_held_elsewhere(archive)

    headline = ended_busy(qtbot, window)

    assert headline.startswith("The archive is busy: another delivery holds its lock — ")
    assert f"uploader agent {OTHER_AGENT} on another computer or user account" in headline
    assert "lock last refreshed at " in headline
    assert " ago)" in headline
    assert set(states(window).values()) == {"ready"}  # nothing was sent
    row = window.transfer_bar.end_summary.lock_wait_row
    assert row.wait_button.isVisible()
    row.wait_button.click()
    qtbot.waitUntil(lambda: "next check in" in wait_text(window), timeout=RUN_TIMEOUT_MS)
    assert wait_text(window).startswith("Waiting for the lock…")
    assert row.cancel_button.isVisible()
    assert not window.delivery_panel.start_button.isEnabled()  # the wait is this delivery's
    assert window.delivery.is_running

    s3.delete_object(Bucket=bucket, Key="lock/client")  # the other delivery ends

    qtbot.waitUntil(lambda: window.delivery.controller.is_running, timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.delivery.last_end is not None, timeout=RUN_TIMEOUT_MS)
    assert window.delivery.last_end is not None
    assert window.delivery.last_end.outcome == "all files valid"
    assert set(states(window).values()) == {"valid"}
    summary = window.transfer_bar.end_summary
    assert summary.outcome_label.text().startswith("Delivered — all 4 files valid")
    assert not summary.lock_wait_row.isVisible()


def test_cancel_stops_the_waiting_and_no_delivery_starts(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    archive = archive_factory()
    # A long first delay: Cancel must not wait it out.
    slow = LockBackoff(first_s=120.0, max_s=120.0, jitter=0.0)
    window = ready_window(
        qtbot, delivery_window_factory, archive, tmp_path / "data", lock_backoff=slow
    )
    s3, bucket = lock_held_elsewhere(archive)
    ended_busy(qtbot, window)
    busy_end = window.delivery.last_end
    row = window.transfer_bar.end_summary.lock_wait_row
    row.wait_button.click()
    # About two minutes to the next check (the countdown may have begun by the time it shows).
    qtbot.waitUntil(lambda: "next check in 1 min" in wait_text(window), timeout=RUN_TIMEOUT_MS)

    row.cancel_button.click()

    assert wait_text(window) == CANCELLED_TEXT
    assert row.wait_button.isVisible()
    assert not row.cancel_button.isVisible()
    assert window.delivery_panel.start_button.isEnabled()
    assert not window.delivery.is_running
    waiter = window.delivery.lock_wait.waiter
    qtbot.waitUntil(lambda: not waiter.is_checking, timeout=10_000)  # woken, not 2 min later
    s3.delete_object(Bucket=bucket, Key="lock/client")
    QApplication.processEvents()  # anything the ended thread queued is delivered now
    assert not window.delivery.controller.is_running
    assert window.delivery.last_end is busy_end  # no new session
    assert set(states(window).values()) == {"ready"}


def test_a_stale_lock_is_a_guarded_question_and_no_leaves_it_alone(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    # Every lock of the delivery (ours, the validator's, the init step's) is refreshed every
    # threshold/4. At 2 s this test once timed out waiting for verdicts after the takeover in
    # the whole suite on 2 loaded cores (it passes alone): a refresh stalled past the threshold
    # is the likely cause. 8 s tolerates stalls of 6 s; the product's threshold is an hour.
    threshold_s = 8.0
    archive = archive_factory(lock_staleness_threshold_s=threshold_s)
    window = ready_window(qtbot, delivery_window_factory, archive, tmp_path / "data")
    s3, bucket = lock_held_elsewhere(archive)
    before = s3.head_object(Bucket=bucket, Key="lock/client")
    written_at = time.time()
    # Stale by S3's clock: wait until the lock is older than the threshold.
    qtbot.waitUntil(
        lambda: time.time() - written_at > threshold_s + 1.5,
        timeout=int(threshold_s * 1000) + 5_000,
    )

    window.delivery_panel.start_button.click()
    qtbot.waitUntil(lambda: open_box(window) is not None, timeout=RUN_TIMEOUT_MS)
    box = open_box(window)
    assert box is not None
    assert box.windowTitle() == "Take over the upload lock?"
    text = box.text()
    assert f"uploader agent {OTHER_AGENT}" in text  # who
    assert "last refreshed" in text
    assert "ago" in text
    assert "on this or any other computer" in text
    # Not taking over is what Enter, Esc and closing the box choose.
    assert box.defaultButton().text() == "Stop"
    assert box.escapeButton() is box.defaultButton()
    box.defaultButton().click()

    qtbot.waitUntil(lambda: window.delivery.last_end is not None, timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.delivery.is_running, timeout=RUN_TIMEOUT_MS)
    after = s3.head_object(Bucket=bucket, Key="lock/client")
    assert after["ETag"] == before["ETag"]  # the other's lock, untouched
    assert s3.get_object(Bucket=bucket, Key="lock/client")["Body"].read() == OTHER_AGENT.encode()
    assert set(states(window).values()) == {"ready"}

    window.delivery_panel.start_button.click()  # now yes: it is taken and the files delivered
    qtbot.waitUntil(lambda: open_box(window) is not None, timeout=RUN_TIMEOUT_MS)
    box = open_box(window)
    assert box is not None
    (take_over,) = [b for b in box.buttons() if b.text() == "Take over"]
    take_over.click()
    qtbot.waitUntil(lambda: set(states(window).values()) == {"valid"}, timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.delivery.is_running, timeout=RUN_TIMEOUT_MS)
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="lock/client")
    assert listed.get("KeyCount", 0) == 0  # ours, released at the end
