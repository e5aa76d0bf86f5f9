"""A whole control-channel session against the reference validator (PROTOCOL.md §12).

The data objects are put by the test, as the transfer engine would; everything else is the
control channel: resume scan, lock, label and index, init step, the start row, client log with
heartbeats, validator verdicts, one `stop`, lock release. The strict reference validator records
any row upstream would crash on in `archive.validator_failures`, which must stay empty.
"""

from __future__ import annotations

import zlib
from base64 import b64encode
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from tests.integration.control_channel_kit import Delivery, new_delivery
from tests.integration.validator_harness import installed_init_step
from tests.waiting import wait_until
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.events import Event
from uploader_gui.core.protocol.log_rows import LogRow
from uploader_gui.core.protocol.resume_plan import NothingToDo
from uploader_gui.fast.control_lock import ClientLock, LockLostError, LockRefresher
from uploader_gui.fast.control_log import ClientLogWriter
from uploader_gui.fast.delivery_upload import upload_label_and_index
from uploader_gui.fast.heartbeat import Heartbeat
from uploader_gui.fast.log_appender import S3LogAppender
from uploader_gui.fast.pipeline_start import (
    init_payload,
    start_pipeline,
    wait_for_pipeline_started,
)
from uploader_gui.fast.resume_scan import scan_for_resume
from uploader_gui.fast.s3_objects import object_size
from uploader_gui.fast.validator_tail import ValidatorLogTail, ValidatorTailRunner
from uploader_gui.sandbox.archive import LocalArchive

FILES = {"a.fits": b"first file\n", "dir/b.fits": b"second file\n"}


def crc32_b64(data: bytes) -> str:
    return b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


ENTRIES = [FileFingerprint(path, len(body), 0, zlib.crc32(body)) for path, body in FILES.items()]


@dataclass
class RunningSession:
    delivery: Delivery
    lock: ClientLock
    writer: ClientLogWriter
    tail: ValidatorLogTail
    verdicts: list[LogRow] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    lost: list[LockLostError] = field(default_factory=list)
    threads: list[ValidatorTailRunner | LockRefresher] = field(default_factory=list)

    def start_threads(self) -> None:
        runner = ValidatorTailRunner(
            self.tail, self.verdicts.extend, emit=self.events.append, poll_interval_s=0.05
        )
        refresher = LockRefresher(
            self.lock, emit=self.events.append, on_lost=self.lost.append, interval_s=0.5
        )
        self.threads = [runner, refresher]
        for thread in self.threads:
            thread.start()

    def stop_threads(self) -> None:
        for thread in self.threads:
            thread.stop()


def open_session(delivery: Delivery) -> RunningSession:
    """§12 steps 4–8: resume scan, lock, tail, label and index, init step, start row."""
    names, s3 = delivery.names, delivery.s3
    scan = scan_for_resume(s3, names, ENTRIES)
    lock = ClientLock(
        s3, names.control_bucket, staleness_threshold_s=delivery.staleness_threshold_s
    )
    lock.acquire(lambda check: False)
    start = object_size(s3, names.control_bucket, names.validator_log_key) or 0
    tail = ValidatorLogTail(s3, names.control_bucket, names.validator_log_key, start_offset=start)
    upload_label_and_index(
        s3, names, delivery.label, ENTRIES, {e.path: scan.will_transfer(e.path) for e in ENTRIES}
    )
    payload = init_payload(names.dataset, names.delivery_id, names.transfer_type, lock.agent_id)
    start_pipeline(delivery.lambda_client, delivery.init_lambda_arn, payload, tail)
    wait_for_pipeline_started(tail, timeout_s=30, poll_interval_s=0.05)
    appender = S3LogAppender(s3, names.control_bucket, names.client_log_key)
    writer = ClientLogWriter(appender, lock.agent_id, flush_interval_s=0.2)
    writer.start()
    writer.write("init", "self", "ok", "transfer application started")
    session = RunningSession(delivery, lock, writer, tail)
    session.start_threads()
    return session


