"""Questions the engine asks the person, answered from another thread (DESIGN.md §2 item 5).

The engine never opens a dialog. It emits a `QuestionAsked` event carrying a `ReplyHandle`, and
waits on the handle; the window (or the CLI) shows the question and calls `ReplyHandle.answer`.
If nobody answers in time, the question's safe default applies.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from uploader_gui.core.events import Event


class ReplyHandle:
    """A one-shot, thread-safe answer box: the first answer wins, later ones are ignored."""

    def __init__(self, choices: tuple[str, ...]) -> None:
        self._choices = choices
        self._answered = threading.Event()
        self._lock = threading.Lock()
        self._answer: str | None = None

    @property
    def choices(self) -> tuple[str, ...]:
        return self._choices

    @property
    def is_answered(self) -> bool:
        return self._answered.is_set()

    @property
    def answer_given(self) -> str | None:
        return self._answer

    def answer(self, choice: str) -> bool:
        """Record the person's choice; False if the question was already answered."""
        if choice not in self._choices:
            raise ValueError(f"{choice!r} is not one of {self._choices}")
        with self._lock:
            if self._answered.is_set():
                return False
            self._answer = choice
            self._answered.set()
            return True

    def wait(self, timeout_s: float | None = None) -> str | None:
        """The answer, or None if none came within `timeout_s`."""
        if not self._answered.wait(timeout_s):
            return None
        return self._answer


@dataclass(frozen=True, slots=True)
class QuestionAsked(Event):
    """A question for the person; answer it through `reply` with one of `choices`."""

    question_id: str
    title: str
    text: str
    choices: tuple[str, ...]
    default_choice: str
    reply: ReplyHandle = field(compare=False, repr=False)

    def to_json_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"event": type(self).__name__}
        for name in ("question_id", "title", "text", "default_choice"):
            data[name] = getattr(self, name)
        data["choices"] = list(self.choices)
        return data


def ask(
    emit: Callable[[Event], None],
    *,
    question_id: str,
    title: str,
    text: str,
    choices: tuple[str, ...],
    default_choice: str,
    timeout_s: float | None,
) -> str:
    """Emit a question and block until it is answered; the default applies after `timeout_s`."""
    if default_choice not in choices:
        raise ValueError(f"default {default_choice!r} is not one of {choices}")
    reply = ReplyHandle(choices)
    emit(QuestionAsked(question_id, title, text, choices, default_choice, reply))
    answer = reply.wait(timeout_s)
    if answer is None:
        # Close the box so a late click cannot be mistaken for a decision that was acted on.
        reply.answer(default_choice)
        return reply.answer_given or default_choice
    return answer
