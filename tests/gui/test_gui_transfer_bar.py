"""The delivery strip says the session's real state: in every `SessionState`, the state line,
whether a speed and a time left are shown, and which run buttons can be clicked."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from uploader_gui.core.engine.session_states import SessionState
from uploader_gui.core.events import TransferProgressed
from uploader_gui.ui.transfer_bar import TransferBar

S = SessionState
PROGRESS = TransferProgressed(
    bytes_uploaded=3 * 1024**2,
    bytes_processed=3 * 1024**2,
    bytes_total=4 * 1024**2,
    files_finished=98,
    files_total=400,
    rate_bytes_per_s=1024**2,
    eta_s=2.0,
)
DETAIL = "the engine's detail"

# state → (state line starts with, speed and time left shown, Pause/Resume text or None when
# disabled, Cancel enabled, Stop enabled, Retry failed enabled with a failed file)
ROWS = {
    S.CHECKING: ("Checking", False, None, True, True, False),
    S.CONNECTING: ("Connecting", False, None, True, True, False),
    S.LOCKING: ("Taking the upload lock", False, None, True, True, False),
    S.STARTING_PIPELINE: ("Starting the archive's pipeline", False, None, True, True, False),
    S.TRANSFERRING: ("Transferring", True, "&Pause", True, True, True),
    S.PAUSED: ("Paused", False, "Res&ume", True, True, True),
    S.OFFLINE: ("Waiting for the network", False, "&Pause", True, True, False),
    S.SIGN_IN_NEEDED: ("Waiting for sign-in", False, None, True, True, False),
    S.AWAITING_VERDICTS: ("Waiting for the archive's verdicts", False, None, True, True, True),
    S.STOPPING: ("Stopping", False, None, False, False, False),
    S.COMPLETE: ("Complete", False, None, False, False, False),
    S.STOPPED: ("Stopped", False, None, False, False, False),
    S.FAILED: ("Failed", False, None, False, False, False),
}


def test_the_table_covers_every_session_state() -> None:
    assert set(ROWS) == set(SessionState)


@pytest.fixture
def bar(qtbot: QtBot) -> TransferBar:
    bar = TransferBar()
    qtbot.addWidget(bar)
    bar.begin()
    bar.show_counts({"failed": 1, "transferring": 2}, is_running=True)
    bar.show_state(S.TRANSFERRING, "400 files")
    bar.show_progress(PROGRESS)
    return bar


@pytest.mark.parametrize("state", list(SessionState))
def test_each_state_shows_its_words_and_only_the_buttons_that_work(
    bar: TransferBar, state: SessionState
) -> None:
    headline, is_moving, pause_text, can_cancel, can_stop, can_retry = ROWS[state]

    bar.show_state(state, DETAIL)

    assert bar.state_label.text() == f"{headline}: {DETAIL}"
    progress = bar.progress_label.text()
    assert progress.startswith("3.00 MiB of 4.00 MiB · 98 of 400 files")  # kept in every state
    assert ("MiB/s" in progress) is is_moving
    assert ("left" in progress) is is_moving
    assert bar.pause_button.isEnabled() is (pause_text is not None)
    if pause_text is not None:
        assert bar.pause_button.text() == pause_text
    assert bar.cancel_button.isEnabled() is can_cancel
    assert bar.stop_button.isEnabled() is can_stop
    assert bar.retry_button.isEnabled() is can_retry


def test_paused_drops_speed_and_time_left_and_resuming_brings_them_back(bar: TransferBar) -> None:
    assert "1.00 MiB/s · about 2 s left" in bar.progress_label.text()

    bar.show_state(S.PAUSED, "finished parts are kept; resume to go on")
    assert bar.state_label.text().startswith("Paused")
    assert bar.progress_label.text() == "3.00 MiB of 4.00 MiB · 98 of 400 files"

    bar.show_state(S.TRANSFERRING, "400 files")
    assert bar.state_label.text() == "Transferring: 400 files"
    assert "about 2 s left" in bar.progress_label.text()


def test_resume_is_asked_for_when_paused_and_the_button_waits_for_the_session(
    bar: TransferBar, qtbot: QtBot
) -> None:
    bar.show_state(S.PAUSED, "")
    with qtbot.waitSignal(bar.resumeRequested, timeout=1000):
        bar.pause_button.click()
    assert not bar.pause_button.isEnabled()  # no second click until the session answers
    assert bar.pause_button.text() == "Res&ume"
    bar.show_state(S.TRANSFERRING, "400 files")
    with qtbot.waitSignal(bar.pauseRequested, timeout=1000):
        bar.pause_button.click()


def test_a_state_without_detail_reads_as_ongoing(bar: TransferBar) -> None:
    bar.show_state(S.CHECKING, "")
    assert bar.state_label.text() == "Checking…"


def test_offline_says_so_with_the_engines_detail(bar: TransferBar) -> None:
    detail = "resumes when the archive is reachable; trying again in 4 s"
    bar.show_state(S.OFFLINE, detail)
    assert bar.state_label.text() == f"Waiting for the network: {detail}"
    bar.show_state(S.TRANSFERRING, "400 files")
    assert bar.state_label.text() == "Transferring: 400 files"


def test_speed_shows_files_per_second_next_to_bytes(bar: TransferBar) -> None:
    bar.show_progress(
        TransferProgressed(
            bytes_uploaded=300_000,
            bytes_processed=300_000,
            bytes_total=400_000,
            files_finished=100,
            files_total=400,
            rate_bytes_per_s=3_360.0,
            eta_s=24.0,
            rate_files_per_s=12.34,
        )
    )
    assert bar.progress_label.text().endswith("3.28 KiB/s · 12.3 files/s · about 24 s left")


def test_the_validators_progress_is_shown_apart_from_the_transfer(bar: TransferBar) -> None:
    bar.show_counts({"valid": 10, "invalid": 2, "done": 5, "transferring": 3}, is_running=True)
    assert bar.checked_label.text() == "12 of 20 checked"
    assert "checked" not in bar.progress_label.text()
