"""What a person can tell a delivery session: the one command interface of the window and the CLI.

`SessionCommands` is made before the session (the window makes it on the GUI thread when Start
is pressed, the CLI before it starts the engine thread) and handed to the engine. Every verb may
be called from any thread at any time and never blocks: it posts a message to the engine's
inbox, and the engine acts on it at its next step. Commands given before the transfer begins
wait there (pause, concurrency and bandwidth apply as it begins; stop and cancel end the session
before anything is uploaded).

Stop and cancel also answer every open question with its safe default, so an engine waiting on a
question (a stale lock's takeover, a new sign-in) can end. What the engine did is told by its
events, never assumed by the caller: e.g. the session enters `paused` once it has paused.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from uploader_gui.core.engine.inbox import Command, CommandName, SessionInbox
from uploader_gui.core.events import Event
from uploader_gui.core.questions import QuestionAsked

EmitEvent = Callable[[Event], None]


class SessionCommands:
    """Pause, resume, cancel, retry the failed files, stop, concurrency, bandwidth limit."""

    def __init__(self) -> None:
        self.inbox = SessionInbox()
        self._stop_requested = threading.Event()
        self._cancel_requested = threading.Event()
        self._lock = threading.Lock()
        self._open_questions: list[QuestionAsked] = []

    def pause(self) -> None:
        """Stop reading before the next chunk; finished parts are kept."""
        self.inbox.post(Command(CommandName.PAUSE))

    def resume(self) -> None:
        self.inbox.post(Command(CommandName.RESUME))

    def cancel(self) -> None:
        """Discard partial uploads and end the session (before the transfer: as `stop`)."""
        self._cancel_requested.set()
        self._stop_requested.set()
        self._answer_open_questions()
        self.inbox.post(Command(CommandName.CANCEL))

    def retry_failed(self) -> None:
        """Send the files that failed again, once the current run has ended."""
        self.inbox.post(Command(CommandName.RETRY_FAILED))

    def stop(self) -> None:
        """End the session, keeping every finished part: the next run resumes."""
        self._stop_requested.set()
        self._answer_open_questions()
        self.inbox.post(Command(CommandName.STOP))

    def retry_now(self) -> None:
        """While waiting for the network: try the archive now instead of at the next probe."""
        self.inbox.post(Command(CommandName.RETRY_NOW))

    def set_concurrency(self, count: int) -> None:
        if count < 1:
            raise ValueError(f"concurrency must be at least 1, not {count}")
        self.inbox.post(Command(CommandName.SET_CONCURRENCY, float(count)))

    def set_bandwidth_limit(self, bytes_per_s: float | None) -> None:
        """Bytes per second for the whole transfer; None lifts the limit."""
        if bytes_per_s is not None and bytes_per_s <= 0:
            raise ValueError(f"a bandwidth limit must be positive, not {bytes_per_s}")
        self.inbox.post(Command(CommandName.SET_BANDWIDTH, bytes_per_s))

    # --- what the engine reads ---------------------------------------------------------------

    @property
    def is_stop_requested(self) -> bool:
        return self._stop_requested.is_set()

    @property
    def is_cancel_requested(self) -> bool:
        return self._cancel_requested.is_set()

    def note_question(self, question: QuestionAsked) -> None:
        """Remember a question the session asked, so stopping can answer it."""
        with self._lock:
            self._open_questions = [q for q in self._open_questions if not q.reply.is_answered]
            self._open_questions.append(question)
        if self.is_stop_requested:
            self._answer_open_questions()

    def _answer_open_questions(self) -> None:
        with self._lock:
            questions, self._open_questions = self._open_questions, []
        for question in questions:
            if not question.reply.is_answered:
                question.reply.answer(question.default_choice)


def noting_questions(commands: SessionCommands, emit: EmitEvent) -> EmitEvent:
    """`emit`, noting every `QuestionAsked` it passes in `commands` first."""

    def emit_noting(event: Event) -> None:
        if isinstance(event, QuestionAsked):
            commands.note_question(event)
        emit(event)

    return emit_noting
