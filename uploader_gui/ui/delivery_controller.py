"""Runs one delivery session at a time on a `QThread`; `commands` is how the window talks to it.

The session is built on its own thread (opening the state store is file I/O) by a worker
QObject whose bound `run` slot is connected to `QThread.started` (DESIGN.md §7: a lambda there
would run on the GUI thread). Its events go to the `EngineBridge`. The `SessionCommands` are
made here, on the GUI thread, before the session exists: a command given early waits in the
session's inbox, and stop answers the session's open questions so its thread can end.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThread, Signal, Slot

from uploader_gui.core.delivery.delivery_input import DeliveryInput
from uploader_gui.core.delivery.profile import Profile
from uploader_gui.core.engine.commands import SessionCommands
from uploader_gui.core.engine.session_states import SessionOutcome
from uploader_gui.core.engine.session_tuning import SessionTuning
from uploader_gui.core.events import (
    Event,
    IndexEntrySkipped,
    IndexFilesFound,
    IndexFinished,
    IndexProgressed,
    IndexStarted,
    SessionCrashed,
    SessionEnded,
)

if TYPE_CHECKING:
    # The session brings boto3 (about a second to import): loaded when a delivery starts, so
    # the window shows at once.
    from uploader_gui.auth.profile_sign_in import ProfileSignIn
    from uploader_gui.wiring.delivery_session import DeliverySession, SessionOptions

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT_MS = 120_000
SESSION_LISTING_EVENTS = (
    IndexStarted,
    IndexProgressed,
    IndexFilesFound,
    IndexEntrySkipped,
    IndexFinished,
)
SessionFactory = Callable[[], "DeliverySession"]


class SessionWorker(QObject):
    """Lives on the session thread: builds the session, runs it, says when it is over."""

    finished = Signal()

    def __init__(self, build: SessionFactory, emit: Callable[[Event], None]) -> None:
        super().__init__()
        self._build = build
        self._emit = emit
        self.session: DeliverySession | None = None  # once built (read by the window's tests)

    @Slot()
    def run(self) -> None:
        try:
            session = self.session = self._build()
        except Exception as exc:  # any failure to build is shown, not lost
            log.exception("the delivery session could not be set up")
            self._emit(SessionCrashed(str(exc) or type(exc).__name__, traceback.format_exc()))
            self._emit(_could_not_start(str(exc)))
            self.finished.emit()
            return
        try:
            session.run()  # never raises: a bug ends the session as "crashed"
        finally:
            self.finished.emit()


def _could_not_start(message: str) -> SessionEnded:
    outcome = SessionOutcome.COULD_NOT_RUN
    return SessionEnded(
        outcome.value,
        outcome.final_state.value,
        message,
        files_total=0,
        files_valid=0,
        files_invalid=0,
        files_failed=0,
        exit_status=outcome.exit_status,
    )


class DeliveryController(QObject):
    """GUI-thread API: `start`, the commands, `shutdown`; `runningChanged` when it starts/ends."""

    runningChanged = Signal(bool)

    def __init__(
        self,
        emit: Callable[[Event], None],
        parent: QObject | None = None,
        *,
        options: SessionOptions | None = None,
    ) -> None:
        super().__init__(parent)
        self._emit = emit
        self.options = options
        self._thread: QThread | None = None
        self._worker: SessionWorker | None = None
        self.commands: SessionCommands | None = None  # the running session's, else None
        # The person's Settings at Start, laid over `options` on the session's thread.
        self.tuning: Callable[[], SessionTuning] = SessionTuning

    def _session_events(self, event: Event) -> None:
        # The session lists the folder again while checking; the window's own listing already
        # fills the table and the status bar, which must not go back to "Indexing…" for it.
        if not isinstance(event, SESSION_LISTING_EVENTS):
            self._emit(event)

    @property
    def is_running(self) -> bool:
        return self._thread is not None

    @property
    def session(self) -> DeliverySession | None:
        """The running session once its thread built it, else None."""
        return self._worker.session if self._worker is not None else None

    def start(self, profile: Profile, inputs: DeliveryInput, auth: ProfileSignIn | None) -> bool:
        """Run a session for `inputs`; False (nothing started) while another one runs."""
        if self._thread is not None:
            return False
        options, emit, tuning = self.options, self._session_events, self.tuning()
        commands = self.commands = SessionCommands()

        def build() -> DeliverySession:  # on the session's thread: imports and file I/O
            from uploader_gui.wiring.delivery_session import DeliverySession, SessionOptions
            from uploader_gui.wiring.session_setup import credentials_for, tuned_options

            credentials, sign_in = credentials_for(profile, auth)
            return DeliverySession(
                profile,
                inputs,
                emit=emit,
                options=tuned_options(options or SessionOptions(), tuning),
                credentials=credentials,
                sign_in=sign_in,
                commands=commands,
            )

        worker = self._worker = SessionWorker(build, emit)
        thread = self._thread = QThread(self)
        thread.setObjectName("delivery-session")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.finished.connect(thread.quit)
        thread.finished.connect(self._on_thread_finished)
        thread.start()
        self.runningChanged.emit(True)
        return True

    def shutdown(self, timeout_ms: int = SHUTDOWN_TIMEOUT_MS) -> bool:
        """Stop the session and wait for its thread (the window is going); True if it ended."""
        thread = self._thread
        if thread is None:
            return True
        if self.commands is not None:
            self.commands.stop()
        has_ended = thread.wait(timeout_ms)
        if has_ended:
            self._on_thread_finished()
        return has_ended

    # --- internals ------------------------------------------------------------------------------

    @Slot()
    def _on_thread_finished(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        thread.wait()
        thread.deleteLater()
        self._worker = None  # its thread has ended: Python frees it on this thread
        self.commands = None
        self.runningChanged.emit(False)
