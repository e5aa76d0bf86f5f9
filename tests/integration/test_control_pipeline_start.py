"""Starting the pipeline against the local archive's init step (PROTOCOL.md §7, §11 item 29).

The init step is E2's `InitStep` answering Lambda `Invoke` over HTTP; each failing `step` it can
reach is produced for real, the others (which need AWS failures the sandbox has no way to make)
are upstream's exact answers served through the same HTTP path.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.integration.conftest import archive_options
from tests.integration.control_channel_kit import Delivery, new_delivery
from tests.integration.validator_harness import installed_init_step
from uploader_gui.aws.clients import lambda_client, make_session
from uploader_gui.core.delivery.index_file import IndexEntry
from uploader_gui.fast.control_lock import ClientLock
from uploader_gui.fast.delivery_upload import upload_label_and_index
from uploader_gui.fast.pipeline_start import (
    PIPELINE_STARTED_MESSAGE,
    PipelineStartFailed,
    init_payload,
    start_pipeline,
    wait_for_pipeline_started,
)
from uploader_gui.fast.s3_objects import object_size
from uploader_gui.fast.validator_tail import ValidatorLogTail
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.sandbox.init_step import InitStep
from uploader_gui.sandbox.validator_init import NETWORK_CONFIG_PARAMETER

ENTRIES = (IndexEntry("a.fits", None, 2),)


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    # No auto-accept: an unknown delivery must really have no control bucket.
    with LocalArchive(archive_options()) as local_archive:
        yield local_archive


@pytest.fixture
def init_step(archive: LocalArchive) -> Iterator[InitStep]:
    archive.validator_failures.clear()
    with installed_init_step(archive) as step:
        yield step
    assert archive.validator_failures == []


@dataclass
class Session:
    """A client session up to the Invoke: lock held, tail recorded, label and index up."""

    delivery: Delivery
    lock: ClientLock
    tail: ValidatorLogTail

    def payload(self, **changes: str) -> dict[str, object]:
        names = self.delivery.names
        payload = init_payload(
            names.dataset, names.delivery_id, names.transfer_type, self.lock.agent_id
        )
        payload.update(changes)
        return payload

    def start(self, **changes: str) -> list[object]:
        rows = start_pipeline(
            self.delivery.lambda_client,
            self.delivery.init_lambda_arn,
            self.payload(**changes),
            self.tail,
        )
        return list(rows)


def prepared(delivery: Delivery, *, take_lock: bool = True) -> Session:
    names = delivery.names
    lock = ClientLock(
        delivery.s3, names.control_bucket, staleness_threshold_s=delivery.staleness_threshold_s
    )
    if take_lock:
        lock.acquire(lambda check: False)
    start = object_size(delivery.s3, names.control_bucket, names.validator_log_key) or 0
    tail = ValidatorLogTail(
        delivery.s3, names.control_bucket, names.validator_log_key, start_offset=start
    )
    upload_label_and_index(delivery.s3, names, delivery.label, ENTRIES, {"a.fits": True})
    return Session(delivery, lock, tail)


@pytest.fixture
def session(archive: LocalArchive, tmp_path: Path) -> Session:
    return prepared(new_delivery(archive, tmp_path))


def test_success_then_wait_for_the_validator_start_row(
    init_step: InitStep, session: Session
) -> None:
    invokes_before = len(session.delivery.operations("Invoke"))
    assert session.start() == []
    rows = wait_for_pipeline_started(session.tail, timeout_s=30, poll_interval_s=0.05)
    assert (rows[-1].category, rows[-1].message) == ("init", PIPELINE_STARTED_MESSAGE)
    invokes = len(session.delivery.operations("Invoke")) - invokes_before
    assert invokes == 1, "the init step must be invoked exactly once"


def failure_of(session: Session, **changes: str) -> PipelineStartFailed:
    with pytest.raises(PipelineStartFailed) as failed:
        session.start(**changes)
    return failed.value


def test_unknown_delivery_fails_at_control_bucket_access(
    archive: LocalArchive, init_step: InitStep, session: Session
) -> None:
    failure = failure_of(session, delivery_id="neveraccepted")
    assert failure.step == "control bucket access"
    assert failure.details == "unable to find/access control bucket"
    assert "control bucket access" in str(failure)


def test_a_running_invocation_fails_at_lambda_lock_check(
    init_step: InitStep, session: Session
) -> None:
    names = session.delivery.names
    session.delivery.admin_s3.put_object(
        Bucket=names.control_bucket, Key="lock/lambda", Body=b"123456789"
    )
    failure = failure_of(session)
    assert (failure.step, failure.details) == (
        "lambda lock check",
        "duplicate function execution, terminating",
    )


def test_missing_config_bucket_fails_at_config_bucket_access(
    archive: LocalArchive, init_step: InitStep, session: Session
) -> None:
    ssm = archive.boto3_client("ssm")
    original = ssm.get_parameter(Name=NETWORK_CONFIG_PARAMETER)["Parameter"]["Value"]
    config = json.loads(original)
    config["CONFIG_BUCKET"] = "no-such-config-bucket-here"
    ssm.put_parameter(Name=NETWORK_CONFIG_PARAMETER, Value=json.dumps(config), Overwrite=True)
    try:
        failure = failure_of(session)
    finally:
        ssm.put_parameter(Name=NETWORK_CONFIG_PARAMETER, Value=original, Overwrite=True)
    assert failure.step == "config bucket access"


def test_bad_task_config_fails_at_task_config_read(
    archive: LocalArchive, init_step: InitStep, session: Session
) -> None:
    network = archive.network_config
    key = f"{network.task_config_prefix}/{session.delivery.names.dataset}-task-config.yaml"
    session.delivery.admin_s3.put_object(Bucket=network.config_bucket, Key=key, Body=b"- list\n")
    try:
        failure = failure_of(session)
    finally:
        session.delivery.admin_s3.delete_object(Bucket=network.config_bucket, Key=key)
    assert (failure.step, failure.details) == ("task config read", "bad task config")


def test_second_start_while_a_validator_runs_fails_at_validation_task_check(
    init_step: InitStep, session: Session
) -> None:
    session.start()
    failure = failure_of(session, transfer_type="sample")
    assert failure.step == "validation task check"


def test_starting_without_the_client_lock_fails_at_lockfile_check(
    archive: LocalArchive, init_step: InitStep, tmp_path: Path
) -> None:
    session = prepared(new_delivery(archive, tmp_path), take_lock=False)
    failure = failure_of(session)
    assert (failure.step, failure.details) == (
        "lockfile check",
        "transfer app lockfile invalid or not present",
    )


def test_an_unexpected_lambda_error_is_lambda_execution(
    init_step: InitStep, session: Session
) -> None:
    failure = failure_of(session, transfer_type="nonsense")
    assert failure.step == "lambda execution"


def test_server_rejecting_the_index_shows_the_validator_init_rows(
    init_step: InitStep, session: Session
) -> None:
    names = session.delivery.names
    # A file no filetype claims passes every column rule but the server's filetype match.
    session.delivery.admin_s3.put_object(
        Bucket=names.control_bucket,
        Key=names.index_key,
        Body=b"path,will_transfer\nnotes.txt,True\n",
    )
    failure = failure_of(session)
    assert (failure.step, failure.details) == (
        "pipeline start",
        "pipeline application failed to start",
    )
    assert [(row.category, row.ref, row.status) for row in failure.init_rows] == [
        ("init", names.index_key, "error")
    ]
    assert "could not read index" in str(failure)


@pytest.mark.parametrize(
    "step",
    ["lambda lock file write", "task launch", "task setup"],
)
def test_failures_the_sandbox_cannot_cause_are_parsed_from_upstreams_answer(
    archive: LocalArchive, session: Session, step: str
) -> None:
    answer = yaml.dump({"details": f"{step} details", "status": "error", "step": step})
    archive.set_lambda_handler(lambda payload: (json.dumps(answer).encode(), None))
    failure = failure_of(session)
    assert (failure.step, failure.details) == (step, f"{step} details")


def test_function_error_is_a_failure_whatever_the_payload_says(
    archive: LocalArchive, session: Session
) -> None:
    def crash(payload: bytes) -> tuple[bytes, str | None]:
        raise RuntimeError("status: success")

    archive.set_lambda_handler(crash)
    failure = failure_of(session)
    assert failure.step == "lambda execution"
    assert "RuntimeError" in failure.details


def test_waiting_for_a_validator_that_never_starts_times_out_clearly(
    archive: LocalArchive, session: Session
) -> None:
    archive.set_lambda_handler(lambda payload: (json.dumps("status: success\n").encode(), None))
    assert session.start() == []
    with pytest.raises(PipelineStartFailed) as failed:
        wait_for_pipeline_started(session.tail, timeout_s=0.3, poll_interval_s=0.05)
    assert failed.value.step == "validator start"
    assert "did not report 'validation pipeline started' within 0.3 s" in str(failed.value)


def test_a_validator_that_shuts_down_before_starting_ends_the_wait(
    archive: LocalArchive, session: Session
) -> None:
    archive.set_lambda_handler(lambda payload: (json.dumps("status: success\n").encode(), None))
    session.start()
    session.delivery.append_validator_rows(
        ("init", "self", "error", {"summary": "unhandled error in pipeline init"}),
        ("shutdown", "self", "error", "shutting down due to initialization failure"),
        ("stop", "self", "ok", None),
    )
    with pytest.raises(PipelineStartFailed) as failed:
        wait_for_pipeline_started(session.tail, timeout_s=30, poll_interval_s=0.05)
    assert "stopped before it started" in str(failed.value)
    assert "unhandled error in pipeline init" in str(failed.value)


def test_an_init_step_that_does_not_answer_is_not_invoked_again(
    archive: LocalArchive, session: Session
) -> None:
    calls: list[bytes] = []
    release = threading.Event()

    def slow_init_step(payload: bytes) -> tuple[bytes, str | None]:
        calls.append(payload)
        release.wait(30)
        return json.dumps("status: success\n").encode(), None

    archive.set_lambda_handler(slow_init_step)
    profile = archive.profile()
    impatient = lambda_client(make_session(profile), profile, read_timeout_s=0.5)
    try:
        with pytest.raises(PipelineStartFailed) as failed:
            start_pipeline(
                impatient, session.delivery.init_lambda_arn, session.payload(), session.tail
            )
    finally:
        release.set()
    assert failed.value.step == "invoke"
    assert "may still be starting the validator" in failed.value.details
    assert len(calls) == 1
