"""Failures while sending: throttling and 5xx retried with backoff (Retry-After honoured,
attempts saved), giving up, expired credentials renewed without failing anything, files that
change while they are sent, and the archive's own injected faults."""

from __future__ import annotations

import datetime
import os
import threading
from pathlib import Path
from typing import Any

from botocore.credentials import RefreshableCredentials

from tests.integration.conftest import archive_options
from tests.integration.transfer_kit import (
    BOTH_PUT_PATHS,
    PART_BYTES,
    InjectedFaults,
    MakeDelivery,
    NotifyingFiles,
    crc32_b64,
    error_response,
    make_delivery,
    quick_settings,
    random_bytes,
)
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.events import FileStateChanged, TransferAttemptEnded
from uploader_gui.core.upload.retry_policy import RetryPolicy
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.transfer.transfer_clients import refresh_hook

pytest_plugins = ("tests.integration.transfer_fixtures",)


def for_key(key: str) -> Any:
    return lambda request: request.url.split("?")[0].endswith(f"/{key}")


def for_part(number: int) -> Any:
    return lambda request: f"partNumber={number}" in request.url


@BOTH_PUT_PATHS
def test_throttling_and_server_errors_are_retried_with_backoff_and_saved(
    deliveries: MakeDelivery,
) -> None:
    small, big = random_bytes(2048), random_bytes(3 * PART_BYTES)
    delivery = deliveries({"a.fits": small, "big.fits": big})
    throttled = InjectedFaults(
        "PutObject",
        2,
        lambda n: (
            error_response(503, "SlowDown", "Reduce your request rate.", {"Retry-After": "1"})
            if n == 1
            else error_response(500, "InternalError", "We encountered an internal error.")
        ),
        matches=for_key("a.fits"),
    )
    broken_part = InjectedFaults(
        "UploadPart",
        1,
        lambda n: error_response(500, "InternalError", "We encountered an internal error."),
        matches=for_part(2),
    )
    engine = delivery.engine(
        factory=delivery.client_factory(throttled.install, broken_part.install)
    )

    engine.start(delivery.files)

    assert engine.wait(60)
    assert delivery.object_bytes("a.fits") == small
    assert delivery.object_bytes("big.fits") == big
    assert delivery.records.record("a.fits").attempts == 3
    assert delivery.records.record("big.fits").attempts == 2
    retries = [
        e.reason
        for e in delivery.events.of_type(FileStateChanged)
        if e.path == "a.fits" and e.new_state == "retrying"
    ]
    assert retries[0].startswith("retrying in 1.0 s")  # the server's Retry-After, not 0.01 s
    assert "SlowDown" in retries[0]
    assert "InternalError" in retries[1]
    outcomes = [(a.is_ok, a.will_retry) for a in delivery.events.attempts_of("a.fits")]
    assert outcomes == [(False, True), (False, True), (True, False)]
    timeline = [entry.detail for entry in delivery.records.timeline("a.fits")]
    assert sum(detail.startswith("retrying") for detail in timeline) == 2
    # The retry resumed the multipart upload: every part reached the archive exactly once.
    assert delivery.requests("UploadPart", "big.fits") == 3


@BOTH_PUT_PATHS
def test_a_file_that_keeps_failing_fails_after_the_attempt_limit(
    deliveries: MakeDelivery,
) -> None:
    delivery = deliveries({"a.fits": b"never accepted"})
    always = InjectedFaults(
        "PutObject", 100, lambda n: error_response(500, "InternalError", "Internal error.")
    )
    settings = quick_settings(retry_policy=RetryPolicy(base_delay_s=0.0, max_attempts=3))
    engine = delivery.engine(factory=delivery.client_factory(always.install), settings=settings)

    engine.start(delivery.files)

    assert engine.wait(60)
    record = delivery.records.record("a.fits")
    assert record.state is FileState.FAILED
    assert record.attempts == 3
    assert record.last_error.startswith("gave up after 3 failed attempts in a row")
    assert [a.will_retry for a in delivery.events.attempts_of("a.fits")] == [True, True, False]


def refreshable_credentials(archive: LocalArchive, refreshes: list[int]) -> RefreshableCredentials:
    keys = archive.credentials

    def fetch() -> dict[str, Any]:
        refreshes.append(1)
        return metadata()

    def metadata() -> dict[str, Any]:
        expiry = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
        return {
            "access_key": keys.access_key_id,
            "secret_key": keys.secret_access_key,
            "token": None,
            "expiry_time": expiry.isoformat(),
        }

    return RefreshableCredentials.create_from_metadata(
        metadata(), refresh_using=fetch, method="test"
    )


