"""A delivery session once the validator is listening: the transfer runs, the client-log rows
they cause, the verdicts, the commands, and the rules that end it.

Everything here runs on the engine thread, one inbox message at a time. Finish rules
(issue 5): complete when every file is valid or has a final state (invalid, or failed for
good); stop when more than 10 files failed validation, when the validator writes `shutdown` or
`stop` early (or stays silent far longer than its keepalives allow), when the lock is lost, when
the archive could not be reached for `offline_timeout_s`, or when the person stops or cancels.

While the transfer cannot reach the archive the session is `waiting for the network`: the
transfer probes by itself (`transfer/outage.py`); the validator's silence is not held against it
(its log cannot be read either); the lock refresher, the client log and the validator tail
retry on their own, so when the archive answers again everything goes on. What the archive did
meanwhile decides the rest: a validator that declared the client missing (240 s without a
non-keepalive row, PROTOCOL.md §8.3) has written `shutdown` and `stop`, and the session ends
resumably with its reason; a lock that went stale and was taken by another client ends it as
lock lost.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.durations import duration_text
from uploader_gui.core.engine.file_states import MAX_TRANSFER_FAILURES, FileState, FileTracker
from uploader_gui.core.engine.inbox import (
    AttemptEnded,
    BugFound,
    Command,
    CommandName,
    LockWasLost,
    Message,
    ReachabilityChanged,
    RunEnded,
    SessionInbox,
    ValidatorRows,
)
from uploader_gui.core.engine.ports import (
    ControlChannel,
    TransferFactory,
    TransferPort,
    TransferWiring,
)
from uploader_gui.core.engine.session_states import SessionOutcome, SessionState
from uploader_gui.core.engine.sign_in_pause import SIGNED_IN, SignInPause, SignInWatch
from uploader_gui.core.engine.transfer_rows import TransferRowGuard
from uploader_gui.core.events import (
    ArchiveReachable,
    ArchiveUnreachable,
    Event,
    TransferAttemptEnded,
    TransferRunEnded,
    ValidatorRowReceived,
    WarningRaised,
)
from uploader_gui.core.protocol.log_rows import LogRow

FINAL_FILE_STATES = frozenset({FileState.VALID, FileState.INVALID, FileState.FAILED})
RUN_STOPPED = "stopped"

Ending = tuple[SessionOutcome, str]


@dataclass(frozen=True)
class RunSettings:
    """Timings of the running session."""

    tick_s: float = 0.5
    # The validator writes a keepalive every 10 s when idle; this much silence means it is gone.
    validator_silence_timeout_s: float = 300.0
    transfer_close_timeout_s: float = 60.0
    # How long to wait for an archive that cannot be reached before stopping, resumably.
    offline_timeout_s: float = 3600.0


class RunningSession:
    """The transferring / awaiting-verdicts part of a session (engine thread only)."""

    def __init__(
        self,
        *,
        control: ControlChannel,
        tracker: FileTracker,
        files: Mapping[str, FileFingerprint],
        expected_paths: Iterable[str],
        transfer_bucket: str,
        transfers: TransferFactory,
        inbox: SessionInbox,
        emit: Callable[[Event], None],
        enter: Callable[[SessionState, str], None],
        settings: RunSettings,
        monotonic: Callable[[], float] = time.monotonic,
        sign_in: SignInWatch | None = None,
        report_bug: Callable[[BaseException], None] = lambda exc: None,
    ) -> None:
        self._control = control
        self._tracker = tracker
        self._files = files
        self._guard = TransferRowGuard(expected_paths)
        self._inbox = inbox
        self._emit = emit
        self._enter = enter
        self._settings = settings
        self._monotonic = monotonic
        self._transfer: TransferPort = transfers(
            TransferWiring(
                tracker, transfer_bucket, self._on_transfer_event, self._on_attempt, report_bug
            )
        )
        self._is_run_active = False
        self._run_failure = ""
        self._is_retry_requested = False
        self._is_paused = False
        self._is_cancel_requested = False
        self._is_stop_requested = False
        self._validator_ended = ""
        self._lock_lost = ""
        self._last_validator_row_at = monotonic()
        self._sign_in = SignInPause(sign_in, emit)
        self._run_files: list[FileFingerprint] = []
        self._sign_in_declined = ""
        self._offline_since: float | None = None
        self._next_probe_s = 0.0

    # --- called from other threads -------------------------------------------------------------

    def _on_attempt(self, event: TransferAttemptEnded) -> None:
        self._emit(event)
        self._inbox.post(AttemptEnded(event))

    def _on_transfer_event(self, event: Event) -> None:
        self._emit(event)
        if isinstance(event, TransferRunEnded):
            self._inbox.post(RunEnded(event))
        elif isinstance(event, ArchiveUnreachable | ArchiveReachable):
            self._inbox.post(ReachabilityChanged(event))

    # --- engine thread ---------------------------------------------------------------------------

    def start(self, files: list[FileFingerprint], settings: Iterable[Command]) -> None:
        for command in settings:
            self.handle(command)
        self._start_run(files)

    def run_until_done(self) -> Ending:
        """Handle messages until a finish rule says the session is over."""
        while (ending := self.ending()) is None:
            for message in self._inbox.take(self._settings.tick_s):
                self.handle(message)
                # Checked after every message: past the failure limit, not one more row.
                if (ending := self.ending()) is not None:
                    return ending
            self._watch_validator()
        return ending

    def close(self) -> None:
        """Stop the transfer engine: what is in flight is paused with its parts kept."""
        self._sign_in.close()
        self._transfer.close(self._settings.transfer_close_timeout_s)

    def handle(self, message: Message) -> None:
        if isinstance(message, AttemptEnded):
            self._write_transfer_row(message.event)
        elif isinstance(message, ValidatorRows):
            self.apply_rows(message.rows)
        elif isinstance(message, RunEnded):
            self._run_ended(message.event)
        elif isinstance(message, LockWasLost):
            self._lock_lost = message.message
        elif isinstance(message, ReachabilityChanged):
            self._reachability_changed(message.event)
        elif isinstance(message, BugFound):
            raise message.bug  # the session ends as crashed, with the bug's own traceback
        else:
            self._command(message)

    def apply_rows(self, rows: Iterable[LogRow]) -> None:
        """Apply validator rows: verdicts, and the validator's own end."""
        for row in rows:
            self._last_validator_row_at = self._monotonic()
            event = ValidatorRowReceived.of(row)
            text = event.readable_message
            self._emit(event)
            if row.category == "validation":
                self._tracker.apply_verdict(row.ref, row.status, row.message)
                self._guard.note_verdict(row.ref)
            elif row.category in ("shutdown", "stop") and not self._validator_ended:
                self._validator_ended = _validator_end_reason(row, text)
            elif row.category == "init" and row.status in ("error", "failure"):
                self._emit(WarningRaised(f"The validator reported an error ({row.ref})", text))

    def ending(self) -> Ending | None:
        """The finish rule that applies now, if any (and starts a requested retry run)."""
        if self._lock_lost:
            return SessionOutcome.LOCK_LOST, self._lock_lost
        if self._tracker.has_exceeded_failure_limit:
            return SessionOutcome.TOO_MANY_FAILURES, too_many_failures_text(
                self._tracker.failure_count
            )
        if self._validator_ended:
            return SessionOutcome.VALIDATOR_STOPPED, self._validator_ended
        if self._is_stop_requested:
            return SessionOutcome.INTERRUPTED, "stopped on request; run again to resume"
        if self._has_been_offline_too_long():
            waited = duration_text(self._settings.offline_timeout_s)
            return SessionOutcome.OFFLINE, (
                f"the archive could not be reached for {waited}; everything sent is "
                "kept, run again to resume"
            )
        if self._is_cancel_requested and not self._is_run_active:
            return SessionOutcome.CANCELLED, "cancelled; partial uploads were discarded"
        if self._is_run_active:
            return None
        if self._sign_in_declined:
            return SessionOutcome.SIGN_IN_ENDED, self._sign_in_declined
        if self._sign_in.is_waiting:
            return self._sign_in_answered()
        if self._run_failure:
            return SessionOutcome.FAILED, self._run_failure
        if self._is_retry_requested and self._retry_failed_files():
            return None
        return self._ending_by_file_states()

    # --- internals -----------------------------------------------------------------------------

    def _ending_by_file_states(self) -> Ending | None:
        counts = self._tracker.count_by_state()
        unsettled = {state: n for state, n in counts.items() if state not in FINAL_FILE_STATES}
        if not unsettled:
            total = len(self._tracker)
            if counts.get(FileState.VALID, 0) == total:
                return SessionOutcome.ALL_VALID, all_valid_text(total)
            return SessionOutcome.WITH_PROBLEMS, _problem_summary(counts)
        if set(unsettled) == {FileState.DONE}:
            self._enter(SessionState.AWAITING_VERDICTS, f"{unsettled[FileState.DONE]:,} files")
            return None
        if FileState.DONE in unsettled:
            return None
        stuck = ", ".join(f"{n} {state.label}" for state, n in sorted(unsettled.items()))
        return SessionOutcome.FAILED, f"the transfer ended with files left unsent ({stuck})"

    def _command(self, command: Command) -> None:
        name = command.name
        if name is CommandName.PAUSE:
            self._is_paused = True
            self._transfer.pause()
            self._announce_run_state()
        elif name is CommandName.RESUME:
            self._is_paused = False
            if self._offline_since is not None:  # a pause does not count as time offline
                self._offline_since = self._monotonic()
            self._transfer.resume()
            self._announce_run_state()
        elif name is CommandName.CANCEL:
            self._is_cancel_requested = True
            self._transfer.cancel()
            self._enter(SessionState.STOPPING, "discarding the partial uploads")
        elif name is CommandName.RETRY_FAILED:
            self._is_retry_requested = True
        elif name is CommandName.STOP:
            self._is_stop_requested = True
            self._enter(SessionState.STOPPING, "keeping everything sent; run again to resume")
        elif name is CommandName.RETRY_NOW:
            if self._offline_since is not None:
                self._transfer.probe_now()
        elif name is CommandName.SET_CONCURRENCY and command.value is not None:
            self._transfer.set_concurrency(int(command.value))
        elif name is CommandName.SET_BANDWIDTH:
            self._transfer.set_bandwidth_limit(command.value)

    def _start_run(self, files: list[FileFingerprint]) -> None:
        self._run_files = files
        self._is_run_active = True
        self._run_failure = ""
        self._transfer.start(files)
        if self._is_paused:
            self._transfer.pause()
        self._announce_run_state()

    def _announce_run_state(self) -> None:
        """`paused`, `waiting for the network` or `transferring`, once the transfer engine was
        told (while a run is on)."""
        if not self._is_run_active or self._is_stop_requested or self._is_cancel_requested:
            return
        if self._is_paused:
            self._enter(SessionState.PAUSED, "finished parts are kept; resume to go on")
        elif self._offline_since is not None:
            waited_s = self._monotonic() - self._offline_since
            left = duration_text(max(0.0, self._settings.offline_timeout_s - waited_s))
            self._enter(
                SessionState.OFFLINE,
                f"resumes when the archive is reachable; trying again in "
                f"{duration_text(self._next_probe_s)}, stopping resumably in {left} if not",
            )
        else:
            self._enter(SessionState.TRANSFERRING, f"{len(self._run_files):,} files")

    def _reachability_changed(self, event: ArchiveUnreachable | ArchiveReachable) -> None:
        if isinstance(event, ArchiveUnreachable):
            if self._offline_since is None:
                self._offline_since = self._monotonic()
            self._next_probe_s = event.next_probe_s
        else:
            self._offline_since = None
            self._control.archive_reachable()
            # The validator's log could not be read meanwhile: its silence was ours.
            self._last_validator_row_at = self._monotonic()
        self._announce_run_state()

    def _has_been_offline_too_long(self) -> bool:
        if self._offline_since is None or self._is_paused:
            return False
        return self._monotonic() - self._offline_since > self._settings.offline_timeout_s

    def _retry_failed_files(self) -> bool:
        self._is_retry_requested = False
        failed = [self._files[p] for p in self._tracker.paths_in(FileState.FAILED)]
        if not failed:
            return False
        self._start_run(failed)
        return True

    def _run_ended(self, event: TransferRunEnded) -> None:
        self._is_run_active = False
        if event.outcome == RUN_STOPPED and not self._is_stop_requested:
            if self._sign_in.should_ask() and not self._is_cancel_requested:
                self._sign_in.ask(event.message or "Your sign-in has ended.")
                # Its own state: as `transferring` (a quiet state) the detail was never shown.
                self._enter(SessionState.SIGN_IN_NEEDED, "sign in again to continue")
                return
            self._run_failure = event.message or "the transfer stopped"

    def _sign_in_answered(self) -> Ending | None:
        """While the question is open nothing ends; an answer resumes or ends the session."""
        answer = self._sign_in.answer()
        if answer is None:
            return None
        if answer != SIGNED_IN:
            self._sign_in_declined = (
                "stopped: the archive needs a new sign-in; finished and partly sent files are "
                "kept, run again to resume"
            )
            return SessionOutcome.SIGN_IN_ENDED, self._sign_in_declined
        # The validator's log could not be read while signed out: its silence is ours.
        self._last_validator_row_at = self._monotonic()
        unsettled = [
            file
            for file in self._run_files
            if self._tracker.state(file.path) not in FINAL_FILE_STATES | {FileState.DONE}
        ]
        if not unsettled:
            return self._ending_by_file_states()
        self._start_run(unsettled)
        return None

    def _write_transfer_row(self, event: TransferAttemptEnded) -> None:
        refusal = self._guard.refusal(event.path, is_ok=event.is_ok)
        if refusal is not None:
            self._emit(WarningRaised(f"No transfer row written for {event.path}", refusal))
            return
        if event.is_ok:
            self._control.write_row("transfer", event.path, "ok")
        else:
            self._control.write_row("transfer", event.path, "error", event.message or "failed")
        self._guard.note_written(event.path, is_ok=event.is_ok)

    def _watch_validator(self) -> None:
        if self._sign_in.is_waiting or self._offline_since is not None:
            return
        silent_s = self._monotonic() - self._last_validator_row_at
        limit_s = self._settings.validator_silence_timeout_s
        if silent_s > limit_s and not self._validator_ended:
            self._validator_ended = (
                f"the validator wrote nothing for {silent_s:.0f} s (it writes a keepalive every "
                "10 s while idle): it is gone or its log cannot be read"
            )


def _validator_end_reason(row: LogRow, text: str) -> str:
    said = f": {text.replace(chr(10), '; ')}" if text else ""
    return f"the validator ended the session early ({row.category} {row.status}){said}"


def all_valid_text(total: int) -> str:
    """`all 100,000 files are valid`: how a session where every file was accepted ends."""
    return f"all {total:,} files are valid"


def too_many_failures_text(failure_count: int) -> str:
    return (
        f"{failure_count:,} files failed validation, more than the "
        f"{MAX_TRANSFER_FAILURES:,} the archive allows in one session; the delivery stopped"
    )


def _problem_summary(counts: Mapping[FileState, int]) -> str:
    parts = [f"{counts.get(FileState.VALID, 0):,} valid"]
    for state in (FileState.INVALID, FileState.FAILED):
        if counts.get(state):
            parts.append(f"{counts[state]:,} {state.label}")
    return "the delivery ended with files that are not valid: " + ", ".join(parts)
