"""Each way a session ends: its final state and the CLI's exit status (issue 5)."""

from __future__ import annotations

import pytest

from uploader_gui.core.engine.session_states import SessionOutcome, SessionState

OUT = SessionOutcome


@pytest.mark.parametrize(
    ("outcome", "state", "status"),
    [
        (OUT.ALL_VALID, SessionState.COMPLETE, 0),
        (OUT.NOTHING_TO_DO, SessionState.COMPLETE, 0),
        (OUT.WITH_PROBLEMS, SessionState.COMPLETE, 1),
        (OUT.TOO_MANY_FAILURES, SessionState.STOPPED, 1),
        (OUT.BAD_INPUT, SessionState.FAILED, 2),
        (OUT.COULD_NOT_RUN, SessionState.FAILED, 3),
        (OUT.LOCK_LOST, SessionState.STOPPED, 3),
        (OUT.ARCHIVE_BUSY, SessionState.STOPPED, 3),
        (OUT.VALIDATOR_STOPPED, SessionState.STOPPED, 3),
        (OUT.FAILED, SessionState.FAILED, 3),
        (OUT.CRASHED, SessionState.FAILED, 3),
        (OUT.INTERRUPTED, SessionState.STOPPED, 130),
        (OUT.CANCELLED, SessionState.STOPPED, 130),
    ],
)
def test_outcomes_map_to_a_final_state_and_exit_status(
    outcome: SessionOutcome, state: SessionState, status: int
) -> None:
    assert outcome.final_state is state
    assert state.is_final
    assert outcome.exit_status == status


def test_running_states_are_not_final() -> None:
    assert not SessionState.TRANSFERRING.is_final
    assert not SessionState.AWAITING_VERDICTS.is_final
