"""The run's retry timers: a file parked by a pause during its retry delay leaves no timer
behind, so the coordinator of a paused run has nothing to wake up for."""

from __future__ import annotations

from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.transfer.run_state import Phase, RunState, Slot


def test_a_retry_timer_counts_only_while_its_file_waits_for_it() -> None:
    state = RunState()
    first = Slot(FileFingerprint("a.fits", 1, 0, None), Phase.ACTIVE)
    second = Slot(FileFingerprint("b.fits", 1, 0, None), Phase.ACTIVE)
    state.slots = {"a.fits": first, "b.fits": second}
    state.schedule_retry(first, 10.0)
    state.schedule_retry(second, 20.0)

    assert state.next_retry_at() == 10.0
    first.phase = Phase.PARKED  # a pause parked it during its delay
    assert state.next_retry_at() == 20.0
    second.phase = Phase.PARKED
    assert state.next_retry_at() is None
    assert state.due_retries(now=100.0) == []
