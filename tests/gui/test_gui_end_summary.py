"""The end of a delivery in plain words: for every way a session ends, the outcome, the files
by result, the time taken, the bar at the real share, and only the next steps that apply."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pytestqt.qtbot import QtBot

from uploader_gui.core.engine.session_states import SessionOutcome, SessionState
from uploader_gui.core.events import LockHolder, SessionEnded, TransferProgressed
from uploader_gui.ui.transfer_bar import PROGRESS_STEPS, TransferBar

OUT = SessionOutcome
RECEIPT = ("/tmp/receipts/demo_set-0001.json",)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def ended(
    outcome: SessionOutcome,
    message: str,
    *,
    valid: int,
    invalid: int = 0,
    failed: int = 0,
    total: int = 10,
    receipt: tuple[str, ...] = RECEIPT,
    lock_holder: LockHolder | None = None,
) -> SessionEnded:
    return SessionEnded(
        outcome=outcome.value,
        state=outcome.final_state.value,
        message=message,
        files_total=total,
        files_valid=valid,
        files_invalid=invalid,
        files_failed=failed,
        exit_status=outcome.exit_status,
        receipt_paths=receipt,
        lock_holder=lock_holder,
    )


LOCK_WRITTEN = datetime(2026, 11, 30, 9, 15, 4, tzinfo=UTC)
LOCAL_WRITTEN = LOCK_WRITTEN.astimezone()
HOLDER = LockHolder(
    lock_key="lock/client",
    agent_id="otheragentx",
    is_this_computer=False,
    written_at=LOCK_WRITTEN.isoformat(),
    age_s=42.0,
    dataset="demo_set",
    delivery_id="0001",
    transfer_type="staging",
)


# outcome → (the ended event, the outcome line, the results line, visible next-step buttons)
CASES = {
    OUT.ALL_VALID: (
        ended(OUT.ALL_VALID, "all 10 files are valid", valid=10),
        "Delivered — all 10 files valid",
        "10 valid of 10 files · took 3 min 05 s",
        {"receipt"},
    ),
    OUT.NOTHING_TO_DO: (
        ended(OUT.NOTHING_TO_DO, "nothing to do", valid=10),
        "Delivered — nothing to send: all 10 files were already valid",
        "10 valid of 10 files · took 3 min 05 s",
        {"receipt"},
    ),
    OUT.WITH_PROBLEMS: (
        ended(OUT.WITH_PROBLEMS, "1 invalid, 2 failed", valid=7, invalid=1, failed=2),
        "Delivered with 1 invalid file and 2 failed files",
        "7 valid · 1 invalid · 2 failed of 10 files · took 3 min 05 s",
        {"invalid", "resend", "retry", "receipt"},
    ),
    OUT.TOO_MANY_FAILURES: (
        ended(OUT.TOO_MANY_FAILURES, "11 files failed validation", valid=0, invalid=11, total=20),
        "Stopped — Start again to resume (11 files failed validation)",
        "11 invalid · 9 not sent of 20 files · took 3 min 05 s",
        {"invalid", "resend", "receipt"},
    ),
    OUT.VALIDATOR_STOPPED: (
        ended(OUT.VALIDATOR_STOPPED, "the validator wrote nothing for 95 s", valid=4),
        "Stopped — Start again to resume (the validator wrote nothing for 95 s)",
        "4 valid · 6 not sent of 10 files · took 3 min 05 s",
        {"receipt"},
    ),
    OUT.LOCK_LOST: (
        ended(OUT.LOCK_LOST, "another uploader took the lock", valid=4, receipt=()),
        "Stopped — Start again to resume (another uploader took the lock)",
        "4 valid · 6 not sent of 10 files · took 3 min 05 s",
        set(),
    ),
    OUT.OFFLINE: (
        ended(OUT.OFFLINE, "the archive could not be reached for 60 min", valid=4),
        "Stopped — Start again to resume (the archive could not be reached for 60 min)",
        "4 valid · 6 not sent of 10 files · took 3 min 05 s",
        {"receipt"},
    ),
    OUT.SIGN_IN_ENDED: (
        ended(OUT.SIGN_IN_ENDED, "stopped: the archive needs a new sign-in", valid=4, failed=1),
        "Stopped — Start again to resume (stopped: the archive needs a new sign-in)",
        "4 valid · 1 failed · 5 not sent of 10 files · took 3 min 05 s",
        {"retry", "receipt"},
    ),
    OUT.ARCHIVE_BUSY: (
        ended(OUT.ARCHIVE_BUSY, "another delivery holds the lock", valid=0, lock_holder=HOLDER),
        "The archive is busy: another delivery holds its lock — uploader agent otheragentx on "
        "another computer or user account, lock last refreshed at "
        f"{LOCAL_WRITTEN:%d %b %Y %H:%M:%S} (42 s ago)",
        "10 not sent of 10 files · took 3 min 05 s",
        {"wait", "receipt"},
    ),
    OUT.INTERRUPTED: (
        ended(OUT.INTERRUPTED, "stopped on request; run again to resume", valid=4),
        "Stopped — Start again to resume (stopped on request; run again to resume)",
        "4 valid · 6 not sent of 10 files · took 3 min 05 s",
        {"receipt"},
    ),
    OUT.CANCELLED: (
        ended(OUT.CANCELLED, "cancelled; partial uploads were discarded", valid=4),
        "Cancelled — Start again to send the rest (cancelled; partial uploads were discarded)",
        "4 valid · 6 not sent of 10 files · took 3 min 05 s",
        {"receipt"},
    ),
    OUT.BAD_INPUT: (
        ended(OUT.BAD_INPUT, "label.yaml line 3: dataset is missing", valid=0, receipt=()),
        "Failed — label.yaml line 3: dataset is missing",
        "10 not sent of 10 files · took 3 min 05 s",
        set(),
    ),
    OUT.COULD_NOT_RUN: (
        ended(OUT.COULD_NOT_RUN, "the archive refused the sign-in", valid=0, total=0, receipt=()),
        "Failed — the archive refused the sign-in",
        "took 3 min 05 s",
        set(),
    ),
    OUT.FAILED: (
        ended(OUT.FAILED, "the state store cannot be written", valid=2, receipt=()),
        "Failed — the state store cannot be written",
        "2 valid · 8 not sent of 10 files · took 3 min 05 s",
        set(),
    ),
    OUT.CRASHED: (
        ended(OUT.CRASHED, "internal error: KeyError: 'x'", valid=2, failed=1),
        "Failed — internal error: KeyError: 'x'",
        "2 valid · 1 failed · 7 not sent of 10 files · took 3 min 05 s",
        {"retry", "receipt"},
    ),
}


def test_every_outcome_has_a_case() -> None:
    assert set(CASES) == set(SessionOutcome)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bar(qtbot: QtBot, clock: FakeClock) -> TransferBar:
    """A bar whose run got to 99 % with a speed and "about 0 s left", as before the fix."""
    bar = TransferBar(clock=clock)
    qtbot.addWidget(bar)
    bar.begin()
    bar.show_state(SessionState.TRANSFERRING, "10 files")
    bar.show_counts({"paused": 4, "ready": 3, "valid": 3}, is_running=True)
    bar.show_progress(
        TransferProgressed(
            bytes_uploaded=990,
            bytes_processed=990,
            bytes_total=1000,
            files_finished=9,
            files_total=10,
            rate_bytes_per_s=100.0,
            eta_s=0.1,
        )
    )
    clock.now += 185.0
    return bar


def visible_buttons(bar: TransferBar) -> set[str]:
    summary = bar.end_summary
    named = {
        "invalid": summary.invalid_button,
        "resend": summary.resend_button,
        "retry": summary.retry_button,
        "receipt": summary.receipt_button,
        "wait": summary.lock_wait_row.wait_button,  # "Try again when it is free"
    }
    return {name for name, button in named.items() if button.isVisible()}


@pytest.mark.parametrize("outcome", list(SessionOutcome))
def test_each_ending_says_what_it_came_to(bar: TransferBar, outcome: SessionOutcome) -> None:
    event, outcome_line, results_line, buttons = CASES[outcome]

    bar.show_end(event)

    summary = bar.end_summary
    assert summary.isVisible()
    assert summary.outcome_label.text() == outcome_line
    assert summary.results_label.text() == results_line
    assert visible_buttons(bar) == buttons
    # However it ended, the person can save what the help desk needs.
    assert bar.end_summary.bundle_button.isVisible()
    assert bar.end_summary.bundle_button.isEnabled()
    settled = event.files_valid + event.files_invalid + event.files_failed
    fraction = settled / event.files_total if event.files_total else 0.0
    assert bar.progress_bar.value() == round(fraction * PROGRESS_STEPS)
    assert bar.progress_bar.text() == f"{settled} of {event.files_total} files finished"
    # Nothing of the run is left to contradict it: no state line, speed, time left, run buttons.
    for widget in (bar.state_label, bar.progress_label, bar.counts_label, bar.checked_label):
        assert not widget.isVisible()
    for button in (bar.pause_button, bar.cancel_button, bar.stop_button, bar.retry_button):
        assert not button.isVisible()
        assert not button.isEnabled()


def test_a_delivery_with_problems_says_what_to_do_next(bar: TransferBar) -> None:
    event, *_ = CASES[OUT.WITH_PROBLEMS]
    bar.show_end(event)
    step = bar.end_summary.next_step_label
    assert step.isVisible()
    assert "Fix the invalid files, then Send the fixed files again" in step.text()
    # The button says what it really does: a new session, which sends every invalid file.
    resend = bar.end_summary.resend_button
    assert "new delivery session, as Start does" in resend.toolTip()
    assert "every invalid file is sent again" in resend.toolTip()
    assert "Retry failed sends the failed files again" in step.text()

    bar.begin()
    bar.show_end(CASES[OUT.ALL_VALID][0])
    assert not step.isVisible()


def test_a_new_start_hides_the_summary_and_shows_the_run_again(bar: TransferBar) -> None:
    bar.show_end(CASES[OUT.INTERRUPTED][0])
    bar.begin()
    assert not bar.end_summary.isVisible()
    assert bar.state_label.isVisible()
    assert bar.stop_button.isVisible()
    assert bar.stop_button.isEnabled()
    assert bar.progress_bar.value() == 0
    assert bar.progress_bar.text() == "0%"


def test_a_late_progress_event_leaves_the_final_bar_alone(bar: TransferBar) -> None:
    bar.show_end(CASES[OUT.ALL_VALID][0])
    bar.show_progress(
        TransferProgressed(
            bytes_uploaded=990,
            bytes_processed=990,
            bytes_total=1000,
            files_finished=9,
            files_total=10,
            rate_bytes_per_s=100.0,
            eta_s=0.1,
        )
    )
    assert bar.progress_bar.value() == PROGRESS_STEPS


@pytest.mark.parametrize(
    ("button_name", "signal_name"),
    [
        ("invalid_button", "invalidFilesRequested"),
        ("retry_button", "retryRequested"),
        ("receipt_button", "receiptRequested"),
        ("bundle_button", "supportBundleRequested"),
        ("resend_button", "resendRequested"),
    ],
)
def test_each_next_step_button_asks_for_its_step(
    bar: TransferBar, qtbot: QtBot, button_name: str, signal_name: str
) -> None:
    bar.show_end(CASES[OUT.WITH_PROBLEMS][0])
    with qtbot.waitSignal(getattr(bar, signal_name), timeout=1000):
        getattr(bar.end_summary, button_name).click()