def test_expired_credentials_are_renewed_and_the_same_part_sent_again(
    deliveries: MakeDelivery,
) -> None:
    data = random_bytes(3 * PART_BYTES)
    delivery = deliveries({"big.fits": data})
    refreshes: list[int] = []
    credentials = refreshable_credentials(delivery.archive, refreshes)
    expired = InjectedFaults(
        "UploadPart", 2, lambda n: error_response(400, "ExpiredToken", "The token has expired.")
    )
    engine = delivery.engine(
        factory=delivery.client_factory(expired.install, credentials=credentials),
        settings=quick_settings(concurrency=1),
        refresh_credentials=refresh_hook(credentials),
    )

    engine.start(delivery.files)

    assert engine.wait(60)
    assert len(refreshes) == expired.injected == 2
    assert delivery.object_bytes("big.fits") == data
    assert delivery.records.record("big.fits").attempts == 1  # never a failed attempt
    assert "retrying" not in delivery.events.states_of("big.fits")
    assert all(a.is_ok for a in delivery.events.of_type(TransferAttemptEnded))


@BOTH_PUT_PATHS
def test_expired_credentials_that_cannot_be_renewed_pause_instead_of_failing(
    deliveries: MakeDelivery,
) -> None:
    delivery = deliveries({"a.fits": b"waits for a new sign-in"})
    expired = InjectedFaults(
        "PutObject", 1, lambda n: error_response(400, "ExpiredToken", "The token has expired.")
    )
    engine = delivery.engine(factory=delivery.client_factory(expired.install))

    engine.start(delivery.files)

    assert engine.wait(60)
    assert engine.outcome is not None
    assert engine.outcome.outcome == "stopped"
    assert "sign in again" in engine.outcome.message
    assert delivery.tracker.state("a.fits") is FileState.PAUSED


def test_a_file_modified_while_its_parts_are_sent_fails_with_the_reason(
    deliveries: MakeDelivery,
) -> None:
    delivery = deliveries({"big.fits": random_bytes(4 * PART_BYTES)})
    path = delivery.root / "big.fits"
    modified = threading.Event()

    def grow_after_first_part(changed_path: str, number: int) -> None:
        if not modified.is_set():
            with path.open("ab") as appending:
                appending.write(b"more data")
            modified.set()

    engine = delivery.engine(
        records=NotifyingFiles(delivery.records, grow_after_first_part),
        settings=quick_settings(concurrency=1),
    )

    engine.start(delivery.files)

    assert engine.wait(60)
    record = delivery.records.record("big.fits")
    assert record.state is FileState.FAILED
    assert "changed while it was being uploaded" in record.last_error
    assert delivery.open_uploads("big.fits") == []


@BOTH_PUT_PATHS
def test_a_file_rewritten_in_place_is_refused_by_its_checksum(deliveries: MakeDelivery) -> None:
    delivery = deliveries({"a.fits": b"original content"})
    path = delivery.root / "a.fits"
    before = path.stat()
    path.write_bytes(b"changed content!")
    # Same size and mtime as indexed: only the archive's CRC32 check can tell.
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))

    engine = delivery.engine()
    engine.start(delivery.files)

    assert engine.wait(60)
    record = delivery.records.record("a.fits")
    assert record.state is FileState.FAILED
    assert "do not match their CRC32 checksum (BadDigest)" in record.last_error


def test_the_archives_injected_faults_are_ridden_out(tmp_path: Path) -> None:
    options = archive_options(auto_accept=True, fail_request_rate=0.3, fail_seed=4)
    contents = {f"f{n}.fits": random_bytes(1000 + n) for n in range(6)}
    contents["big.fits"] = random_bytes(3 * PART_BYTES)
    with LocalArchive(options) as archive:
        delivery = make_delivery(archive, tmp_path, contents)
        settings = quick_settings(retry_policy=RetryPolicy(base_delay_s=0.01, max_attempts=20))
        engine = delivery.engine(settings=settings)

        engine.start(delivery.files)

        assert engine.wait(120)
        for path, data in contents.items():
            assert delivery.object_bytes(path) == data
            assert delivery.head(path)["ChecksumCRC32"] == crc32_b64(data)
        injected = [
            r
            for r in archive.audit_records()
            if r.get("injected_fault") and r["bucket"] == delivery.bucket
        ]
        attempts = sum(delivery.records.record(path).attempts for path in contents)
        assert injected
        assert len(contents) < attempts <= len(contents) + len(injected)
        delivery.close()
