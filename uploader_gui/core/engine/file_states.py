"""The life of one file in a delivery: its states, the one table of legal changes, the verdict
rules of PROTOCOL.md §6.3, and `FileTracker`, the single place a file's state changes.

States are FAST's seven `ClientFile` states plus three phases a person needs to see: `hashing`
(its CRC32 is being computed), `retrying` (waiting out a backoff before it is queued again) and
`paused` (stopped part-way; what was sent is kept).

Decisions the transition table encodes, beyond the obvious forward path
hashing → ready → pending → transferring → done → valid | invalid:

- Cancel discards: pending, transferring, retrying and paused files go back to `ready`.
  Pause keeps: pending, transferring and retrying files go to `paused`, and from there to
  `pending` when resumed.
- A failed file can be retried (`pending`), reset (`ready`), or re-read first (`hashing`) when it
  failed because it changed on disk. A file that cannot be read while hashing fails.
- Any verdict for a file that is not yet uploaded makes it `invalid` (hashing, ready, pending,
  transferring, retrying, paused, failed); a second verdict for a judged file makes it `invalid`
  again (`invalid → invalid` is the only self-transition, so the new message is saved).
- Resume (PROTOCOL.md §9): a file found valid in an earlier session goes `ready → valid`. When a
  new session starts, files that must be sent again go back to `ready`: uploaded but never judged
  (`done`), judged invalid (a corrected file), or valid but missing from the bucket. Those three
  edges are for session start only; within a session the validator would call a re-sent file an
  "improper double validation". Files interrupted mid-transfer go to `paused`, which keeps their
  multipart parts.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol

from uploader_gui.core.errors import IllegalTransitionError
from uploader_gui.core.events import Event, FileStateChanged, VerdictReceived, WarningRaised
from uploader_gui.core.protocol.log_rows import readable_message

# Upstream MAX_TRANSFER_FAILURES: the client stops once its verdict failure count exceeds this.
MAX_TRANSFER_FAILURES = 10

VERDICT_OK = "ok"
DOUBLE_VALIDATION_MESSAGE = "improper double validation"
PREMATURE_VERDICT_MESSAGE = "validator reported success before transfer complete"


class FileState(StrEnum):
    """Where one file is in its delivery; the value is what the store and events carry."""

    HASHING = "hashing"
    READY = "ready"
    PENDING = "pending"
    TRANSFERRING = "transferring"
    RETRYING = "retrying"
    PAUSED = "paused"
    DONE = "done"
    FAILED = "failed"
    VALID = "valid"
    INVALID = "invalid"

    @property
    def label(self) -> str:
        """The word a person sees in the file table."""
        return _LABELS[self]

    @property
    def fast_state(self) -> str:
        """The nearest upstream `ClientFile` state, for state reports FAST tools can read."""
        return _FAST_STATES.get(self, self.value)


_LABELS: Mapping[FileState, str] = MappingProxyType(
    {
        FileState.HASHING: "hashing",
        FileState.READY: "ready",
        FileState.PENDING: "queued",
        FileState.TRANSFERRING: "uploading",
        FileState.RETRYING: "retrying",
        FileState.PAUSED: "paused",
        FileState.DONE: "uploaded",
        FileState.FAILED: "failed",
        FileState.VALID: "valid",
        FileState.INVALID: "invalid",
    }
)

# A paused or hashing file would be picked up again as `ready`; a retrying one is a failed
# attempt that will be retried.
_FAST_STATES: Mapping[FileState, str] = MappingProxyType(
    {FileState.HASHING: "ready", FileState.PAUSED: "ready", FileState.RETRYING: "failed"}
)

_S = FileState
ALLOWED_TRANSITIONS: Mapping[FileState, frozenset[FileState]] = MappingProxyType(
    {
        _S.HASHING: frozenset({_S.READY, _S.FAILED, _S.INVALID}),
        _S.READY: frozenset({_S.PENDING, _S.HASHING, _S.VALID, _S.INVALID}),
        _S.PENDING: frozenset({_S.TRANSFERRING, _S.PAUSED, _S.READY, _S.INVALID}),
        _S.TRANSFERRING: frozenset(
            {_S.DONE, _S.FAILED, _S.RETRYING, _S.PAUSED, _S.READY, _S.INVALID}
        ),
        _S.RETRYING: frozenset({_S.PENDING, _S.PAUSED, _S.FAILED, _S.READY, _S.INVALID}),
        _S.PAUSED: frozenset({_S.PENDING, _S.READY, _S.INVALID}),
        _S.FAILED: frozenset({_S.PENDING, _S.READY, _S.HASHING, _S.INVALID}),
        _S.DONE: frozenset({_S.VALID, _S.INVALID, _S.READY}),
        _S.VALID: frozenset({_S.INVALID, _S.READY}),
        _S.INVALID: frozenset({_S.INVALID, _S.READY}),
    }
)
del _S


def check_transition(old: FileState, new: FileState, *, path: str = "") -> None:
    """Raise `IllegalTransitionError` naming both states unless the table allows old → new."""
    if new not in ALLOWED_TRANSITIONS[old]:
        where = f" for {path}" if path else ""
        allowed = ", ".join(sorted(ALLOWED_TRANSITIONS[old]))
        raise IllegalTransitionError(
            f"illegal file state change {old.value} → {new.value}{where} "
            f"(from {old.value} only: {allowed})"
        )


@dataclass(frozen=True, slots=True)
class VerdictOutcome:
    """What a validator verdict does to a file, and whether it counts towards the failure limit."""

    new_state: FileState
    message: str
    is_failure: bool


def apply_verdict(state: FileState, status: str, message: str) -> VerdictOutcome:
    """The §6.3 rule for one `validation` row about a file currently in `state`."""
    if state is FileState.DONE:
        if status == VERDICT_OK:
            return VerdictOutcome(FileState.VALID, message, is_failure=False)
        # An empty message would leave the person with no reason at all.
        return VerdictOutcome(
            FileState.INVALID, message or f"validator reported {status}", is_failure=True
        )
    if state in (FileState.VALID, FileState.INVALID):
        return VerdictOutcome(FileState.INVALID, DOUBLE_VALIDATION_MESSAGE, is_failure=True)
    return VerdictOutcome(FileState.INVALID, PREMATURE_VERDICT_MESSAGE, is_failure=True)


def has_exceeded_failure_limit(failure_count: int) -> bool:
    """Upstream stops at the 11th verdict failure: the count must stay ≤ 10."""
    return failure_count > MAX_TRANSFER_FAILURES


class FileStateSink(Protocol):
    """Where file states are saved before anyone is told (the store, for one delivery)."""

    def record_file_state(self, path: str, state: FileState, reason: str) -> None:
        """Save `state` for `path`; raise (e.g. `FatalError`) if it cannot be saved."""


class FileTracker:
    """Every file's state in memory; each change is checked, saved, then announced.

    Safe to call from worker threads: one lock makes check, save, update and emit a single step,
    so events for one file are emitted in the order its changes were saved.
    """

    def __init__(self, sink: FileStateSink, emit: Callable[[Event], None]) -> None:
        self._sink = sink
        self._emit = emit
        self._states: dict[str, FileState] = {}
        self._counts: Counter[FileState] = Counter()
        self._failure_count = 0
        self._lock = threading.Lock()

    def track(self, files: Iterable[tuple[str, FileState]]) -> None:
        """Start tracking files whose states are already saved (just registered, or resumed).

        Nothing is saved and nothing is emitted: these are not changes.
        """
        with self._lock:
            for path, state in files:
                previous = self._states.get(path)
                if previous is not None:
                    self._counts[previous] -= 1
                self._states[path] = state
                self._counts[state] += 1

    def __contains__(self, path: object) -> bool:
        return path in self._states

    def __len__(self) -> int:
        return len(self._states)

    def state(self, path: str) -> FileState:
        """The file's current state; `KeyError` for a path that is not tracked."""
        return self._states[path]

    def count_by_state(self) -> dict[FileState, int]:
        """How many files are in each state (states with no files left out)."""
        with self._lock:
            return {state: count for state, count in self._counts.items() if count}

    def paths_in(self, state: FileState) -> list[str]:
        """The tracked paths currently in `state`, in the order they were tracked."""
        with self._lock:
            return [path for path, current in self._states.items() if current is state]

    @property
    def failure_count(self) -> int:
        """Verdict failures and irregularities this session (transfer errors do not count)."""
        return self._failure_count

    @property
    def has_exceeded_failure_limit(self) -> bool:
        return has_exceeded_failure_limit(self._failure_count)

    def transition(self, path: str, new_state: FileState, *, reason: str = "") -> FileState:
        """Move `path` to `new_state`; return the state it left.

        Raises `KeyError` for an untracked path and `IllegalTransitionError` for a change the
        table forbids (both bugs in the caller). If saving fails, nothing changes in memory and
        no event is emitted.
        """
        with self._lock:
            return self._transition_locked(path, new_state, reason)

    def apply_verdict(self, path: str, status: str, message: str) -> VerdictOutcome | None:
        """Apply one validator verdict; `None` (and a warning) for a path not in this delivery."""
        with self._lock:
            state = self._states.get(path)
            if state is None:
                self._emit(
                    WarningRaised(
                        message=f"The validator reported on {path}, which is not in this "
                        "delivery's file list; ignored.",
                        detail=f"status {status}: {message}" if message else f"status {status}",
                    )
                )
                return None
            outcome = apply_verdict(state, status, message)
            reason = readable_message(outcome.message) if outcome.is_failure else ""

            def verdict(old_state: FileState) -> Event:
                return VerdictReceived(
                    path=path,
                    old_state=old_state.value,
                    new_state=outcome.new_state.value,
                    reason=reason,
                    status=status,
                    message=message,
                )

            self._transition_locked(path, outcome.new_state, outcome.message, announce=verdict)
            if outcome.is_failure:
                self._failure_count += 1
            return outcome

    def _transition_locked(
        self,
        path: str,
        new_state: FileState,
        reason: str,
        *,
        announce: Callable[[FileState], Event] | None = None,
    ) -> FileState:
        """Check, save, count, then emit `announce(old_state)` (default: `FileStateChanged`)."""
        try:
            old_state = self._states[path]
        except KeyError:
            raise KeyError(f"{path!r} is not a file of this delivery") from None
        check_transition(old_state, new_state, path=path)
        self._sink.record_file_state(path, new_state, reason)
        self._states[path] = new_state
        self._counts[old_state] -= 1
        self._counts[new_state] += 1
        if announce is None:
            self._emit(FileStateChanged(path, old_state.value, new_state.value, reason))
        else:
            self._emit(announce(old_state))
        return old_state
