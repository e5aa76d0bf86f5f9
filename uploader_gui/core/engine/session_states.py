"""The states of a delivery session a person reads, how a session can end, and each ending's
exit status for the headless twin (issue 5).

States, in the order a session normally goes through them: checking (the files against the
label, then what the archive already has), connecting, locking, starting pipeline,
transferring (or paused, once the transfer has paused, waiting for the network while the
archive cannot be reached, or waiting for sign-in while the archive needs a new one), awaiting
verdicts, stopping (when the
person stopped or cancelled it), then one of three final states: complete, stopped or failed.

An outcome says why the session ended. It decides the final state and the CLI's exit status:
0 every file valid; 1 the delivery ended with invalid or failed files; 2 bad input, nothing sent;
3 the session could not run or could not go on (the lock held elsewhere or lost, sign-in,
archive, validator, a bug);
130 interrupted by the person (state saved, lock released, resumable).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

EXIT_ALL_VALID = 0
EXIT_WITH_PROBLEMS = 1
EXIT_BAD_INPUT = 2
EXIT_COULD_NOT_RUN = 3
EXIT_INTERRUPTED = 130


class SessionState(StrEnum):
    """Where the session is; the value is the text a person reads."""

    CHECKING = "checking"
    CONNECTING = "connecting"
    LOCKING = "locking"
    STARTING_PIPELINE = "starting pipeline"
    TRANSFERRING = "transferring"
    PAUSED = "paused"
    OFFLINE = "waiting for the network"
    SIGN_IN_NEEDED = "waiting for sign-in"
    AWAITING_VERDICTS = "awaiting verdicts"
    STOPPING = "stopping"
    COMPLETE = "complete"
    STOPPED = "stopped"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in _FINAL_STATES


_FINAL_STATES = frozenset({SessionState.COMPLETE, SessionState.STOPPED, SessionState.FAILED})


class SessionOutcome(StrEnum):
    """Why a session ended; the value is the text stored and shown."""

    ALL_VALID = "all files valid"
    NOTHING_TO_DO = "nothing to do"
    WITH_PROBLEMS = "finished with invalid or failed files"
    TOO_MANY_FAILURES = "too many validation failures"
    VALIDATOR_STOPPED = "the validator stopped"
    LOCK_LOST = "lock lost"
    # Another delivery holds the lock: nothing was sent, Start (or waiting) goes on later.
    ARCHIVE_BUSY = "archive busy"
    OFFLINE = "the archive could not be reached"
    SIGN_IN_ENDED = "sign-in needed"
    INTERRUPTED = "interrupted"
    CANCELLED = "cancelled"
    BAD_INPUT = "bad input"
    COULD_NOT_RUN = "could not run"
    FAILED = "failed"
    CRASHED = "crashed"

    @property
    def final_state(self) -> SessionState:
        return _FINAL_STATE_OF[self]

    @property
    def exit_status(self) -> int:
        return _EXIT_STATUS_OF[self]


_O = SessionOutcome
_FINAL_STATE_OF: Mapping[SessionOutcome, SessionState] = MappingProxyType(
    {
        _O.ALL_VALID: SessionState.COMPLETE,
        _O.NOTHING_TO_DO: SessionState.COMPLETE,
        _O.WITH_PROBLEMS: SessionState.COMPLETE,
        _O.TOO_MANY_FAILURES: SessionState.STOPPED,
        _O.VALIDATOR_STOPPED: SessionState.STOPPED,
        _O.LOCK_LOST: SessionState.STOPPED,
        _O.ARCHIVE_BUSY: SessionState.STOPPED,
        _O.OFFLINE: SessionState.STOPPED,
        _O.SIGN_IN_ENDED: SessionState.STOPPED,
        _O.INTERRUPTED: SessionState.STOPPED,
        _O.CANCELLED: SessionState.STOPPED,
        _O.BAD_INPUT: SessionState.FAILED,
        _O.COULD_NOT_RUN: SessionState.FAILED,
        _O.FAILED: SessionState.FAILED,
        _O.CRASHED: SessionState.FAILED,
    }
)
_EXIT_STATUS_OF: Mapping[SessionOutcome, int] = MappingProxyType(
    {
        _O.ALL_VALID: EXIT_ALL_VALID,
        _O.NOTHING_TO_DO: EXIT_ALL_VALID,
        _O.WITH_PROBLEMS: EXIT_WITH_PROBLEMS,
        _O.TOO_MANY_FAILURES: EXIT_WITH_PROBLEMS,
        _O.VALIDATOR_STOPPED: EXIT_COULD_NOT_RUN,
        _O.LOCK_LOST: EXIT_COULD_NOT_RUN,
        _O.ARCHIVE_BUSY: EXIT_COULD_NOT_RUN,
        _O.OFFLINE: EXIT_COULD_NOT_RUN,
        _O.SIGN_IN_ENDED: EXIT_COULD_NOT_RUN,
        _O.INTERRUPTED: EXIT_INTERRUPTED,
        _O.CANCELLED: EXIT_INTERRUPTED,
        _O.BAD_INPUT: EXIT_BAD_INPUT,
        _O.COULD_NOT_RUN: EXIT_COULD_NOT_RUN,
        _O.FAILED: EXIT_COULD_NOT_RUN,
        _O.CRASHED: EXIT_COULD_NOT_RUN,
    }
)
del _O
