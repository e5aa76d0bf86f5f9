"""The five groups a person filters the file table by, and which file states fall in each.

Every `FileState` is in exactly one group besides "All", so the groups' counts add up to the
number of files and no file can hide from every filter:

- Problems: the archive refused it (`invalid`) or it could not be sent (`failed`).
- In progress: work is happening or a verdict is awaited (hashing, queued, uploading, retrying,
  uploaded).
- Waiting: nothing is happening to it until the person starts or resumes (ready, paused).
- Done: the archive accepted it (`valid`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

from uploader_gui.core.engine.file_states import FileState


class StateGroup(enum.Enum):
    """A filter of the file table; the value is the word on its button."""

    ALL = "All"
    PROBLEMS = "Problems"
    IN_PROGRESS = "In progress"
    WAITING = "Waiting"
    DONE = "Done"


_S = FileState
GROUP_STATES: Mapping[StateGroup, frozenset[str]] = MappingProxyType(
    {
        StateGroup.PROBLEMS: frozenset({_S.INVALID.value, _S.FAILED.value}),
        StateGroup.IN_PROGRESS: frozenset(
            {
                _S.HASHING.value,
                _S.PENDING.value,
                _S.TRANSFERRING.value,
                _S.RETRYING.value,
                _S.DONE.value,
            }
        ),
        StateGroup.WAITING: frozenset({_S.READY.value, _S.PAUSED.value}),
        StateGroup.DONE: frozenset({_S.VALID.value}),
    }
)
del _S

GROUP_TIPS: Mapping[StateGroup, str] = MappingProxyType(
    {
        StateGroup.ALL: "Every file in the folder",
        StateGroup.PROBLEMS: "Files the archive refused (invalid) or that could not be sent "
        "(failed)",
        StateGroup.IN_PROGRESS: "Files being hashed, queued, uploaded, retried, or uploaded and "
        "awaiting the archive's verdict",
        StateGroup.WAITING: "Files not started yet, or paused",
        StateGroup.DONE: "Files the archive accepted (valid)",
    }
)


def states_of(group: StateGroup) -> frozenset[str] | None:
    """The state values `group` shows; None for "All" (every row, whatever its state)."""
    return None if group is StateGroup.ALL else GROUP_STATES[group]


def group_counts(state_counts: Mapping[str, int]) -> dict[StateGroup, int]:
    """How many files each group shows, from a count per state value (unknown states: All only)."""
    counts = {group: 0 for group in StateGroup}
    for group, states in GROUP_STATES.items():
        counts[group] = sum(state_counts.get(state, 0) for state in states)
    counts[StateGroup.ALL] = sum(state_counts.values())
    return counts


def group_button_text(group: StateGroup, count: int) -> str:
    """`Problems (1,234)`."""
    return f"{group.value} ({count:,})"