def close_session(session: RunningSession, heartbeat: Heartbeat | None = None) -> list[LogRow]:
    """§12 step 12: one stop row, the validator's shutdown, the lock released."""
    if heartbeat is not None:
        heartbeat.stop()
    assert session.writer.stop()
    delivery = session.delivery
    wait_until(
        lambda: any(row.category == "stop" for row in session.verdicts), "the validator's stop"
    )
    session.stop_threads()
    assert session.lock.release()
    assert delivery.object_bytes("lock/client") is None
    return session.verdicts


@pytest.fixture
def delivery(local_archive: LocalArchive, tmp_path: Path) -> Iterator[Delivery]:
    with installed_init_step(local_archive):
        yield new_delivery(local_archive, tmp_path)
    assert local_archive.validator_failures == []


def test_a_whole_session_then_nothing_to_do(delivery: Delivery) -> None:
    session = open_session(delivery)
    heartbeat = Heartbeat(session.writer, tick_s=0.05, keepalive_after_s=0.3, heartbeat_every_s=0.5)
    heartbeat.start()
    for path, body in FILES.items():
        delivery.admin_s3.put_object(
            Bucket=delivery.names.transfer_bucket,
            Key=path,
            Body=body,
            ChecksumAlgorithm="CRC32",
            ChecksumCRC32=crc32_b64(body),
        )
        session.writer.write("transfer", path, "ok")
    wait_until(
        lambda: len([r for r in session.verdicts if r.category == "validation"]) == 2,
        "both verdicts",
    )
    rows = close_session(session, heartbeat)
    verdicts = {row.ref: row.status for row in rows if row.category == "validation"}
    assert verdicts == {"a.fits": "ok", "dir/b.fits": "ok"}
    shutdown = next(row for row in rows if row.category == "shutdown")
    assert yaml.safe_load(shutdown.message)["client status"] == "done"
    client_rows = delivery.log_rows(delivery.names.client_log_key)
    assert [row.category for row in client_rows].count("stop") == 1
    assert client_rows[-1].category == "stop"
    assert session.lost == []
    with pytest.raises(NothingToDo):
        scan_for_resume(delivery.s3, delivery.names, ENTRIES)


@pytest.fixture
def impatient_validator(local_archive: LocalArchive, tmp_path: Path) -> Iterator[Delivery]:
    """A validator that declares a client missing after 2 s without a non-keepalive row."""
    with installed_init_step(local_archive, missing_timeout_s=2.0, keepalive_threshold_s=0.3):
        yield new_delivery(local_archive, tmp_path)
    assert local_archive.validator_failures == []


def validator_keepalives(session: RunningSession) -> int:
    return sum(1 for row in session.verdicts if row.category == "keepalive")


def shutdown_status(session: RunningSession) -> str | None:
    for row in session.verdicts:
        if row.category == "shutdown":
            return str(yaml.safe_load(row.message)["client status"])
    return None


def test_heartbeats_keep_an_idle_client_alive_where_keepalives_alone_do_not(
    impatient_validator: Delivery, local_archive: LocalArchive, tmp_path: Path
) -> None:
    session = open_session(impatient_validator)
    heartbeat = Heartbeat(session.writer, tick_s=0.05, keepalive_after_s=1.0, heartbeat_every_s=0.5)
    heartbeat.start()
    # The validator writes a keepalive every ~0.5 s while idle: eight of them span twice its
    # missing timeout.
    wait_until(lambda: validator_keepalives(session) >= 8, "the validator's own keepalives")
    assert shutdown_status(session) is None, "a live client was declared missing"
    close_session(session, heartbeat)
    assert shutdown_status(session) == "quit"  # stopped before any file was transferred

    # Keepalives only (upstream's client): the same validator gives up on the client.
    other = open_session(new_delivery(local_archive, tmp_path))
    # Upstream checks its timeout only on polls that bring no rows at all, so the keepalives
    # here are spaced as upstream spaces them relative to its 1 s polls.
    keepalive_only = Heartbeat(
        other.writer, tick_s=0.05, keepalive_after_s=1.0, heartbeat_every_s=10**6
    )
    keepalive_only.start()
    wait_until(lambda: shutdown_status(other), "the validator's shutdown")
    assert shutdown_status(other) == "missing"
    keepalive_only.stop()
    assert other.writer.stop()
    other.stop_threads()
    assert other.lock.release()
