"""How a session ended, in one value: for the CLI's exit status and summary, the window's last
word, and the `SessionEnded` event."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from uploader_gui.core.engine.file_states import FileState, FileTracker
from uploader_gui.core.engine.session_states import SessionOutcome, SessionState
from uploader_gui.core.events import LockHolder, SessionEnded


@dataclass(frozen=True)
class SessionSummary:
    """The outcome, why, the files by state, every invalid or failed file, the receipt."""

    outcome: SessionOutcome
    message: str
    delivery_key: int | None
    counts: dict[FileState, int]
    files_total: int
    problems: tuple[tuple[str, str, str], ...] = ()  # (path, state, reason)
    receipt_paths: tuple[str, ...] = field(default=())
    lock_holder: LockHolder | None = None  # who holds the lock, when the archive was busy

    @property
    def exit_status(self) -> int:
        return self.outcome.exit_status


def summarise(
    outcome: SessionOutcome,
    message: str,
    delivery_key: int | None,
    tracker: FileTracker | None,
    reasons: Mapping[str, tuple[str, str]],
    receipt_paths: tuple[str, ...],
    lock_holder: LockHolder | None = None,
) -> SessionSummary:
    """The summary from the tracker's final states and the reasons seen for each problem."""
    counts = tracker.count_by_state() if tracker is not None else {}
    problems: list[tuple[str, str, str]] = []
    if tracker is not None:
        for state in (FileState.INVALID, FileState.FAILED):
            for path in tracker.paths_in(state):
                _, reason = reasons.get(path, (state.value, ""))
                problems.append((path, state.value, reason))
    return SessionSummary(
        outcome=outcome,
        message=message,
        delivery_key=delivery_key,
        counts=dict(counts),
        files_total=len(tracker) if tracker is not None else 0,
        problems=tuple(problems),
        receipt_paths=receipt_paths,
        lock_holder=lock_holder,
    )


def ended_event(summary: SessionSummary, state: SessionState) -> SessionEnded:
    counts: Counter[FileState] = Counter(summary.counts)
    return SessionEnded(
        outcome=summary.outcome.value,
        state=state.value,
        message=summary.message,
        files_total=summary.files_total,
        files_valid=counts[FileState.VALID],
        files_invalid=counts[FileState.INVALID],
        files_failed=counts[FileState.FAILED],
        exit_status=summary.exit_status,
        receipt_paths=summary.receipt_paths,
        lock_holder=summary.lock_holder,
    )
