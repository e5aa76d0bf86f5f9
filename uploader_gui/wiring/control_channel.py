"""The FAST control channel as the session engine's `ControlChannel` port, built from `fast/`.

Order of work, as `fast/`'s author recommends: resume scan before the lock; `ClientLock` and its
`LockRefresher`; the validator log's size recorded before the label, the index and the init
step; `ClientLogWriter` with the `init` row once the validator is listening, then `Heartbeat` and
`ValidatorTailRunner`. `close()` stops the heartbeat and the refresher, writes the one `stop` row
(only if the log was opened), stops the tail, and releases the lock only if we still hold it.

One addition: a validator still running for our own interrupted session (the same agent id, a
killed process) makes the init step refuse with "a validation task is already running". That
validator only waits for its client's `stop`, or times the client out minutes later. As the same
agent, we write the `stop` row the killed process could not, wait for the validator's own `stop`,
and ask the init step again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.credentials import Credentials

from uploader_gui.aws.clients import lambda_client, make_session, s3_client, ssm_client
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.delivery.index_file import IndexEntry
from uploader_gui.core.delivery.label import Label
from uploader_gui.core.delivery.profile import Profile
from uploader_gui.core.engine.ports import ArchiveInfo, LockAcquired, LockLostHandler, RowsHandler
from uploader_gui.core.events import Event, ValidatorRowReceived, WarningRaised
from uploader_gui.core.protocol.lock_status import LockCheck, LockStatus
from uploader_gui.core.protocol.log_rows import LogRow, format_row
from uploader_gui.core.protocol.naming import DeliveryNames
from uploader_gui.core.protocol.resume_plan import ResumeScan
from uploader_gui.fast.control_lock import (
    AskTakeover,
    ClientLock,
    LockRefresher,
    takeover_asker,
)
from uploader_gui.fast.control_log import ClientLogWriter
from uploader_gui.fast.delivery_upload import upload_label_and_index
from uploader_gui.fast.heartbeat import Heartbeat
from uploader_gui.fast.log_appender import S3LogAppender
from uploader_gui.fast.network_config_reader import read_network_config
from uploader_gui.fast.pipeline_start import (
    PipelineStartFailed,
    init_payload,
    start_pipeline,
    wait_for_pipeline_started,
)
from uploader_gui.fast.resume_scan import scan_for_resume
from uploader_gui.fast.s3_objects import object_size
from uploader_gui.fast.validator_tail import ValidatorLogTail, ValidatorTailRunner
from uploader_gui.wiring.validator_waits import (
    VALIDATION_TASK_RUNNING_STEP,
    start_when_validator_gone,
    wait_for_stop_row,
)

TRANSFER_APPLICATION_STARTED = "transfer application started"

CredentialsSource = Callable[[str, str], Credentials | None]


@dataclass(frozen=True)
class ControlSettings:
    """Timings of the control channel (tests shorten them; the defaults are the protocol's)."""

    flush_interval_s: float = 1.0
    heartbeat_tick_s: float = 1.0
    keepalive_after_s: float = 10.0
    heartbeat_every_s: float = 60.0
    tail_poll_interval_s: float = 1.0
    pipeline_start_timeout_s: float = 120.0
    pipeline_poll_interval_s: float = 1.0
    lock_refresh_interval_s: float | None = None  # None: threshold / 4
    # An earlier validator of this delivery (ours interrupted, or one finishing its session).
    earlier_validator_timeout_s: float = 300.0
    earlier_validator_retry_s: float = 2.0
    # After our `stop`, how long to wait for the validator's (0: not at all).
    validator_end_timeout_s: float = 30.0
    writer_stop_timeout_s: float = 30.0


def static_credentials(dataset: str, delivery_id: str) -> Credentials | None:
    """For profiles with `[credentials]`: `make_session` uses the profile's keys."""
    del dataset, delivery_id
    return None


def _ignore(event: Event) -> None:
    del event


class ArchiveControl:
    """`ControlChannel` for one delivery of one profile."""

    def __init__(
        self,
        profile: Profile,
        *,
        credentials: CredentialsSource = static_credentials,
        ask_takeover: AskTakeover | None = None,
        emit: Callable[[Event], None] = _ignore,
        settings: ControlSettings | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.profile = profile
        self._credentials = credentials
        self._ask_takeover = ask_takeover
        self._emit = emit
        self.settings = settings or ControlSettings()
        self._sleep = sleep
        self._monotonic = monotonic
        self.boto3_session: boto3.Session | None = None
        self.botocore_credentials: Credentials | None = None
        self._names: DeliveryNames | None = None
        self._s3: Any = None
        self._lambda: Any = None
        self._threshold_s = 3600.0
        self._init_lambda_arn = ""
        self._lock: ClientLock | None = None
        self._validator_start = 0
        self._tail: ValidatorLogTail | None = None
        self._writer: ClientLogWriter | None = None
        self._heartbeat: Heartbeat | None = None
        self._refresher: LockRefresher | None = None
        self._runner: ValidatorTailRunner | None = None
        self._is_closed = False
        self._has_validator_ended = False

    @property
    def names(self) -> DeliveryNames:
        if self._names is None:
            raise RuntimeError("not connected")
        return self._names

    @property
    def is_lock_held(self) -> bool:
        return self._lock is not None and self._lock.is_held

    def connect(self, dataset: str, delivery_id: str, transfer_type: str) -> ArchiveInfo:
        credentials = self._credentials(dataset, delivery_id)
        session = make_session(self.profile, credentials)
        network = read_network_config(
            ssm_client(session, self.profile), self.profile.network_config_parameter
        )
        self.boto3_session, self.botocore_credentials = session, credentials
        self._names = network.names_for(dataset, delivery_id, transfer_type)
        self._s3 = s3_client(session, self.profile)
        self._lambda = lambda_client(session, self.profile)
        self._threshold_s = network.lock_staleness_threshold_s
        self._init_lambda_arn = network.init_lambda_arn
        return ArchiveInfo(
            names=self._names,
            bucket_stem=network.bucket_stem,
            az_id=network.availability_zone_id,
            lock_staleness_threshold_s=network.lock_staleness_threshold_s,
        )

    def scan_for_resume(
        self, entries: Sequence[IndexEntry | FileFingerprint], local_sizes: Mapping[str, int]
    ) -> ResumeScan:
        return scan_for_resume(self._s3, self.names, entries, local_sizes=local_sizes)

    def acquire_lock(self, agent_id: str | None) -> LockAcquired:
        lock = ClientLock(
            self._s3,
            self.names.control_bucket,
            staleness_threshold_s=self._threshold_s,
            agent_id=agent_id,
        )
        # Without an answer given in advance, the person is asked (a `QuestionAsked` event).
        ask = self._ask_takeover or takeover_asker(self._emit, lock.key, self._threshold_s)
        seen = lock.acquire(ask)
        self._lock = lock
        return LockAcquired(lock.agent_id, was_ours_already=seen.status is LockStatus.HELD)

    def check_lock(self) -> LockCheck:
        """The lock as it is now, read only (after `connect`): for waiting until it is free."""
        lock = ClientLock(
            self._s3, self.names.control_bucket, staleness_threshold_s=self._threshold_s
        )
        return lock.check()

    def record_validator_log_start(self) -> None:
        names = self.names
        size = object_size(self._s3, names.control_bucket, names.validator_log_key)
        self._validator_start = size or 0

    def upload_label_and_index(
        self,
        label: Label,
        entries: Sequence[IndexEntry | FileFingerprint],
        will_transfer: Mapping[str, bool],
    ) -> None:
        upload_label_and_index(self._s3, self.names, label, entries, will_transfer)

    def start_pipeline(self, *, may_end_own_validator: bool) -> list[LogRow]:
        tail = self._new_tail()
        try:
            start_pipeline(self._lambda, self._arn(), self._payload(), tail)
        except PipelineStartFailed as failed:
            if failed.step != VALIDATION_TASK_RUNNING_STEP:
                raise
            tail = self._start_after_earlier_validator(tail, is_ours=may_end_own_validator)
        settings = self.settings
        rows = wait_for_pipeline_started(
            tail,
            timeout_s=settings.pipeline_start_timeout_s,
            poll_interval_s=settings.pipeline_poll_interval_s,
        )
        self._tail = tail
        return rows

    def open_client_log(self) -> None:
        names = self.names
        appender = S3LogAppender(self._s3, names.control_bucket, names.client_log_key)
        writer = ClientLogWriter(
            appender,
            self._agent_id(),
            emit=self._emit,
            flush_interval_s=self.settings.flush_interval_s,
        )
        writer.start()
        self._writer = writer
        writer.write("init", "self", "ok", TRANSFER_APPLICATION_STARTED)

    def write_row(self, category: str, ref: str, status: str, message: object = None) -> None:
        if self._writer is None:
            raise RuntimeError("the client log is not open")
        self._writer.write(category, ref, status, message)

    def start_background(self, *, on_rows: RowsHandler, on_lock_lost: LockLostHandler) -> None:
        settings = self.settings
        assert self._writer is not None
        assert self._lock is not None
        assert self._tail is not None
        self._heartbeat = Heartbeat(
            self._writer,
            tick_s=settings.heartbeat_tick_s,
            keepalive_after_s=settings.keepalive_after_s,
            heartbeat_every_s=settings.heartbeat_every_s,
        )
        self._refresher = LockRefresher(
            self._lock,
            emit=self._emit,
            on_lost=lambda exc: on_lock_lost(str(exc)),
            interval_s=settings.lock_refresh_interval_s,
        )

        def seen(rows: list[LogRow]) -> None:
            if any(row.category == "stop" for row in rows):
                self._has_validator_ended = True
            on_rows(rows)

        self._runner = ValidatorTailRunner(
            self._tail, seen, emit=self._emit, poll_interval_s=settings.tail_poll_interval_s
        )
        for worker in (self._heartbeat, self._refresher, self._runner):
            worker.start()

    def archive_reachable(self) -> None:
        """The transfer reached the archive again: the client log and the validator tail,
        perhaps waiting out a fault's backoff (up to 10 s and 30 s), try again at once, so
        verdicts follow the resumed uploads without that delay."""
        if self._writer is not None:
            self._writer.retry_now()
        if self._runner is not None:
            self._runner.retry_now()

    def close(self) -> None:
        """Heartbeat and refresher first, so nothing follows `stop`; then the lock.

        Every session that took the lock ends with one `stop` row, even one that failed
        before its client log was opened: a validator the init step did start (but that was
        not heard from in time) then ends at once instead of minutes later.
        """
        if self._is_closed:
            return
        self._is_closed = True
        for worker in (self._heartbeat, self._refresher, self._runner):
            if worker is not None:
                worker.stop()
        if self._writer is None and self._lock is not None and self._lock.is_held:
            self._append_stop_row()
        if self._writer is not None:
            has_landed = self._writer.stop(self.settings.writer_stop_timeout_s)
            if has_landed and self._tail is not None and not self._has_validator_ended:
                try:
                    self._await_validator_end()
                except Exception as exc:  # noqa: BLE001 - the lock must still be released
                    self._emit(WarningRaised("Could not read the validator's end", str(exc)))
        if self._lock is not None and self._lock.is_held:
            self._lock.release()

    # --- internals -------------------------------------------------------------------------------

    def _append_stop_row(self) -> None:
        """One `stop` row as this agent, appended at once (no client log writer running)."""
        names = self.names
        row = format_row(datetime.now(UTC), "stop", "self", "ok", None, self._agent_id())
        appender = S3LogAppender(self._s3, names.control_bucket, names.client_log_key)
        appender.append(row.encode("utf-8"))

    def _agent_id(self) -> str:
        if self._lock is None:
            raise RuntimeError("the lock is not taken")
        return self._lock.agent_id

    def _arn(self) -> str:
        return self._init_lambda_arn

    def _payload(self) -> dict[str, Any]:
        names = self.names
        return init_payload(names.dataset, names.delivery_id, names.transfer_type, self._agent_id())

    def _new_tail(self) -> ValidatorLogTail:
        names = self.names
        return ValidatorLogTail(
            self._s3,
            names.control_bucket,
            names.validator_log_key,
            start_offset=self._validator_start,
            emit=self._emit,
        )

    def _start_after_earlier_validator(
        self, tail: ValidatorLogTail, *, is_ours: bool
    ) -> ValidatorLogTail:
        """An earlier validator of this delivery still runs: wait for it, then start ours.

        If it serves our own interrupted session, we write the `stop` row that session could
        not, as the same agent, so it ends now rather than minutes later.
        """
        settings = self.settings
        if is_ours:
            self._emit(
                WarningRaised(
                    "The validator of this delivery's interrupted session is still running; "
                    "telling it that session has stopped"
                )
            )
            self._append_stop_row()
            wait_for_stop_row(
                tail,
                timeout_s=settings.earlier_validator_timeout_s,
                poll_s=settings.pipeline_poll_interval_s,
                sleep=self._sleep,
                monotonic=self._monotonic,
            )
        else:
            self._emit(
                WarningRaised(
                    "A validator of an earlier session of this delivery is still finishing; "
                    f"waiting for it (at most {settings.earlier_validator_timeout_s:g} s)"
                )
            )

        def start_ours() -> ValidatorLogTail:
            self.record_validator_log_start()
            fresh = self._new_tail()
            start_pipeline(self._lambda, self._arn(), self._payload(), fresh)
            return fresh

        return start_when_validator_gone(
            start_ours,
            timeout_s=settings.earlier_validator_timeout_s,
            retry_delay_s=settings.earlier_validator_retry_s,
            sleep=self._sleep,
            monotonic=self._monotonic,
        )

    def _await_validator_end(self) -> None:
        """After our `stop`: the validator's own `shutdown` and `stop`, shown as they come."""
        assert self._tail is not None
        settings = self.settings
        has_stopped = wait_for_stop_row(
            self._tail,
            timeout_s=settings.validator_end_timeout_s,
            poll_s=settings.tail_poll_interval_s,
            sleep=self._sleep,
            monotonic=self._monotonic,
            on_row=lambda row: self._emit(ValidatorRowReceived.of(row)),
        )
        if not has_stopped:
            self._emit(
                WarningRaised(
                    "The validator had not confirmed the end of the session after "
                    f"{settings.validator_end_timeout_s:g} s; it will end on its own"
                )
            )
