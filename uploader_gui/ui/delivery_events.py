"""What one drain of the bridge gathers from a delivery session's events (no Qt here).

File events are merged per path (the newest state, message and byte count win), so a drain
changes each row once however many events it read; of the session-wide events only the newest
state line and progress totals are kept, while ends, crashes, questions and warnings are each
passed on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.events import (
    ArchiveReachable,
    ArchiveUnreachable,
    Event,
    FileStateChanged,
    FileStatesLoaded,
    FileTransferProgressed,
    SessionCrashed,
    SessionEnded,
    SessionPlanned,
    SessionStateChanged,
    TransferProgressed,
    VerdictReceived,
    WarningRaised,
)
from uploader_gui.core.questions import QuestionAsked
from uploader_gui.ui.file_table_model import FileUpdate

# A file queued again (retry, resume) or put back (cancel) no longer has the old error.
_STATES_THAT_CLEAR_THE_MESSAGE = frozenset(
    {FileState.READY.value, FileState.PENDING.value, FileState.HASHING.value}
)


@dataclass
class SessionBatch:
    """The delivery events of one drain, ready to apply."""

    file_updates: dict[str, FileUpdate] = field(default_factory=dict)
    state: SessionStateChanged | None = None
    planned: SessionPlanned | None = None
    progress: TransferProgressed | None = None
    ended: SessionEnded | None = None
    crashes: list[SessionCrashed] = field(default_factory=list)
    questions: list[QuestionAsked] = field(default_factory=list)
    warnings: list[WarningRaised] = field(default_factory=list)
    reachability: ArchiveUnreachable | ArchiveReachable | None = None  # the newest

    def collect(self, event: Event) -> bool:
        """Take `event` if it is a delivery event; False if it is not one."""
        if isinstance(event, FileTransferProgressed):
            self._merge(event.path, FileUpdate(bytes_done=event.bytes_done))
        elif isinstance(event, VerdictReceived):  # its reason is "" for a valid file
            self._merge(event.path, FileUpdate(state=event.new_state, message=event.reason))
        elif isinstance(event, FileStateChanged):
            self._merge(event.path, _state_update(event))
        elif isinstance(event, FileStatesLoaded):
            for path, state in event.states:
                self._merge(path, FileUpdate(state=state))
        else:
            return self._collect_session_event(event)
        return True

    def _collect_session_event(self, event: Event) -> bool:
        if isinstance(event, SessionStateChanged):
            self.state = event
        elif isinstance(event, TransferProgressed):
            self.progress = event
        elif isinstance(event, SessionPlanned):
            self.planned = event
        elif isinstance(event, SessionEnded):
            self.ended = event
        elif isinstance(event, SessionCrashed):
            self.crashes.append(event)
        elif isinstance(event, QuestionAsked):
            self.questions.append(event)
        elif isinstance(event, WarningRaised):
            self.warnings.append(event)
        elif isinstance(event, ArchiveUnreachable | ArchiveReachable):
            self.reachability = event
        else:
            return False
        return True

    def _merge(self, path: str, update: FileUpdate) -> None:
        earlier = self.file_updates.get(path)
        if earlier is None:
            self.file_updates[path] = update
            return
        self.file_updates[path] = FileUpdate(
            state=update.state if update.state is not None else earlier.state,
            message=update.message if update.message is not None else earlier.message,
            bytes_done=update.bytes_done if update.bytes_done is not None else earlier.bytes_done,
        )


def _state_update(event: FileStateChanged) -> FileUpdate:
    if event.reason:
        message: str | None = event.reason
    elif event.new_state in _STATES_THAT_CLEAR_THE_MESSAGE:
        message = ""
    else:
        message = None
    return FileUpdate(state=event.new_state, message=message)
