"""The reference validator: the server side of PROTOCOL.md §8, on its own thread.

One `ReferenceValidator` is one upstream ECS task for one delivery and transfer type. Its thread
runs pipeline init (§8.1, `validator_init`), signals `initialized` (upstream prints "Initializing
pipeline", which is what the init step waits for), takes `lock/validator`, tails the client log
from its current end and runs the 0.25 s main loop (§8.2): interpret the client's rows
(`ValidationState`, §8.3), validate reported objects on 3 threads, write verdicts and `n / N`
keepalives, refresh the lock. It ends with a `shutdown` row (`ok` at a terminal client state,
`failure` when commanded to stop, `error` on an exception), the lock release and `stop`.

It is strict where upstream is strict: a client row upstream crashes on (§8.4) crashes this
pipeline the same way and appends a description with the offending row to `failures` (the
archive's `validator_failures`), so a test catches the client that wrote it.
"""

from __future__ import annotations

import contextlib
import threading
import time
import traceback
from collections.abc import Callable, MutableSequence
from datetime import UTC, datetime
from typing import Any

from uploader_gui.sandbox.validation_files import (
    FileValidator,
    HeadObjectLookup,
    ObjectLookup,
    Verdict,
)
from uploader_gui.sandbox.validation_lock import (
    LockHeldElsewhereError,
    acquire_lock,
    release_lock,
)
from uploader_gui.sandbox.validation_pool import ValidationPool
from uploader_gui.sandbox.validation_state import (
    ClientProtocolViolation,
    ValidationState,
    parse_client_chunk,
)
from uploader_gui.sandbox.validator_init import (
    LaunchParameters,
    ValidatorInitFailedError,
    ValidatorSetup,
    initialize_validator,
)
from uploader_gui.sandbox.validator_log import ClientLogTail, LogWriterStoppedError
from uploader_gui.sandbox.validator_settings import ValidatorSettings

ClientFactory = Callable[[str], Any]


class InjectedCrashError(RuntimeError):
    """The `--validator-crash-after N` fault: behaves like an unhandled pipeline exception."""


class ClientLogTailDiedError(RuntimeError):
    """The client-log tail thread ended; upstream's pipeline raises when its reader dies."""


def exception_report(exc: BaseException) -> dict[str, object]:
    """Upstream's exception report: the exception and where it was raised."""
    frames = traceback.extract_tb(exc.__traceback__)
    return {
        "exception": f"{type(exc)}: {exc}",
        "lineno": [frame.lineno for frame in frames],
        "name": [frame.name for frame in frames],
        "filename": [frame.filename for frame in frames],
    }


