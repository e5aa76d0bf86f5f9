"""The local archive as a whole: provisioning, labels, the init Lambda, audit, isolation."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError

from tests.integration.conftest import archive_options, plain_boto3_client
from uploader_gui.core.delivery.profile import load_profile
from uploader_gui.core.protocol.network_config import NetworkConfig
from uploader_gui.sandbox.archive import LocalArchive

LABEL = """\
dataset: demo_set
delivery_id: '0012'
time:
  delivery_start_date: '2024-01-01'
filetypes:
  images:
    filename: .*\\.fits
    standard: fits
delivery_meta:
  schema_version: '1.0'
"""
NOT_AVAILABLE = "status: error\ndetails: init step not available\nstep: lambda execution\n"


@pytest.fixture(scope="module")
def label_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("labels") / "demo_set-0012-label.yaml"
    path.write_text(LABEL, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def archive(label_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalArchive]:
    audit = tmp_path_factory.mktemp("audit") / "audit.jsonl"
    with LocalArchive(archive_options(accepted_labels=(label_path,), audit_path=audit)) as archive:
        yield archive


def bucket_names(s3: Any) -> set[str]:
    return {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}


def test_the_network_config_parameter_describes_the_archive(archive: LocalArchive) -> None:
    ssm = plain_boto3_client(archive.profile(), "ssm")

    value = ssm.get_parameter(Name="/mast-fast/delivery", WithDecryption=True)["Parameter"]
    config = NetworkConfig.from_json(value["Value"])

    assert config == archive.network_config
    assert config.init_lambda_arn.endswith(f":function:{config.bucket_stem}-init")


def test_the_config_bucket_holds_the_default_task_config(archive: LocalArchive) -> None:
    s3 = plain_boto3_client(archive.profile(), "s3")
    config = archive.network_config

    key = f"{config.task_config_prefix}/default-task-config.yaml"
    text = s3.get_object(Bucket=config.config_bucket, Key=key)["Body"].read().decode()

    assert "cluster:" in text
    assert f"az_id: {config.availability_zone_id}" in text


def test_an_accepted_label_is_in_the_config_bucket_with_its_buckets(
    archive: LocalArchive,
) -> None:
    s3 = plain_boto3_client(archive.profile(), "s3")
    names = archive.network_config.names_for("demo_set", "0012", "sample")

    accepted = s3.get_object(Bucket=names.config_bucket, Key=names.accepted_label_key)

    assert "dataset: demo_set" in accepted["Body"].read().decode()
    staging = archive.network_config.names_for("demo_set", "0012", "staging").transfer_bucket
    assert {names.control_bucket, names.transfer_bucket, staging} <= bucket_names(s3)


def test_without_auto_accept_unknown_deliveries_have_no_buckets(archive: LocalArchive) -> None:
    s3 = plain_boto3_client(archive.profile(), "s3")
    names = archive.network_config.names_for("other", "1", "staging")

    with pytest.raises(ClientError) as exc_info:
        s3.put_object(Bucket=names.transfer_bucket, Key="a.fits", Body=b"1")

    assert exc_info.value.response["Error"]["Code"] == "NoSuchBucket"


def test_a_delivery_label_gets_buckets_but_is_not_accepted(label_path: Path) -> None:
    with LocalArchive(archive_options(delivery_labels=(label_path,))) as archive:
        s3 = plain_boto3_client(archive.profile(), "s3")
        names = archive.network_config.names_for("demo_set", "0012", "staging")
        assert {names.control_bucket, names.transfer_bucket} <= bucket_names(s3)
        with pytest.raises(ClientError):
            s3.head_object(Bucket=names.config_bucket, Key=names.accepted_label_key)


def test_auto_accept_creates_buckets_and_accepts_the_submitted_label(
    local_archive: LocalArchive,
) -> None:
    s3 = plain_boto3_client(local_archive.profile(), "s3")
    names = local_archive.network_config.names_for("any_set", "7", "sample")

    s3.put_object(Bucket=names.control_bucket, Key=names.label_key, Body=LABEL.encode())

    accepted = s3.get_object(Bucket=names.config_bucket, Key=names.accepted_label_key)
    assert accepted["Body"].read() == LABEL.encode()
    assert names.transfer_bucket in bucket_names(s3)


def test_init_lambda_is_answered_by_the_archives_own_init_step(archive: LocalArchive) -> None:
    client = plain_boto3_client(archive.profile(), "lambda")
    payload = {
        "dataset": "nobody",
        "delivery_id": "1",
        "transfer_type": "sample",
        "agent_id": "abcdefghijk",
        "idempotency_key": 12345,
    }

    response = client.invoke(
        FunctionName=archive.network_config.init_lambda_arn, Payload=json.dumps(payload).encode()
    )

    answer = yaml.safe_load(json.loads(response["Payload"].read()))
    assert answer["status"] == "error"
    assert answer["step"] == "control bucket access"
    assert "FunctionError" not in response


def test_init_lambda_calls_the_registered_handler(archive: LocalArchive) -> None:
    client = plain_boto3_client(archive.profile(), "lambda")
    seen: list[bytes] = []

    def handler(payload: bytes) -> tuple[bytes, str | None]:
        seen.append(payload)
        return json.dumps("status: success\n").encode(), None

    archive.set_lambda_handler(handler)
    try:
        response = client.invoke(
            FunctionName=f"{archive.network_config.bucket_stem}-init",
            Payload=b'{"dataset": "demo_set"}',
        )
    finally:
        archive.set_lambda_handler(lambda payload: (json.dumps(NOT_AVAILABLE).encode(), None))

    assert json.loads(response["Payload"].read()) == "status: success\n"
    assert seen == [b'{"dataset": "demo_set"}']
    invoke = [r for r in archive.audit_records() if r["operation"] == "Invoke"][-1]
    assert invoke["function"] == f"{archive.network_config.bucket_stem}-init"


def test_a_crashing_handler_is_an_unhandled_function_error(archive: LocalArchive) -> None:
    client = plain_boto3_client(archive.profile(), "lambda")

    def handler(payload: bytes) -> tuple[bytes, str | None]:
        raise RuntimeError("boom")

    archive.set_lambda_handler(handler)
    try:
        response = client.invoke(FunctionName=archive.network_config.init_lambda_arn)
    finally:
        archive.set_lambda_handler(lambda payload: (json.dumps(NOT_AVAILABLE).encode(), None))

    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read())["errorMessage"] == "boom"


def test_an_unknown_function_is_not_found(archive: LocalArchive) -> None:
    client = plain_boto3_client(archive.profile(), "lambda")

    with pytest.raises(ClientError) as exc_info:
        client.invoke(FunctionName="someone-else")

    assert exc_info.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_audit_lines_name_every_request(archive: LocalArchive) -> None:
    s3 = plain_boto3_client(archive.profile(), "s3")
    names = archive.network_config.names_for("demo_set", "0012", "staging")
    s3.put_object(Bucket=names.transfer_bucket, Key="audited.fits", Body=b"1")
    s3.head_object(Bucket=names.transfer_bucket, Key="audited.fits")

    assert archive.options.audit_path is not None
    lines = archive.options.audit_path.read_text(encoding="utf-8").splitlines()
    from_file = [json.loads(line) for line in lines]

    assert from_file == archive.audit_records()
    mine = [(r["operation"], r["status"]) for r in from_file if r["key"] == "audited.fits"]
    assert mine == [("PutObject", 200), ("HeadObject", 200)]
    assert {"time", "service", "operation", "bucket", "key", "status"} <= set(from_file[0])


def test_the_written_profile_reaches_the_archive(archive: LocalArchive, tmp_path: Path) -> None:
    path = tmp_path / "local.toml"
    archive.write_profile(path)

    profile = load_profile(path)

    assert profile.is_local
    ssm = plain_boto3_client(profile, "ssm")
    assert ssm.get_parameter(Name=profile.network_config_parameter)["Parameter"]["Value"]


def test_archives_do_not_see_each_others_state(archive: LocalArchive) -> None:
    with LocalArchive(archive_options()) as other:
        ssm_other = plain_boto3_client(other.profile(), "ssm")
        value = ssm_other.get_parameter(Name="/mast-fast/delivery")["Parameter"]["Value"]
        assert NetworkConfig.from_json(value) == other.network_config
        assert other.network_config.bucket_stem != archive.network_config.bucket_stem
    ssm = plain_boto3_client(archive.profile(), "ssm")
    value = ssm.get_parameter(Name="/mast-fast/delivery")["Parameter"]["Value"]
    assert NetworkConfig.from_json(value) == archive.network_config


def test_a_stopped_archive_frees_its_bucket_stem() -> None:
    options = archive_options()
    with LocalArchive(options), pytest.raises(RuntimeError, match="bucket stem"):
        LocalArchive(options).start()
    with LocalArchive(options) as again:
        s3 = plain_boto3_client(again.profile(), "s3")
        assert again.network_config.config_bucket in bucket_names(s3)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.org"])
def test_only_loopback_is_served(host: str) -> None:
    with pytest.raises(ValueError, match=host.replace(".", r"\.")):
        LocalArchive(archive_options(host=host))


def test_a_busy_port_is_a_clear_error_not_an_exit() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        archive = LocalArchive(archive_options(port=port))
        with pytest.raises(OSError, match="in use by another program"):
            archive.start()
    # Nothing is left behind: the same stem can start again on a free port.
    with LocalArchive(archive_options(bucket_stem=archive.options.bucket_stem)) as again:
        assert again.endpoint_url.startswith("http://127.0.0.1:")
