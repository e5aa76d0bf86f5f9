"""What follows the end of an attempt (DESIGN.md §4), and the file-state changes it makes.

- Sent: `done`, reported `ok` (once per path and run).
- Stopped by a pause: `paused`, keeping its multipart parts; by a cancel: its multipart upload
  is discarded on the archive and the file goes back to `ready`.
- `ArchiveUnreachableError` (the connection failed: the network or the archive is away):
  `retrying`, "waiting for the network", without spending an attempt; `Outage` decides when it
  is sent again (as a probe, or once the archive answers).
- `RetryableError`: `retrying` with the delay and reason on screen, then queued again; after
  `max_attempts` failures in a row without progress, `failed` (its upload is kept, so a later
  retry resumes it).
- `PermanentError`: `failed` with the reason; its multipart upload is discarded.
- `FatalError`: the run stops (`stop_run`); the file is paused with its parts.
- Anything else is a bug: logged with its traceback, and the run stops as for `FatalError`.

Every attempt that ends with an error is reported as well, so the session can log it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from uploader_gui.core.checksums.crc32 import ReadStopped
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.errors import (
    ArchiveUnreachableError,
    FatalError,
    RetryableError,
    UploaderError,
)
from uploader_gui.core.events import TransferAttemptEnded
from uploader_gui.core.upload.retry_policy import RetryPolicy
from uploader_gui.transfer.closing import GuardedTracker
from uploader_gui.transfer.multipart_resume import discard_upload
from uploader_gui.transfer.outage import Outage
from uploader_gui.transfer.run_state import PRIORITY_ABORT, AbortJob, Phase, RunState, Slot
from uploader_gui.transfer.transfer_context import TransferServices, Worker

log = logging.getLogger(__name__)

PAUSED_REASON = "paused"
WAITING_FOR_NETWORK = "waiting for the network"
CANCELLED_REASON = "cancelled; partial uploads discarded"


def format_delay(delay_s: float) -> str:
    return f"{delay_s:.1f} s" if delay_s < 10 else f"{delay_s:.0f} s"


class AttemptOutcomes:
    """Turns attempt outcomes into file states, retries and reports (thread-safe)."""

    def __init__(
        self,
        state: RunState,
        services: TransferServices,
        tracker: GuardedTracker,
        policy: RetryPolicy,
        *,
        report: Callable[[TransferAttemptEnded], None],
        stop_run: Callable[[BaseException], None],
        outage: Outage,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._state = state
        self._services = services
        self._tracker = tracker
        self._policy = policy
        self._report = report
        self._stop_run = stop_run
        self._outage = outage
        self._clock = clock

    def attempt_ended(
        self, file: FileFingerprint, failure: BaseException | None, made_progress: bool
    ) -> None:
        """The one place an attempt's end is handled (on a worker thread, or on the
        coordinator for a run that a pause emptied before any of its parts started)."""
        slot = self._state.slot(file.path)
        slot.file = file
        with self._state.lock:
            self._state.runs.pop(file.path, None)
        try:
            self._handle(slot, failure, made_progress)
        except Exception as exc:
            log.exception("handling the end of an attempt at %s failed", file.path)
            with self._state.lock:
                slot.phase = Phase.PARKED  # out of play, so the run can end
            self._stop_run(exc)
        self._state.wake()

    def _handle(self, slot: Slot, failure: BaseException | None, made_progress: bool) -> None:
        file = slot.file
        gate = self._services.gate
        if failure is None or (
            isinstance(failure, UploaderError) and not isinstance(failure, ArchiveUnreachableError)
        ):
            self._outage.reached()  # the archive answered (if only with an error)
        if failure is None:
            self._succeeded(slot)
        elif gate.is_cancelled or isinstance(failure, ReadStopped):
            self.stopped(slot)
        elif isinstance(failure, FatalError):
            self._stop_run(failure)
            self.stopped(slot)
        elif isinstance(failure, RetryableError) and gate.is_paused:
            self.stopped(slot)
        elif isinstance(failure, ArchiveUnreachableError):
            self._wait_for_network(slot, failure)
        elif isinstance(failure, RetryableError):
            self._retry_or_fail(slot, failure, made_progress)
        elif isinstance(failure, UploaderError):
            self._failed(slot, str(failure), discard=True)
        else:
            log.error("bug while sending %s", file.path, exc_info=failure)
            self._stop_run(failure)  # a bug, not the file's fault: it ends the run, not the file
            self.stopped(slot)

    def stopped(self, slot: Slot) -> None:
        """A pause or cancel stopped the file's attempt (or caught it queued or waiting)."""
        if self._services.gate.is_cancelled:
            self.discard(slot)
            return
        path = slot.file.path
        if self._tracker.state(path) is not FileState.PAUSED:
            self._tracker.transition(path, FileState.PAUSED, reason=PAUSED_REASON)
        self._services.progress.set_file_bytes(path, self._durable_bytes(path))
        with self._state.lock:
            slot.phase = Phase.PARKED

    def discard(self, slot: Slot) -> None:
        """Cancel: discard the file's multipart upload (by a worker), then `ready`."""
        path = slot.file.path
        record = self._services.records.multipart(path)
        if record is None:
            self.reset_to_ready(path)
            return
        with self._state.lock:
            slot.phase = Phase.DISCARDING
        self._state.queue.put(AbortJob(path, record.upload_id, FileState.READY), PRIORITY_ABORT)

    def discard_upload(self, job: AbortJob, worker: Worker) -> None:
        """A worker's part of `discard`: abort the upload, then move the file on."""
        try:
            discard_upload(self._services, worker, job.path, job.upload_id)
        except UploaderError as exc:
            self._services.records.record_event(
                job.path, "multipart", f"the upload could not be discarded: {exc}"
            )
        if job.then is FileState.READY:
            self.reset_to_ready(job.path)
        else:
            self._state.forget(job.path)
        self._state.wake()

    def reset_to_ready(self, path: str) -> None:
        if self._tracker.state(path) is not FileState.READY:
            self._tracker.transition(path, FileState.READY, reason=CANCELLED_REASON)
        self._services.progress.drop_file(path)
        self._state.forget(path)

    def _succeeded(self, slot: Slot) -> None:
        path = slot.file.path
        self._tracker.transition(path, FileState.DONE)
        with self._state.lock:
            is_first = path not in self._state.ok_reported
            self._state.ok_reported.add(path)
            self._state.files_done += 1
        if is_first:
            self._report(TransferAttemptEnded(path, is_ok=True))
        self._services.progress.finish_file(path, slot.file.size_bytes)
        self._state.forget(path)

    def _retry_or_fail(self, slot: Slot, error: RetryableError, made_progress: bool) -> None:
        slot.failures = 1 if made_progress else slot.failures + 1
        decision = self._policy.decide(slot.failures, retry_after_s=error.retry_after_s)
        if not decision.should_retry:
            message = f"gave up after {slot.failures} failed attempts in a row: {error}"
            self._failed(slot, message, discard=False)
            return
        path = slot.file.path
        reason = f"retrying in {format_delay(decision.delay_s)}: {error}"
        log.info("%s: attempt %d failed, %s", path, slot.failures, reason)
        self._tracker.transition(path, FileState.RETRYING, reason=reason)
        self._report(TransferAttemptEnded(path, is_ok=False, message=str(error), will_retry=True))
        self._services.progress.set_file_bytes(path, self._durable_bytes(path))
        self._state.schedule_retry(slot, self._clock() + decision.delay_s)

    def _wait_for_network(self, slot: Slot, error: ArchiveUnreachableError) -> None:
        """No attempt spent: the file waits until `Outage` lets it go again (see the engine),
        and the attempt counted when it started sending is taken back."""
        self._outage.lost(error)
        path = slot.file.path
        self._services.records.refund_attempt(path, f"{WAITING_FOR_NETWORK}: {error}")
        if self._tracker.state(path) is not FileState.RETRYING:
            self._tracker.transition(
                path, FileState.RETRYING, reason=f"{WAITING_FOR_NETWORK}: {error}"
            )
        self._services.progress.set_file_bytes(path, self._durable_bytes(path))
        self._state.schedule_retry(slot, math.inf)  # released by the coordinator, not a timer

    def _failed(self, slot: Slot, message: str, *, discard: bool) -> None:
        path = slot.file.path
        log.warning("%s failed: %s", path, message)
        self._tracker.transition(path, FileState.FAILED, reason=message)
        with self._state.lock:
            self._state.files_failed += 1
        self._report(TransferAttemptEnded(path, is_ok=False, message=message))
        self._services.progress.finish_file(path, slot.file.size_bytes)
        record = self._services.records.multipart(path) if discard else None
        if record is None:
            self._state.forget(path)
            return
        with self._state.lock:
            slot.phase = Phase.DISCARDING
        self._state.queue.put(AbortJob(path, record.upload_id, None), PRIORITY_ABORT)

    def _durable_bytes(self, path: str) -> int:
        record = self._services.records.multipart(path)
        return 0 if record is None else record.bytes_done
