"""The table's filter groups: every file state is shown by exactly one of them."""

from __future__ import annotations

from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.state_groups import (
    GROUP_STATES,
    StateGroup,
    group_button_text,
    group_counts,
    states_of,
)


def test_every_file_state_is_in_exactly_one_group() -> None:
    for state in FileState:
        groups = [group for group, states in GROUP_STATES.items() if state.value in states]
        assert len(groups) == 1, f"{state.value} is in {groups}"
    every_grouped = set().union(*GROUP_STATES.values())
    assert every_grouped == {state.value for state in FileState}


def test_problems_are_invalid_and_failed_and_done_is_valid() -> None:
    assert states_of(StateGroup.PROBLEMS) == {"invalid", "failed"}
    assert states_of(StateGroup.DONE) == {"valid"}
    assert states_of(StateGroup.ALL) is None
    assert {"pending", "transferring", "retrying", "done"} <= GROUP_STATES[StateGroup.IN_PROGRESS]
    assert {"ready", "paused"} <= GROUP_STATES[StateGroup.WAITING]


def test_group_counts_add_up_to_all() -> None:
    counts = group_counts({"ready": 3, "failed": 2, "invalid": 1, "valid": 4, "transferring": 5})
    assert counts == {
        StateGroup.ALL: 15,
        StateGroup.PROBLEMS: 3,
        StateGroup.IN_PROGRESS: 5,
        StateGroup.WAITING: 3,
        StateGroup.DONE: 4,
    }
    assert sum(c for g, c in counts.items() if g is not StateGroup.ALL) == counts[StateGroup.ALL]


def test_button_text_has_thousands_separators() -> None:
    assert group_button_text(StateGroup.PROBLEMS, 1234567) == "Problems (1,234,567)"