class ReferenceValidator:
    """One validator task; `start()` runs it on a daemon thread until the session ends."""

    def __init__(
        self,
        launch: LaunchParameters,
        *,
        client_factory: ClientFactory,
        failures: MutableSequence[str],
        objects: ObjectLookup | None = None,
        settings: ValidatorSettings | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.launch = launch
        self._client_factory = client_factory
        # Upstream's HEAD per file unless the archive offers its own store (`archive_objects`).
        self._objects = objects
        self._failures = failures
        self._settings = settings or ValidatorSettings()
        self._now = now
        self.initialized = threading.Event()
        self.finished = threading.Event()
        self._stop_requested = threading.Event()
        name = f"validator {launch.dataset}-{launch.delivery_id}-{launch.transfer_type}"
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    @property
    def is_running(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        self._thread.start()

    def request_stop(self) -> None:
        """Commanded termination: the session ends with `shutdown/self/failure` and `stop`."""
        self._stop_requested.set()

    def join(self, timeout_s: float | None = None) -> bool:
        """Wait for the thread; True once it has ended."""
        if self._thread.ident is not None:
            self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def _run(self) -> None:
        try:
            s3 = self._client_factory("s3")
            ssm = self._client_factory("ssm")
            try:
                setup = initialize_validator(
                    self.launch, s3=s3, ssm=ssm, settings=self._settings, now=self._now
                )
            except ValidatorInitFailedError:
                return
            self.initialized.set()
            try:
                session = _ValidationSession(
                    setup,
                    s3,
                    self._objects or HeadObjectLookup(s3),
                    self._settings,
                    self._failures,
                    self._stop_requested,
                    self._now,
                )
            except Exception:
                setup.writer.stop()
                raise
            session.run()
        except Exception as exc:  # noqa: BLE001 - reported loudly, never silently lost
            self._failures.append(f"{self._thread.name}: crashed outside its pipeline: {exc!r}")
        finally:
            self.finished.set()


class _ValidationSession:
    """Lock, tail, main loop and shutdown of one initialised validator."""

    def __init__(
        self,
        setup: ValidatorSetup,
        s3: Any,
        objects: ObjectLookup,
        settings: ValidatorSettings,
        failures: MutableSequence[str],
        stop_requested: threading.Event,
        now: Callable[[], datetime],
    ) -> None:
        self._setup = setup
        self._s3 = s3
        self._settings = settings
        self._failures = failures
        self._stop_requested = stop_requested
        self._writer = setup.writer
        self._names = setup.names
        self._state = ValidationState(
            setup.index,
            missing_timeout_s=settings.missing_timeout_s,
            reproduce_keepalive_quirk=settings.reproduce_keepalive_quirk,
            now=now,
        )
        self._tail = ClientLogTail(
            s3,
            self._names.control_bucket,
            self._names.client_log_key,
            poll_s=settings.tail_poll_s,
            on_problem=lambda text: failures.append(f"{self._label}: {text}"),
        )
        # Set on every exit so a slow validation does not hold up the shutdown.
        self._abandon_validations = threading.Event()
        self._files = FileValidator(
            objects,
            self._names.transfer_bucket,
            setup.index.rows,
            setup.label,
            invalid_globs=settings.invalid_globs,
            slow_validation_s=settings.slow_validation_s,
            stop_requested=self._abandon_validations,
        )
        self._pool = ValidationPool(
            self._files.validate,
            settings.n_validation_threads,
            name=f"validate {self._names.index_key}",
        )
        self._n_verdicts = 0
        self._lock_refreshed_at = time.monotonic()

    @property
    def _label(self) -> str:
        names = self._names
        return f"validator for {names.dataset}-{names.delivery_id} ({names.transfer_type})"

    def run(self) -> None:
        if not self._acquire_lock():
            self._writer.stop()
            return
        try:
            self._tail.start()
            self._writer.write("init", "self", "ok", "validation pipeline started")
            is_commanded = self._loop()
        except Exception as exc:  # noqa: BLE001 - upstream's pipeline-level crash handling
            self._record_crash(exc)
            self._write_shutdown("error", "exiting due to unhandled exception in pipeline", exc)
        else:
            if is_commanded:
                self._write_shutdown("failure", "exiting due to commanded termination")
            else:
                self._write_shutdown("ok", "exiting at terminal state")
        finally:
            self._close()

    def _loop(self) -> bool:
        """Run until the client is finished and no validation is pending; True if commanded."""
        while not self._stop_requested.is_set():
            self._step()
            if self._state.is_client_finished and not self._pool.has_pending:
                return False
            self._stop_requested.wait(self._settings.loop_interval_s)
        return True

    def _step(self) -> None:
        if not self._tail.is_running:
            raise ClientLogTailDiedError(f"client log tail died: {self._tail.failure!r}")
        text = self._tail.drain()
        rows = parse_client_chunk(text) if text else []
        for path in self._state.queue_validation(self._state.update(rows)):
            self._pool.submit(path)
        self._write_finished_verdicts()
        if self._writer.idle_s() > self._settings.keepalive_threshold_s:
            progress = f"{self._state.n_completed} / {self._state.n_expected_files}"
            self._writer.write("keepalive", "self", "ok", progress)
        self._refresh_lock_if_due()

    def _write_finished_verdicts(self) -> None:
        for path, outcome in self._pool.take_finished():
            if isinstance(outcome, Exception):
                verdict = Verdict(path, "error", exception_report(outcome))
            else:
                verdict = outcome
            self._writer.write("validation", path, verdict.status, verdict.message)
            self._state.record_verdict(path, verdict.status)
            self._n_verdicts += 1
            crash_after = self._settings.crash_after_verdicts
            if crash_after is not None and self._n_verdicts >= crash_after:
                raise InjectedCrashError(f"injected validator crash after {crash_after} verdicts")

    def _acquire_lock(self) -> bool:
        bucket = self._names.control_bucket
        try:
            acquire_lock(
                self._s3,
                bucket,
                "validator",
                self._setup.agent_id,
                self._setup.lock_staleness_threshold_s,
            )
        except LockHeldElsewhereError as exc:
            self._failures.append(f"{self._label}: could not acquire lock/validator ({exc})")
            self._writer.write("init", "lock", "failure", {"summary": "could not acquire lock"})
            self._writer.write("stop", "self", "ok")
            return False
        except Exception as exc:  # noqa: BLE001 - written as upstream's lock check error
            self._failures.append(f"{self._label}: lock/validator check failed ({exc!r})")
            self._writer.write("init", "lock", "error", {"summary": "lock check error"})
            self._writer.write("stop", "self", "ok")
            return False
        return True

    def _refresh_lock_if_due(self) -> None:
        interval_s = self._setup.lock_staleness_threshold_s / 4
        if time.monotonic() - self._lock_refreshed_at <= interval_s:
            return
        self._lock_refreshed_at = time.monotonic()
        # Upstream ignores the refresh result (PROTOCOL.md §3).
        with contextlib.suppress(LockHeldElsewhereError):
            acquire_lock(
                self._s3,
                self._names.control_bucket,
                "validator",
                self._setup.agent_id,
                self._setup.lock_staleness_threshold_s,
            )

    def _record_crash(self, exc: Exception) -> None:
        if isinstance(exc, InjectedCrashError):
            return  # a fault asked for, not a client's or the sandbox's mistake
        if isinstance(exc, ClientProtocolViolation):
            self._failures.append(
                f"{self._label}: client log input upstream's validator crashes on: "
                f"{exc.reason}; offending row: {exc.row_text!r}"
            )
        else:
            self._failures.append(f"{self._label}: pipeline crashed: {exc!r}")

    def _write_shutdown(self, status: str, summary: str, exc: Exception | None = None) -> None:
        message: dict[str, object] = {
            "summary": summary,
            "client status": self._state.client_status,
        }
        if exc is not None:
            message["error"] = exception_report(exc)
        self._safe_write("shutdown", status, message)

    def _safe_write(self, category: str, status: str, message: object = None) -> None:
        try:
            self._writer.write(category, "self", status, message)
        except LogWriterStoppedError:
            self._failures.append(
                f"{self._label}: could not write {category} row, log writer stopped: "
                f"{self._writer.failure!r}"
            )

    def _close(self) -> None:
        self._abandon_validations.set()
        self._pool.shutdown()
        try:
            release_lock(self._s3, self._names.control_bucket, "validator", self._setup.agent_id)
        except Exception as exc:  # noqa: BLE001 - the stop row must still be written
            self._failures.append(f"{self._label}: could not release lock/validator: {exc!r}")
        self._safe_write("stop", "ok")
        self._writer.stop()
        self._tail.stop()
