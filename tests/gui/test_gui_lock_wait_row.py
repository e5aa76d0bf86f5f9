"""The busy archive's row: the offer, the countdown to the next check, and what came of it."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from uploader_gui.ui.lock_wait_row import (
    CANCELLED_TEXT,
    CHECKING_TEXT,
    LockWaitRow,
    next_check_text,
)


class FakeClock:
    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


def test_the_next_check_is_said_in_whole_seconds_rounded_up() -> None:
    assert next_check_text(40.0) == "Waiting for the lock… next check in 40 s"
    assert next_check_text(0.3) == "Waiting for the lock… next check in 1 s"
    assert next_check_text(0.0) == CHECKING_TEXT
    assert next_check_text(5.0, "could not read the lock: timeout").endswith(
        "in 5 s (could not read the lock: timeout)"
    )


def test_the_row_counts_down_and_offers_again_after_cancel(qtbot: QtBot) -> None:
    clock = FakeClock()
    row = LockWaitRow(clock=clock)
    qtbot.addWidget(row)
    row.show()
    assert row.wait_button.isVisible()
    assert not row.cancel_button.isVisible()

    row.show_next_check(60.0, "")
    assert row.status_label.text() == "Waiting for the lock… next check in 1 min"
    assert not row.wait_button.isVisible()
    assert row.cancel_button.isVisible()
    clock.now_s += 35.0
    row.timer.timeout.emit()  # the once-a-second tick
    assert row.status_label.text() == "Waiting for the lock… next check in 25 s"
    with qtbot.waitSignal(row.cancelRequested):
        row.cancel_button.click()

    row.show_offer(CANCELLED_TEXT)
    assert row.status_label.text() == CANCELLED_TEXT
    assert row.wait_button.isVisible()
    assert not row.timer.isActive()
