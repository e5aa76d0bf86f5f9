"""The delivery session engine: one delivery, start to finish, on its own thread (DESIGN.md §2).

Sequence (issue 5, PROTOCOL.md §12): read the label and the index, pre-flight → credentials and
network configuration → resume scan (nothing to do ends here, before the lock) → lock → record
the validator log's size → label and index → start the pipeline and wait for "validation
pipeline started" → `init` row → transfers, one `transfer <path> ok|error` row per attempt
outcome → verdicts → finish (see `session_run`).

Whatever happens, `run()` ends the same way: the transfer engine is stopped (in-flight files are
paused with their parts), the control channel writes its one `stop` row if the client log was
opened and releases the lock only if it is held, the outcome is saved in the store, a receipt is
written, and `SessionEnded` is emitted. A bug (any exception that is not one of the core error
classes) ends the session the same way, as `crashed`, with its traceback in `SessionCrashed`.

The person's commands reach it through its `SessionCommands` (`engine.commands`), from any
thread; the engine reads them from the inbox they share.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime

from uploader_gui.core.engine.archive_busy import archive_busy_text, lock_holder_of
from uploader_gui.core.engine.archive_forgot import (
    AskDeliverAgain,
    check_archive_remembers,
    question_asker,
)
from uploader_gui.core.engine.commands import SessionCommands, noting_questions
from uploader_gui.core.engine.file_states import FileState, FileTracker
from uploader_gui.core.engine.inbox import (
    BugFound,
    Command,
    CommandName,
    LockWasLost,
    Message,
)
from uploader_gui.core.engine.inbox import ValidatorRows as ValidatorRowsMessage
from uploader_gui.core.engine.local_checks import check_names, preflight
from uploader_gui.core.engine.ports import (
    ArchiveInfo,
    ControlChannel,
    DeliveryRequest,
    ReceiptSink,
    RequestLoader,
    SessionStore,
    TransferFactory,
)
from uploader_gui.core.engine.running_session import Ending, RunningSession, RunSettings
from uploader_gui.core.engine.session_plan import SessionPlan, plan_session
from uploader_gui.core.engine.session_states import SessionOutcome, SessionState
from uploader_gui.core.engine.session_summary import SessionSummary, ended_event, summarise
from uploader_gui.core.engine.sign_in_pause import SignInWatch
from uploader_gui.core.errors import BugReported, UploaderError, UserInputError
from uploader_gui.core.events import (
    Event,
    FileStateChanged,
    FileStatesLoaded,
    LockHolder,
    SessionCrashed,
    SessionPlanned,
    SessionStateChanged,
    WarningRaised,
)
from uploader_gui.core.protocol.lock_status import LockHeldElsewhere
from uploader_gui.core.protocol.naming import DeliveryNames
from uploader_gui.core.protocol.resume_plan import NothingToDo, ResumeScan

log = logging.getLogger(__name__)

_REASON_STATES = frozenset({FileState.INVALID.value, FileState.FAILED.value})
# States whose detail (a count) changes often: announced when entered, not on every change.
_QUIET_STATES = frozenset({SessionState.TRANSFERRING, SessionState.AWAITING_VERDICTS})


class SessionInterrupted(UploaderError):
    """The person stopped the session before the transfer began."""


def _ignore(event: Event) -> None:
    del event


def nothing_to_do_text(file_count: int) -> str:
    """`all 100,000 files are already valid in the archive; nothing to do`."""
    return f"all {file_count:,} files are already valid in the archive; nothing to do"


class SessionEngine:
    """Runs one session through the ports; `run()` on the engine thread, commands from any."""

    def __init__(
        self,
        load_request: RequestLoader,
        *,
        control: ControlChannel,
        store: SessionStore,
        transfers: TransferFactory,
        receipts: ReceiptSink | None = None,
        emit: Callable[[Event], None] = _ignore,
        settings: RunSettings | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sign_in: SignInWatch | None = None,
        commands: SessionCommands | None = None,
        ask_deliver_again: AskDeliverAgain | None = None,
    ) -> None:
        """`commands`: made by the caller beforehand so it can give commands early; a new
        one by default. Questions the session asks are noted there, so stop can answer them.
        `ask_deliver_again`: the answer to `archive_forgot`'s question; else it is asked."""
        self.commands = commands or SessionCommands()
        self._load_request = load_request
        self._control = control
        self._store = store
        self._transfers = transfers
        self._receipts = receipts
        self._emit_outside = noting_questions(self.commands, emit)
        self._settings = settings or RunSettings()
        self._monotonic = monotonic
        self._sign_in = sign_in
        self._inbox = self.commands.inbox
        self._ask_deliver_again = ask_deliver_again
        self._state_lock = threading.Lock()
        self._state = SessionState.CHECKING
        self._detail = ""
        self._has_announced_state = False
        self._delivery_key: int | None = None
        self._tracker: FileTracker | None = None
        self._running: RunningSession | None = None
        self._reasons: dict[str, tuple[str, str]] = {}
        self._reported_bug: BugReported | None = None
        self._lock_holder: LockHolder | None = None
        self._ran = False

    @property
    def state(self) -> SessionState:
        return self._state

    def report_bug(self, exc: BaseException, where: str = "") -> None:
        """A bug on another thread (any thread may call this): the session ends as crashed."""
        place = f" on {where}" if where else ""
        bug = BugReported(
            f"internal error{place}: {type(exc).__name__}: {exc}",
            "".join(traceback.format_exception(exc)),
        )
        with self._state_lock:
            if self._reported_bug is None:
                self._reported_bug = bug
        self._inbox.post(BugFound(bug))

    # --- the engine thread ---------------------------------------------------------------------

    def run(self) -> SessionSummary:
        """Run the whole session; never raises (a bug ends it as `crashed`)."""
        if self._ran:
            raise RuntimeError("a session engine runs once")
        self._ran = True
        try:
            outcome, message = self._run_session()
        except SessionInterrupted as exc:
            outcome = (
                SessionOutcome.CANCELLED
                if self.commands.is_cancel_requested
                else SessionOutcome.INTERRUPTED
            )
            message = str(exc)
        except UserInputError as exc:
            outcome, message = SessionOutcome.BAD_INPUT, str(exc)
        except LockHeldElsewhere as exc:
            outcome, message = SessionOutcome.ARCHIVE_BUSY, self._busy_text(exc)
        except UploaderError as exc:
            outcome = SessionOutcome.FAILED if self._running else SessionOutcome.COULD_NOT_RUN
            message = str(exc)
        except Exception as exc:  # noqa: BLE001 - a bug: reported, and the session ends cleanly
            outcome, message = SessionOutcome.CRASHED, self._report_bug(exc)
        return self._finish(outcome, message)

    def _run_session(self) -> Ending:
        self._enter(SessionState.CHECKING, "reading the label and the files")
        request = self._load_request()
        preflight(request)
        self._check_stop()
        self._enter(SessionState.CONNECTING, "signing in and reading the archive's configuration")
        label = request.label
        archive = self._control.connect(label.dataset, label.delivery_id, request.transfer_type)
        check_names(request, archive)
        self._check_stop()
        self._enter(SessionState.CHECKING, "comparing with what the archive already has")
        opened = self._store.open_delivery(request)
        self._delivery_key = opened.key
        scan = self._scan(request)
        ask = self._ask_deliver_again or question_asker(self._emit_outside)
        check_archive_remembers(request.profile_name, opened.known_files, scan, ask)
        plan = plan_session(request.files, opened.known_files, scan)
        self._apply_plan(plan, request)
        if not plan.has_work:
            return SessionOutcome.NOTHING_TO_DO, nothing_to_do_text(len(request.files))
        self._check_stop()
        return self._deliver(request, archive, plan, opened.previous_agent_id)

    def _deliver(
        self, request: DeliveryRequest, archive: ArchiveInfo, plan: SessionPlan, agent_id: str
    ) -> Ending:
        self._enter(SessionState.LOCKING, f"taking the upload lock of {archive.names.dataset}")
        try:
            lock = self._control.acquire_lock(agent_id or None)
        except LockHeldElsewhere as busy:
            self._lock_holder = self._holder_of(busy, archive.names)
            raise
        self._store.mark_started(lock.agent_id)
        self._enter(SessionState.STARTING_PIPELINE, "uploading the label and the index")
        self._control.record_validator_log_start()
        self._control.upload_label_and_index(
            request.label, request.index_entries, plan.will_transfer
        )
        self._check_stop()
        self._enter(SessionState.STARTING_PIPELINE, "waiting for the archive's validator")
        early_rows = self._control.start_pipeline(may_end_own_validator=lock.was_ours_already)
        self._control.open_client_log()
        assert self._tracker is not None
        self._running = RunningSession(
            control=self._control,
            tracker=self._tracker,
            files={file.path: file for file in request.files},
            expected_paths=[path for path, sent in plan.will_transfer.items() if sent],
            transfer_bucket=archive.names.transfer_bucket,
            transfers=self._transfers,
            inbox=self._inbox,
            emit=self._emit_outside,
            enter=self._enter,
            settings=self._settings,
            monotonic=self._monotonic,
            sign_in=self._sign_in,
            report_bug=self.report_bug,
        )
        self._running.apply_rows(early_rows)
        self._control.start_background(
            on_rows=lambda rows: self._inbox.post(ValidatorRowsMessage(tuple(rows))),
            on_lock_lost=lambda message: self._inbox.post(LockWasLost(message)),
        )
        self._running.start(list(plan.to_send), self._pending_settings())
        return self._running.run_until_done()

    def _holder_of(self, busy: LockHeldElsewhere, names: DeliveryNames) -> LockHolder:
        """Who holds the lock; "this computer" if one of our own sessions used its id."""
        agent_id = busy.check.holder_agent_id or ""
        try:
            is_here = bool(agent_id) and self._store.has_used_agent_id(agent_id)
        except UploaderError:  # the holder is still named; only "where" is not known
            is_here = False
        return lock_holder_of(busy, names, is_this_computer=is_here)

    def _busy_text(self, busy: LockHeldElsewhere) -> str:
        if self._lock_holder is None:  # raised before the names were known: its own words
            return str(busy)
        return archive_busy_text(self._lock_holder, now=datetime.now(UTC))

    def _scan(self, request: DeliveryRequest) -> ResumeScan:
        try:
            sizes = {file.path: file.size_bytes for file in request.files}
            return self._control.scan_for_resume(request.index_entries, sizes)
        except NothingToDo as nothing:
            return nothing.scan

    def _apply_plan(self, plan: SessionPlan, request: DeliveryRequest) -> None:
        """Register new files, save changed fingerprints, move states; then track them all."""
        store = self._store
        store.register_files(plan.new_files, FileState.READY)
        store.register_files(plan.new_valid_files, FileState.VALID)
        for file in plan.changed:
            if file.crc32 is not None:
                store.record_fingerprint(file)
        tracker = FileTracker(store.file_state_sink, self._emit_file_event)
        paths = {file.path for file in request.files}
        tracker.track((path, state) for path, state in store.file_states() if path in paths)
        for transition in plan.transitions:
            for step in transition.steps:
                tracker.transition(transition.path, step, reason=transition.reason)
        self._tracker = tracker
        self._emit_outside(
            FileStatesLoaded(tuple((f.path, tracker.state(f.path).value) for f in request.files))
        )
        self._emit_outside(
            SessionPlanned(
                files_total=len(request.files),
                files_to_send=len(plan.to_send),
                bytes_to_send=plan.bytes_to_send,
                files_valid_before=plan.valid_before,
                notes=plan.notes,
                delivery_key=self._delivery_key,
            )
        )

    def _pending_settings(self) -> list[Command]:
        """Concurrency and bandwidth set before the transfer began (other commands wait)."""
        kept: list[Command] = []
        later: list[Message] = []
        for message in self._inbox.take(0.0):
            settings = (CommandName.SET_CONCURRENCY, CommandName.SET_BANDWIDTH, CommandName.PAUSE)
            if isinstance(message, Command) and message.name in settings:
                kept.append(message)
            else:
                later.append(message)
        for message in later:
            self._inbox.post(message)
        return kept

    def _check_stop(self) -> None:
        if self._reported_bug is not None:
            raise self._reported_bug
        if self.commands.is_stop_requested:
            raise SessionInterrupted("stopped on request before anything was uploaded")

    # --- state and events ------------------------------------------------------------------------

    def _enter(self, state: SessionState, detail: str = "") -> None:
        with self._state_lock:
            if (
                self._has_announced_state
                and state is self._state
                and (detail == self._detail or state in _QUIET_STATES)
            ):
                return
            self._state, self._detail = state, detail
            self._has_announced_state = True
        if self._delivery_key is not None:
            self._store.set_state(state.value)
        self._emit_outside(SessionStateChanged(state.value, detail))

    def _emit_file_event(self, event: Event) -> None:
        if isinstance(event, FileStateChanged) and event.new_state in _REASON_STATES:
            self._reasons[event.path] = (event.new_state, event.reason)
        self._emit_outside(event)

    def _report_bug(self, exc: BaseException) -> str:
        if isinstance(exc, BugReported):  # from another thread: its own message and traceback
            log.error("the delivery session ends after a bug: %s\n%s", exc, exc.traceback_text)
            message, text = str(exc), exc.traceback_text
        else:
            log.exception("the delivery session failed with a bug")
            message = f"internal error: {type(exc).__name__}: {exc}"
            text = "".join(traceback.format_exception(exc))
        self._emit_outside(SessionCrashed(message, text))
        return message

    # --- the end ---------------------------------------------------------------------------------

    def _finish(self, outcome: SessionOutcome, message: str) -> SessionSummary:
        self._quietly("stopping the transfer", self._close_transfer)
        self._quietly("closing the control channel", self._control.close)
        state = outcome.final_state
        with self._state_lock:
            self._state = state
        receipt_paths: tuple[str, ...] = ()
        if self._delivery_key is not None:
            self._quietly("saving the session's end", lambda: self._save_end(state, outcome))
            receipt_paths = self._write_receipt(self._delivery_key)
        summary = summarise(
            outcome,
            message,
            self._delivery_key,
            self._tracker,
            self._reasons,
            receipt_paths,
            self._lock_holder,
        )
        self._emit_outside(SessionStateChanged(state.value, outcome.value))
        self._emit_outside(ended_event(summary, state))
        return summary

    def _close_transfer(self) -> None:
        if self._running is not None:
            self._running.close()

    def _save_end(self, state: SessionState, outcome: SessionOutcome) -> None:
        self._store.set_state(state.value)
        self._store.mark_ended(outcome.value)

    def _write_receipt(self, delivery_key: int) -> tuple[str, ...]:
        if self._receipts is None:
            return ()
        receipts = self._receipts
        paths: list[tuple[str, ...]] = []
        self._quietly(
            "writing the receipt", lambda: paths.append(receipts.write_receipt(delivery_key))
        )
        return paths[0] if paths else ()

    def _quietly(self, what: str, action: Callable[[], object]) -> None:
        """Finishing steps must all be tried: a failure is reported, never raised."""
        try:
            action()
        except Exception as exc:  # reported; the other steps still run
            if not isinstance(exc, UploaderError):
                log.exception("%s failed", what)
            self._emit_outside(WarningRaised(f"Problem while {what}", str(exc)))
