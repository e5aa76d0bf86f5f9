"""What the delivery strip shows in each session state: the state line's words, whether a speed
and a time left mean anything, and which of the run's buttons can do something.

One table over every `SessionState`, so a state added to the engine cannot fall through to
"whatever the bar showed before" (a paused session that still said "Transferring" with a speed
and "about 2 s left"; Pause, Cancel and Stop clickable while stopping). Plain data, no Qt: the
`TransferBar` applies it and a test reads it row by row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from uploader_gui.core.engine.session_states import SessionState


@dataclass(frozen=True, slots=True)
class StateView:
    """How the strip looks in one session state."""

    headline: str  # the state line's first words
    is_moving: bool  # files are being sent: a speed and a time left are true
    can_pause: bool
    can_resume: bool
    can_cancel: bool
    can_stop: bool
    can_retry: bool  # "Retry failed" can start a run of the failed files


def _before_transfer(headline: str) -> StateView:
    # Nothing moves yet: Pause would have nothing to pause; Cancel and Stop end the session.
    return StateView(headline, False, False, False, True, True, False)


def _final(headline: str) -> StateView:
    return StateView(headline, False, False, False, False, False, False)


_S = SessionState
STATE_VIEWS: Mapping[SessionState, StateView] = MappingProxyType(
    {
        _S.CHECKING: _before_transfer("Checking"),
        _S.CONNECTING: _before_transfer("Connecting"),
        _S.LOCKING: _before_transfer("Taking the upload lock"),
        _S.STARTING_PIPELINE: _before_transfer("Starting the archive's pipeline"),
        _S.TRANSFERRING: StateView("Transferring", True, True, False, True, True, True),
        _S.PAUSED: StateView("Paused", False, False, True, True, True, True),
        # Pause stays: a pause taken while offline holds once the archive answers again.
        _S.OFFLINE: StateView("Waiting for the network", False, True, False, True, True, False),
        _S.SIGN_IN_NEEDED: StateView("Waiting for sign-in", False, False, False, True, True, False),
        _S.AWAITING_VERDICTS: StateView(
            "Waiting for the archive's verdicts", False, False, False, True, True, True
        ),
        _S.STOPPING: _final("Stopping"),
        _S.COMPLETE: _final("Complete"),
        _S.STOPPED: _final("Stopped"),
        _S.FAILED: _final("Failed"),
    }
)
del _S

# Before the session reported anything (Start was clicked): stopping is already possible.
STARTING_VIEW = _before_transfer("Starting")


def state_view(state: str) -> StateView:
    """The view of `state` (a `SessionState` value); an unknown one shows its own words and
    offers only Stop, rather than guessing that files are moving."""
    try:
        return STATE_VIEWS[SessionState(state)]
    except ValueError:
        headline = state[:1].upper() + state[1:]
        return StateView(headline, False, False, False, False, True, False)


def state_line(state: str, detail: str) -> str:
    """`Paused: finished parts are kept; resume to go on`, or `Checking…` without a detail."""
    headline = state_view(state).headline
    return f"{headline}: {detail}" if detail else f"{headline}…"
