"""A delivery the archive has no record of: the person is told and asked, never resumed silently."""

from __future__ import annotations

import pytest

from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.engine.archive_forgot import (
    DELIVER_AGAIN,
    QUESTION_ID,
    STOP,
    ArchiveForgotDelivery,
    check_archive_remembers,
    question_asker,
)
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.engine.session_plan import KnownFile
from uploader_gui.core.events import Event
from uploader_gui.core.protocol.resume_plan import ResumeScan
from uploader_gui.core.questions import QuestionAsked

A = FileFingerprint("a.fits", 100, 1_000, 0xAAAA)
B = FileFingerprint("b.fits", 5, 6, 7)
EMPTY_ARCHIVE = ResumeScan(never_validated=("a.fits", "b.fits"), archive_has_record=False)


def sent_before() -> dict[str, KnownFile]:
    return {"a.fits": KnownFile(A, FileState.VALID), "b.fits": KnownFile(B, FileState.DONE)}


def never_asked(text: str) -> bool:
    raise AssertionError(f"asked although the archive knows the delivery: {text}")


def test_an_archive_without_a_record_of_files_sent_to_it_stops_the_session_plainly() -> None:
    asked: list[str] = []

    def decline(text: str) -> bool:
        asked.append(text)
        return False

    with pytest.raises(ArchiveForgotDelivery) as stopped:
        check_archive_remembers("Local archive", sent_before(), EMPTY_ARCHIVE, decline)

    (question,) = asked
    assert "“Local archive” has no record of this delivery, though 2 files were sent" in question
    assert question.endswith("Deliver it again from the start?")
    assert "Nothing has been sent" in str(stopped.value)
    assert "The saved progress is kept" in str(stopped.value)


def test_choosing_to_deliver_again_lets_the_session_go_on() -> None:
    check_archive_remembers("Local archive", sent_before(), EMPTY_ARCHIVE, lambda text: True)


@pytest.mark.parametrize(
    ("known", "scan"),
    [
        ({}, EMPTY_ARCHIVE),  # a first session: the archive has nothing yet, rightly
        ({"a.fits": KnownFile(A, FileState.READY)}, EMPTY_ARCHIVE),  # nothing was sent
        (sent_before(), ResumeScan(valid=("a.fits",), never_validated=("b.fits",))),
    ],
)
def test_no_question_when_the_archive_may_rightly_have_no_record(
    known: dict[str, KnownFile], scan: ResumeScan
) -> None:
    check_archive_remembers("Local archive", known, scan, never_asked)


def test_the_window_gets_a_question_whose_default_is_to_stop() -> None:
    events: list[Event] = []

    def emit(event: Event) -> None:
        events.append(event)
        assert isinstance(event, QuestionAsked)
        event.reply.answer(DELIVER_AGAIN)

    assert question_asker(emit)("the text") is True
    (question,) = events
    assert isinstance(question, QuestionAsked)
    assert question.question_id == QUESTION_ID
    assert question.choices == (DELIVER_AGAIN, STOP)
    assert question.default_choice == STOP
