"""A delivery the archive has no record of: never "resumed" against an empty archive.

The store remembers files an earlier session sent (uploaded, valid or invalid), so the archive
must have had this delivery's validator log: the client only uploads once the pipeline has
started, and the validator writes that log first. When the resume scan finds no validator log
at all, the archive is not the one the delivery went to (a local archive that was reset or
emptied, another archive under the same profile name). Resuming would silently send every file
again to an archive that knows nothing of the earlier sessions; instead the person is told so
plainly and asked whether to deliver it again from the start (default: stop, keeping the saved
progress, which still resumes once the right archive is back).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.engine.session_plan import KnownFile
from uploader_gui.core.errors import UploaderError
from uploader_gui.core.events import Event
from uploader_gui.core.protocol.resume_plan import ResumeScan
from uploader_gui.core.questions import ask

QUESTION_ID = "archive.forgot"
DELIVER_AGAIN = "Deliver again"
STOP = "Stop"
# States that mean the archive received the whole file in an earlier session.
_SENT_STATES = frozenset({FileState.DONE, FileState.VALID, FileState.INVALID})

AskDeliverAgain = Callable[[str], bool]


class ArchiveForgotDelivery(UploaderError):
    """The archive has no record of a delivery sent to it before, and it is not sent again."""


def files_sent_before(known: Mapping[str, KnownFile]) -> int:
    return sum(1 for file in known.values() if file.state in _SENT_STATES)


def is_forgotten(known: Mapping[str, KnownFile], scan: ResumeScan) -> bool:
    return not scan.archive_has_record and files_sent_before(known) > 0


def forgotten_text(n_sent: int, archive_name: str) -> str:
    files = "1 file was" if n_sent == 1 else f"{n_sent:,} files were"
    return (
        f"The archive “{archive_name}” has no record of this delivery, though {files} sent to "
        "it before: it was reset or emptied, or this profile now points at a different archive. "
        "Nothing has been sent. Deliver it again from the start?"
    )


def stopped_text(n_sent: int, archive_name: str) -> str:
    return (
        forgotten_text(n_sent, archive_name).removesuffix(" Deliver it again from the start?")
        + " The saved progress is kept; to deliver it again from the start, choose “Deliver "
        "again” (in the command line: --deliver-again)."
    )


def question_asker(emit: Callable[[Event], None]) -> AskDeliverAgain:
    """An `AskDeliverAgain` that asks the person through a `QuestionAsked` event."""

    def ask_person(text: str) -> bool:
        answer = ask(
            emit,
            question_id=QUESTION_ID,
            title="Deliver again to an archive that lost it?",
            text=text,
            choices=(DELIVER_AGAIN, STOP),
            default_choice=STOP,
            timeout_s=None,
        )
        return answer == DELIVER_AGAIN

    return ask_person


def check_archive_remembers(
    archive_name: str,
    known: Mapping[str, KnownFile],
    scan: ResumeScan,
    ask_deliver_again: AskDeliverAgain,
) -> None:
    """Go on if the archive knows the delivery, or if the person chose to deliver it again."""
    if not is_forgotten(known, scan):
        return
    n_sent = files_sent_before(known)
    if not ask_deliver_again(forgotten_text(n_sent, archive_name)):
        raise ArchiveForgotDelivery(stopped_text(n_sent, archive_name))
