"""The transfer engine: a bounded pool of workers sending a delivery's files to the archive.

```
engine = TransferEngine(client_factory=..., tracker=tracker, records=delivery_files, emit=emit,
                        bucket=transfer_bucket, source=LocalSource(root))
engine.start(files)            # returns at once; files already delivered are skipped
engine.pause(); engine.resume(); engine.set_concurrency(8); engine.set_bandwidth_limit(10e6)
engine.pause(abort_in_flight=True)   # also cuts requests being sent; completed parts are kept
engine.cancel()                # discards multipart uploads; unfinished files go back to ready
engine.wait()                  # until TransferRunEnded was emitted
engine.close(timeout_s, abort_in_flight=True)  # after it, no thread writes the store or emits
```

Two roles: a coordinator (admits files from the list as room frees up, releases retries when
their delay is over, carries out pause/resume/cancel, emits throttled progress, and while the
archive cannot be reached starts no file and sends one waiting file at a time as a probe — see
`outage.py`) and the workers,
each with its own boto3 client made once (and, built from it, the lean sender of small files'
PUTs: `lean_put`). Where they run is the `executor`'s business: by
default a coordinator thread and a pool of worker threads (`executor.ThreadedExecutor`); in unit
tests all on the calling thread, step by step, on a manual clock (`sync_executor.SyncExecutor`).
Every command is a flag plus a wake-up, so the caller (the GUI's engine thread) never waits for
the network.

At most `2 × concurrency` files are queued or in flight at a time: a million-file delivery does
not mark a million files `queued`, and pausing touches only the few in play. Pause stops every
reader before its next chunk (a part being sent still finishes: at most one part per worker),
keeps multipart uploads, and parks the files as `paused`; resume queues them again, and each
continues at its next missing part. A pause that aborts in flight also cuts every request body
at its next block: the part is abandoned (not recorded), so a stop or a lost lock does not wait
for a slow PUT. File states change only through the `FileTracker`.

`close` is final (`closing`): once it returns, no engine thread writes the store or emits, even
one whose request is still on the network; such a request is abandoned without being recorded.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from uploader_gui.core.checksums.crc32 import DEFAULT_CHUNK_BYTES, ReadStopped
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.engine.file_states import FileState, FileTracker
from uploader_gui.core.engine.session_tuning import DEFAULT_CONCURRENCY
from uploader_gui.core.errors import FatalError, UploaderError
from uploader_gui.core.events import Event, TransferAttemptEnded, TransferRunEnded
from uploader_gui.core.upload.part_plan import PartPlanner
from uploader_gui.core.upload.retry_policy import RetryPolicy
from uploader_gui.core.upload.token_bucket import TokenBucket
from uploader_gui.core.upload.transfer_progress import DEFAULT_INTERVAL_S, TransferProgress
from uploader_gui.transfer.attempt_outcomes import AttemptOutcomes
from uploader_gui.transfer.closing import ClosingGuard, EngineClosed, GuardedRecords, GuardedTracker
from uploader_gui.transfer.executor import (
    CoordinatorSteps,
    ThreadedExecutor,
    TransferExecutor,
    WorkerJobs,
)
from uploader_gui.transfer.file_transfers import FileTransfers
from uploader_gui.transfer.lean_put import LEAN_PUT_MAX_BYTES, LeanPutter
from uploader_gui.transfer.outage import Outage
from uploader_gui.transfer.run_state import FileJob, Job, PartJob, Phase, RunState, Slot
from uploader_gui.transfer.s3_requests import CredentialsRefresher
from uploader_gui.transfer.source_reading import DEFAULT_BUFFER_LIMIT_BYTES, PartReader
from uploader_gui.transfer.transfer_context import (
    Gate,
    Source,
    TransferRecords,
    TransferServices,
    Worker,
)

log = logging.getLogger(__name__)

_ALREADY_DELIVERED = frozenset({FileState.DONE, FileState.VALID, FileState.INVALID})
_INTERRUPTED_REASON = "interrupted earlier; resuming"


@dataclass(frozen=True)
class TransferSettings:
    """How the engine sends: workers, part sizes, retries, bandwidth, read sizes, progress."""

    concurrency: int = DEFAULT_CONCURRENCY
    planner: PartPlanner = field(default_factory=PartPlanner)
    retry_policy: RetryPolicy = field(default_factory=RetryPolicy)
    bandwidth_limit_bytes_per_s: float | None = None
    chunk_bytes: int = DEFAULT_CHUNK_BYTES
    buffer_limit_bytes: int = DEFAULT_BUFFER_LIMIT_BYTES
    progress_interval_s: float = DEFAULT_INTERVAL_S
    # Small files up to this size are PUT by `lean_put` (None: every request through botocore).
    lean_put_max_bytes: int | None = LEAN_PUT_MAX_BYTES


class TransferEngine:
    """One transfer run over a list of files; commands are thread-safe and never block."""

    def __init__(
        self,
        *,
        client_factory: Callable[[], Any],
        tracker: FileTracker,
        records: TransferRecords,
        emit: Callable[[Event], None],
        bucket: str,
        source: Source,
        settings: TransferSettings | None = None,
        refresh_credentials: Callable[[], None] | None = None,
        on_attempt_ended: Callable[[TransferAttemptEnded], None] | None = None,
        report_bug: Callable[[BaseException], None] | None = None,
        executor: TransferExecutor[Job, Worker] | None = None,
    ) -> None:
        """`report_bug` is told of every bug on the engine's threads (the session then ends as
        crashed); the run stops either way, its files paused with their parts. `executor` runs
        the coordinator and the workers (threads by default) and gives the clock."""
        self._report_bug = report_bug
        self._executor: TransferExecutor[Job, Worker] = executor or ThreadedExecutor()
        clock = self._executor.clock
        self.settings = settings or TransferSettings()
        self._client_factory = client_factory
        self._guard = ClosingGuard()
        self._tracker = GuardedTracker(tracker, self._guard)
        records = GuardedRecords(records, self._guard)
        report = self._guard.reporter(on_attempt_ended or emit)
        emit = self._guard.emitter(emit)
        self._emit = emit
        self._clock = clock
        self._state = RunState()
        self._gate = Gate()
        self._services = TransferServices(
            bucket=bucket,
            source=source,
            records=records,
            planner=self.settings.planner,
            progress=TransferProgress(clock=clock, interval_s=self.settings.progress_interval_s),
            bandwidth=TokenBucket(self.settings.bandwidth_limit_bytes_per_s),
            gate=self._gate,
            refresher=CredentialsRefresher(refresh_credentials),
            emit=emit,
            lean_put_max_bytes=self.settings.lean_put_max_bytes,
        )
        self._outage = Outage(clock, emit, uniform=self.settings.retry_policy.uniform)
        self._outcomes = AttemptOutcomes(
            self._state,
            self._services,
            self._tracker,
            self.settings.retry_policy,
            report=report,
            stop_run=self._stop_run,
            outage=self._outage,
            clock=clock,
        )
        self._transfers = FileTransfers(
            self._services,
            attempt_ended=self._outcomes.attempt_ended,
            queue_parts=self._state.queue_parts,
            withdraw_parts=self._state.withdraw_parts,
        )
        self._backlog: Iterator[FileFingerprint] | None = None
        self._counts_totals = False
        self._stop_error: FatalError | None = None
        self._is_closing = False
        self._is_started = False
        self._finished = threading.Event()
        self.outcome: TransferRunEnded | None = None
        self._executor.bind(
            CoordinatorSteps(self._look, self._wait_for_news, self._next_wake_at, self._finished),
            WorkerJobs(self._state.queue, self._make_worker, self._run_job, self._crashed),
        )

    # --- commands ----------------------------------------------------------------------------

    def start(
        self,
        files: Iterable[FileFingerprint],
        *,
        files_total: int | None = None,
        bytes_total: int | None = None,
    ) -> None:
        """Begin sending `files` (in order); returns at once. Call once per engine.

        Totals for the progress bar come from the arguments, or from `files` if it is a
        collection; otherwise they grow as files are admitted.
        """
        if self._is_started:
            raise RuntimeError("a transfer engine runs once; make a new one for the next run")
        self._is_started = True
        if isinstance(files, Collection):
            files_total = len(files) if files_total is None else files_total
            if bytes_total is None:
                bytes_total = sum(file.size_bytes for file in files)
        self._counts_totals = files_total is None or bytes_total is None
        self._services.progress.add_totals(files=files_total or 0, bytes_=bytes_total or 0)
        self._backlog = iter(files)
        self._executor.resize(self.settings.concurrency)
        self._executor.start()

    def pause(self, *, abort_in_flight: bool = False) -> None:
        """Stop reading before the next chunk; keep multipart uploads; park files as paused.

        With `abort_in_flight`, requests being sent are cut short too (their parts are sent
        again on resume); parts already completed are kept."""
        self._gate.pause(abort_in_flight=abort_in_flight)
        self._state.wake()

    def resume(self) -> None:
        """Queue paused files again; each continues at its next missing part."""
        if self._stop_error is None and not self._is_closing:
            self._gate.resume()
            self._services.progress.restart_rates()
        self._state.wake()

    def cancel(self) -> None:
        """Discard multipart uploads and partial work; unfinished files go back to `ready`."""
        self._gate.cancel()
        self._state.wake()

    def set_concurrency(self, count: int) -> None:
        """Change the number of workers (each new worker makes its own client)."""
        self._executor.resize(count)
        self._state.wake()

    def set_bandwidth_limit(self, bytes_per_s: float | None) -> None:
        """Change the bandwidth limit at once (None: unlimited)."""
        self._services.bandwidth.set_rate(bytes_per_s)

    def probe_now(self) -> None:
        """While offline: the next probe is due now (a person pressed "Retry now")."""
        self._outage.probe_now()
        self._state.wake()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait for the run to end; True if it did."""
        return self._executor.wait(timeout_s)

    def close(self, timeout_s: float | None = 30.0, *, abort_in_flight: bool = False) -> None:
        """End the run as a killed process would leave it, but tidily: pause (cutting requests
        being sent with `abort_in_flight`, else letting them finish for up to `timeout_s`), and
        save files in flight as `paused`. Once this returns, no engine thread writes the store
        or emits; one still waiting for the network abandons its request unrecorded."""
        if self._is_started:
            self._is_closing = True
            self.pause(abort_in_flight=abort_in_flight)
            self.wait(timeout_s)
        self._guard.close()
        self._state.queue.close()

    def join(self, timeout_s: float | None = None) -> bool:
        """Wait for the engine's threads to exit (after `close`); True if they all did."""
        return self._executor.join(timeout_s)

    @property
    def is_paused(self) -> bool:
        return self._gate.is_paused

    @property
    def is_finished(self) -> bool:
        return self._finished.is_set()

    @property
    def concurrency(self) -> int:
        return self._executor.size

    @property
    def bandwidth_limit_bytes_per_s(self) -> float | None:
        """The limit the workers are paced by now (None: unlimited)."""
        return self._services.bandwidth.rate_bytes_per_s

    @property
    def clients_created(self) -> int:
        """How many workers were started; each made exactly one client."""
        return self._executor.started_count

    # --- workers -----------------------------------------------------------------------------

    def _make_worker(self) -> Worker:
        reader = PartReader(
            chunk_bytes=self.settings.chunk_bytes,
            buffer_limit_bytes=self.settings.buffer_limit_bytes,
        )
        client = self._client_factory()
        return Worker(client=client, reader=reader, lean=LeanPutter.for_client(client))

    def _run_job(self, job: Job, worker: Worker) -> None:
        try:
            if isinstance(job, PartJob):
                self._transfers.send_part(worker, job.run, job.number)
            elif isinstance(job, FileJob):
                self._begin_file(job, worker)
            else:
                self._outcomes.discard_upload(job, worker)
        except EngineClosed:
            log.debug("the engine was closed during %r; abandoned", job)

    def _begin_file(self, job: FileJob, worker: Worker) -> None:
        path = job.file.path
        with self._state.lock:
            slot = self._state.slots.get(path)
            if slot is None or slot.phase is not Phase.QUEUED:
                return
            if not self._gate.should_stop():
                slot.phase = Phase.ACTIVE
        if slot.phase is not Phase.ACTIVE:
            self._outcomes.stopped(slot)
            self._state.wake()
            return
        try:
            self._tracker.transition(path, FileState.TRANSFERRING)
        except Exception as exc:  # noqa: BLE001 - e.g. the store became unwritable
            self._outcomes.attempt_ended(slot.file, exc, False)
            return
        self._transfers.begin(worker, slot.file)

    def _crashed(self, error: BaseException) -> None:
        if isinstance(error, UploaderError) and not isinstance(error, FatalError):
            error = FatalError(f"a transfer worker could not run: {error}")
        self._stop_run(error)

    def _stop_run(self, error: BaseException) -> None:
        """Stop the run; files in flight are paused with their parts.

        A `FatalError` is the environment's (the run ends with its message); anything that is
        not an `UploaderError` is a bug, reported as one before the run stops."""
        if not isinstance(error, UploaderError):
            if self._report_bug is not None:
                self._report_bug(error)
            error = FatalError(f"stopped by an internal error: {type(error).__name__}: {error}")
        elif not isinstance(error, FatalError):
            error = FatalError(str(error))
        with self._state.lock:
            if self._stop_error is None:
                self._stop_error = error
        self._gate.pause()
        self._state.wake()

    # --- coordinator -------------------------------------------------------------------------

    def _look(self) -> bool:
        """One look by the coordinator; True once the run has ended (or the engine closed)."""
        is_over = True  # unless the step says otherwise: whatever escapes it ends the run
        try:
            try:
                is_over = self._step()
            except Exception as exc:
                log.exception("the transfer coordinator failed")
                self._stop_run(exc)
            if is_over:
                self._end_run()
        except EngineClosed:
            log.debug("the engine was closed before its run ended")
        finally:
            if is_over:
                self._finished.set()
        return is_over

    def _wait_for_news(self) -> None:
        self._state.wait_for_wakeup(self._wait_s())

    def _step(self) -> bool:
        """One look at everything; True when the run is over."""
        for event in self._services.progress.events_due():
            self._emit(event)
        if self._gate.is_cancelled:
            self._sweep(cancel=True)
            self._drain_backlog_for_cancel()
            return not self._state.slots
        if self._gate.is_paused:
            self._sweep(cancel=False)
            stopping = self._stop_error is not None or self._is_closing
            busy = self._state.count(Phase.ACTIVE, Phase.QUEUED, Phase.DISCARDING)
            return stopping and busy == 0
        for slot in self._state.in_phase(Phase.PARKED):
            self._requeue(slot, FileState.PAUSED)
        for slot in self._state.due_retries(self._clock()):
            self._requeue(slot, FileState.RETRYING)
        if self._outage.is_offline:
            self._send_probe()  # and start no new file until the archive answers
        else:
            for slot in self._state.waiting_for_network():
                self._requeue(slot, FileState.RETRYING)
            self._admit_files()
        return self._backlog is None and not self._state.slots

    def _send_probe(self) -> None:
        if not self._outage.take_probe():
            return
        waiting = self._state.waiting_for_network()
        if not waiting:
            self._outage.probe_not_sent()  # attempts still out will tell
            return
        self._requeue(min(waiting, key=lambda slot: slot.file.size_bytes), FileState.RETRYING)

    def _next_wake_at(self) -> float | None:
        """When the coordinator must look again by itself: a retry's end or the next probe."""
        times = [self._state.next_retry_at()]
        if self._state.waiting_for_network():
            times.append(self._outage.next_probe_at())
        due = [at for at in times if at is not None]
        return min(due) if due else None

    def _wait_s(self) -> float:
        wait_s = self.settings.progress_interval_s
        next_wake = self._next_wake_at()
        if next_wake is not None:
            wait_s = max(0.0, min(wait_s, next_wake - self._clock()))
        return wait_s

    def _requeue(self, slot: Slot, state: FileState) -> None:
        if self._tracker.state(slot.file.path) is state:
            self._tracker.transition(slot.file.path, FileState.PENDING)
        self._state.queue_file(slot)

    def _admit_files(self) -> None:
        window = 2 * max(1, self._executor.size)
        while self._backlog is not None and self._state.count(Phase.QUEUED, Phase.ACTIVE) < window:
            file = next(self._backlog, None)
            if file is None:
                self._backlog = None
                return
            self._admit(file)

    def _admit(self, file: FileFingerprint) -> None:
        state = self._tracker.state(file.path)
        if self._counts_totals:
            self._services.progress.add_totals(files=1, bytes_=file.size_bytes)
        if state in _ALREADY_DELIVERED:
            self._services.progress.skip_file(file.size_bytes)
            return
        if state is FileState.HASHING:
            self._services.tell(file.path, "still being hashed; not sent in this run")
            return
        if state is FileState.TRANSFERRING:
            self._tracker.transition(file.path, FileState.PAUSED, reason=_INTERRUPTED_REASON)
            state = FileState.PAUSED
        if state is not FileState.PENDING:
            self._tracker.transition(file.path, FileState.PENDING)
        self._state.queue_file(Slot(file, Phase.QUEUED))

    def _sweep(self, *, cancel: bool) -> None:
        """Pause or cancel what is queued, waiting or parked; stop runs from sending more."""
        file_jobs, runs = self._state.withdraw_unstarted()
        for run in self._state.active_runs():
            run.stop()
        for job in file_jobs:
            slot = self._state.slots.get(job.file.path)
            if slot is not None and slot.phase is Phase.QUEUED:
                self._outcomes.stopped(slot)
        for run, count in runs.values():
            if run.jobs_withdrawn(count):
                self._outcomes.attempt_ended(run.file, ReadStopped(), run.made_progress)
        phases = (Phase.RETRYING, Phase.PARKED) if cancel else (Phase.RETRYING,)
        for phase in phases:
            for slot in self._state.in_phase(phase):
                self._outcomes.stopped(slot)

    def _drain_backlog_for_cancel(self) -> None:
        """Files paused in an earlier run and not admitted yet lose their parts too."""
        if self._backlog is None:
            return
        for file in self._backlog:
            if self._tracker.state(file.path) is FileState.PAUSED:
                slot = Slot(file, Phase.PARKED)
                with self._state.lock:
                    self._state.slots[file.path] = slot
                self._outcomes.discard(slot)
        self._backlog = None

    def _end_run(self) -> None:
        for event in self._services.progress.events_now():
            self._emit(event)
        if self._gate.is_cancelled:
            outcome, message = "cancelled", ""
        elif self._stop_error is not None or self._is_closing:
            outcome = "stopped"
            message = str(self._stop_error) if self._stop_error else "the transfer was closed"
        else:
            outcome, message = "finished", ""
        self.outcome = TransferRunEnded(
            outcome, self._state.files_done, self._state.files_failed, message
        )
        self._state.queue.close()
        log.info("transfer run ended: %s", self.outcome)
        self._emit(self.outcome)
