"""Questions for the person: asked as events, answered from another thread."""

from __future__ import annotations

import threading

import pytest

from uploader_gui.core.events import Event
from uploader_gui.core.questions import QuestionAsked, ReplyHandle, ask


def test_the_window_thread_answers_and_the_engine_wakes() -> None:
    asked: list[QuestionAsked] = []

    def window(event: Event) -> None:
        assert isinstance(event, QuestionAsked)
        asked.append(event)
        threading.Thread(target=event.reply.answer, args=("Take over",)).start()

    answer = ask(
        window,
        question_id="lock.takeover",
        title="Take over?",
        text="The lock is stale.",
        choices=("Take over", "Stop"),
        default_choice="Stop",
        timeout_s=30,
    )
    assert answer == "Take over"
    assert asked[0].to_json_dict() == {
        "event": "QuestionAsked",
        "question_id": "lock.takeover",
        "title": "Take over?",
        "text": "The lock is stale.",
        "default_choice": "Stop",
        "choices": ["Take over", "Stop"],
    }


def test_unanswered_question_takes_the_safe_default_and_ignores_a_late_click() -> None:
    handles: list[ReplyHandle] = []

    def nobody(event: Event) -> None:
        assert isinstance(event, QuestionAsked)
        handles.append(event.reply)

    answer = ask(
        nobody,
        question_id="q",
        title="t",
        text="x",
        choices=("Yes", "No"),
        default_choice="No",
        timeout_s=0.01,
    )
    assert answer == "No"
    assert handles[0].answer("Yes") is False
    assert handles[0].answer_given == "No"


def test_first_answer_wins() -> None:
    reply = ReplyHandle(("a", "b"))
    assert reply.answer("a") is True
    assert reply.answer("b") is False
    assert reply.wait(0) == "a"


def test_an_answer_that_is_not_a_choice_is_refused() -> None:
    reply = ReplyHandle(("a", "b"))
    with pytest.raises(ValueError, match="not one of"):
        reply.answer("c")
    assert not reply.is_answered


def test_default_must_be_a_choice() -> None:
    with pytest.raises(ValueError, match="default"):
        ask(
            lambda event: None,
            question_id="q",
            title="t",
            text="x",
            choices=("a",),
            default_choice="z",
            timeout_s=0,
        )
