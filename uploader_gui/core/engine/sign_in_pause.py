"""Pause and ask when the archive's credentials cannot be renewed without a new sign-in.

When a transfer run stops because the sign-in ended (the refresh token was refused), the
session does not end: files stay paused with their parts, the lock and the control log keep
being retried quietly, and the person is asked "Sign in again". Whoever shows the question (the
window, the CLI) runs the browser sign-in itself and then answers `SIGNED_IN`; the same
refreshable credentials object continues, and the transfer resumes where it was. `STOP` ends
the session as `sign-in needed` (exit 3, resumable).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from uploader_gui.core.events import Event
from uploader_gui.core.questions import QuestionAsked, ReplyHandle

SIGN_IN_QUESTION_ID = "sign-in-again"
SIGNED_IN = "signed in"
STOP = "stop"
SIGN_IN_CHOICES = (SIGNED_IN, STOP)


class SignInWatch(Protocol):
    """Tells whether the credentials need a new sign-in (after a run stopped)."""

    def needs_sign_in(self) -> bool: ...


class SignInPause:
    """The one open "Sign in again" question of a session, if any (engine thread only)."""

    def __init__(self, watch: SignInWatch | None, emit: Callable[[Event], None]) -> None:
        self._watch = watch
        self._emit = emit
        self._reply: ReplyHandle | None = None

    @property
    def is_waiting(self) -> bool:
        return self._reply is not None

    def should_ask(self) -> bool:
        """True when a stopped run was caused by a sign-in that a new one would fix."""
        return self._watch is not None and self._watch.needs_sign_in()

    def ask(self, reason: str) -> None:
        self._reply = ReplyHandle(SIGN_IN_CHOICES)
        text = (
            f"{reason}\nThe transfer is paused: finished and partly sent files are kept. "
            "Sign in again to continue, or stop (run again later to resume)."
        )
        self._emit(
            QuestionAsked(
                SIGN_IN_QUESTION_ID, "Sign in again", text, SIGN_IN_CHOICES, STOP, self._reply
            )
        )

    def answer(self) -> str | None:
        """The answer once given (the question is then closed), else None."""
        reply = self._reply
        if reply is None or not reply.is_answered:
            return None
        self._reply = None
        return reply.answer_given

    def close(self) -> None:
        """Close an open question (the session ends): a late answer is ignored."""
        if self._reply is not None:
            self._reply.answer(STOP)
            self._reply = None
