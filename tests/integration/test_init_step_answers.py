"""The init Lambda's answers, byte for byte, for success and each error `step` (PROTOCOL.md §7).

Each answer is the handler's YAML JSON-encoded by the runtime; a rejected index or label makes
the validator write its init error rows and the init step answer with the start timeout.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.integration.validator_harness import ScriptedDelivery, installed_init_step
from uploader_gui.core.protocol.network_config import NetworkConfig
from uploader_gui.sandbox.archive import LocalArchive, SandboxOptions
from uploader_gui.sandbox.init_step import InitStep
from uploader_gui.sandbox.validator_init import NETWORK_CONFIG_PARAMETER

GOOD_INDEX = "path,will_transfer\na.fits,True\n"


def error_payload(step: str, details: str) -> bytes:
    return json.dumps(f"details: {details}\nstatus: error\nstep: {step}\n").encode()


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with LocalArchive(SandboxOptions(bucket_stem="e2init")) as local_archive:
        yield local_archive


@pytest.fixture
def init_step(archive: LocalArchive) -> Iterator[InitStep]:
    archive.validator_failures.clear()
    with installed_init_step(archive) as step:
        yield step
    assert archive.validator_failures == []


@pytest.fixture
def delivery(archive: LocalArchive, tmp_path: Path) -> ScriptedDelivery:
    return ScriptedDelivery.accepted(archive, tmp_path)


def test_success_is_json_string_of_status_success(
    init_step: InitStep, delivery: ScriptedDelivery
) -> None:
    delivery.prepare(GOOD_INDEX)
    assert delivery.invoke() == b'"status: success\\n"'
    assert init_step.validators[0].initialized.is_set()
    assert not delivery.has_control_object("lock/lambda")


def test_unknown_delivery_fails_control_bucket_access(
    init_step: InitStep, delivery: ScriptedDelivery
) -> None:
    answer = delivery.invoke(delivery_id="neveraccepted")
    assert answer == error_payload("control bucket access", "unable to find/access control bucket")
    assert init_step.validators == []


def test_fresh_lambda_lock_fails_lambda_lock_check_and_is_kept(
    init_step: InitStep, delivery: ScriptedDelivery
) -> None:
    delivery.prepare(GOOD_INDEX)
    delivery.s3.put_object(
        Bucket=delivery.names.control_bucket, Key="lock/lambda", Body=b"123456789"
    )
    answer = delivery.invoke()
    assert answer == error_payload("lambda lock check", "duplicate function execution, terminating")
    # Upstream deletes the other invocation's lock here (PROTOCOL.md §11 item 26); we do not.
    assert delivery.has_control_object("lock/lambda")
    assert init_step.validators == []


def test_missing_config_bucket_fails_config_bucket_access(
    archive: LocalArchive, init_step: InitStep, delivery: ScriptedDelivery
) -> None:
    delivery.prepare(GOOD_INDEX)
    ssm = archive.boto3_client("ssm")
    original = ssm.get_parameter(Name=NETWORK_CONFIG_PARAMETER)["Parameter"]["Value"]
    config = json.loads(original)
    config["CONFIG_BUCKET"] = "e2init-no-such-config-bucket"
    ssm.put_parameter(Name=NETWORK_CONFIG_PARAMETER, Value=json.dumps(config), Overwrite=True)
    try:
        answer = delivery.invoke()
    finally:
        ssm.put_parameter(Name=NETWORK_CONFIG_PARAMETER, Value=original, Overwrite=True)
    assert answer == error_payload("config bucket access", "unable to find/access config bucket")
    assert not delivery.has_control_object("lock/lambda")


def test_unreadable_dataset_task_config_fails_task_config_read(
    archive: LocalArchive, init_step: InitStep, delivery: ScriptedDelivery
) -> None:
    delivery.prepare(GOOD_INDEX)
    network = archive.network_config
    delivery.s3.put_object(
        Bucket=network.config_bucket,
        Key=f"{network.task_config_prefix}/{delivery.names.dataset}-task-config.yaml",
        Body=b"- a list, not a mapping\n",
    )
    try:
        answer = delivery.invoke()
    finally:
        delivery.s3.delete_object(
            Bucket=network.config_bucket,
            Key=f"{network.task_config_prefix}/{delivery.names.dataset}-task-config.yaml",
        )
    assert answer == error_payload("task config read", "bad task config")


def test_no_task_config_at_all_fails_task_config_read(
    archive: LocalArchive, init_step: InitStep, delivery: ScriptedDelivery
) -> None:
    delivery.prepare(GOOD_INDEX)
    network: NetworkConfig = archive.network_config
    default_key = f"{network.task_config_prefix}/default-task-config.yaml"
    saved = delivery.s3.get_object(Bucket=network.config_bucket, Key=default_key)["Body"].read()
    delivery.s3.delete_object(Bucket=network.config_bucket, Key=default_key)
    try:
        payload = delivery.invoke()
    finally:
        delivery.s3.put_object(Bucket=network.config_bucket, Key=default_key, Body=saved)
    assert yaml.safe_load(json.loads(payload)) == {
        "details": "Neither dataset-specific nor default task configuration found. This error "
        "cannot be addressed by the user. Please contact system administrators.",
        "status": "error",
        "step": "task config read",
    }


def test_second_invoke_while_validator_runs_fails_validation_task_check(
    init_step: InitStep, delivery: ScriptedDelivery
) -> None:
    delivery.prepare(GOOD_INDEX)
    assert delivery.invoke() == b'"status: success\\n"'
    sample = delivery.invoke(transfer_type="sample")
    assert sample == error_payload(
        "validation task check", "a validation task is already running for this transfer"
    )
    assert len(init_step.validators) == 1


@pytest.mark.parametrize("holder", [None, "someoneelse"], ids=["no-lock", "other-agent"])
def test_client_lock_not_held_by_caller_fails_lockfile_check(
    init_step: InitStep, delivery: ScriptedDelivery, holder: str | None
) -> None:
    delivery.put_label()
    delivery.put_index(GOOD_INDEX)
    if holder is not None:
        delivery.take_client_lock(holder)
    answer = delivery.invoke()
    assert answer == error_payload("lockfile check", "transfer app lockfile invalid or not present")
    assert init_step.validators == []
    assert not delivery.has_control_object("lock/lambda")


def test_malformed_event_fails_lambda_execution(
    init_step: InitStep, delivery: ScriptedDelivery
) -> None:
    payload, function_error = delivery.invoke_raw(b'{"dataset": "e2set"}')
    assert function_error is None
    assert payload == error_payload("lambda execution", "unclassified lambda execution failure")


@pytest.mark.parametrize(
    ("index_text", "exception_part"),
    [
        (
            "path,checksum,will_transfer,filetypes\na.fits,3eqhBw==,True,images\n",
            "index has 4 columns",
        ),
        ("path,checksum\na.fits,3eqhBw==\n", "index has no 'will_transfer' column"),
        ("path,will_transfer\nnotes.txt,True\n", "Unable to assign types to 1/1 files"),
    ],
    ids=["four-columns", "no-will-transfer", "unassigned-file"],
)
def test_rejected_index_writes_init_error_rows_and_times_out(
    init_step: InitStep, delivery: ScriptedDelivery, index_text: str, exception_part: str
) -> None:
    delivery.prepare(index_text)
    assert delivery.invoke() == b'"pipeline application failed to start"'
    rows = delivery.wait_for_session_end()
    assert [(row.category, row.ref, row.status) for row in rows] == [
        ("init", delivery.names.index_key, "error"),
        ("shutdown", "self", "error"),
        ("stop", "self", "ok"),
    ]
    message = yaml.safe_load(rows[0].message)
    assert message["summary"] == "could not read index"
    assert exception_part in message["exception"]
    assert rows[1].message == "shutting down due to initialization failure"
    assert not delivery.has_control_object("lock/validator")


def test_missing_submitted_label_writes_label_init_error(
    init_step: InitStep, delivery: ScriptedDelivery
) -> None:
    delivery.put_index(GOOD_INDEX)
    delivery.take_client_lock()
    assert delivery.invoke() == b'"pipeline application failed to start"'
    rows = delivery.wait_for_session_end()
    assert (rows[0].category, rows[0].ref, rows[0].status) == (
        "init",
        delivery.names.label_key,
        "error",
    )
    assert yaml.safe_load(rows[0].message)["summary"] == "problem with user-submitted label"
