"""S3 Express behaviour of the local archive, seen by unmodified boto3 over HTTP.

Appends with WriteOffsetBytes, CreateSession for `--x-s3` names, conditional creates and
directory-bucket listing: what the control channel (logs, locks) relies on.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import archive_options, plain_boto3_client
from uploader_gui.sandbox.archive import LocalArchive

MAX_APPENDS = 3


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with LocalArchive(
        archive_options(auto_accept=True, max_appends_per_object=MAX_APPENDS)
    ) as archive:
        yield archive


@pytest.fixture(scope="module")
def s3(archive: LocalArchive) -> Any:
    return plain_boto3_client(archive.profile(), "s3")


@pytest.fixture(scope="module")
def control(archive: LocalArchive) -> str:
    return archive.network_config.names_for("demo_set", "0012", "staging").control_bucket


@pytest.fixture(scope="module")
def staging(archive: LocalArchive) -> str:
    return archive.network_config.names_for("demo_set", "0012", "staging").transfer_bucket


def error_of(exc_info: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = exc_info.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_append_at_the_current_size_grows_the_object(s3: Any, control: str) -> None:
    s3.put_object(Bucket=control, Key="log/client_staging", Body=b"row 1\n")
    size = s3.head_object(Bucket=control, Key="log/client_staging")["ContentLength"]

    s3.put_object(Bucket=control, Key="log/client_staging", Body=b"row 2\n", WriteOffsetBytes=size)

    body = s3.get_object(Bucket=control, Key="log/client_staging")["Body"].read()
    assert body == b"row 1\nrow 2\n"


def test_append_keeps_a_full_object_crc32_of_the_whole_log(s3: Any, control: str) -> None:
    s3.put_object(Bucket=control, Key="log/crc", Body=b"first\n")
    s3.put_object(Bucket=control, Key="log/crc", Body=b"second\n", WriteOffsetBytes=6)

    head = s3.head_object(Bucket=control, Key="log/crc", ChecksumMode="ENABLED")
    reference = s3.put_object(Bucket=control, Key="reference", Body=b"first\nsecond\n")
    assert head["ChecksumCRC32"] == reference["ChecksumCRC32"]
    assert head["ChecksumType"] == "FULL_OBJECT"


def test_append_at_a_wrong_offset_is_refused_and_changes_nothing(s3: Any, control: str) -> None:
    s3.put_object(Bucket=control, Key="log/validator_staging", Body=b"12345")

    with pytest.raises(ClientError) as exc_info:
        s3.put_object(Bucket=control, Key="log/validator_staging", Body=b"x", WriteOffsetBytes=3)

    assert error_of(exc_info) == ("InvalidWriteOffset", 400)
    body = s3.get_object(Bucket=control, Key="log/validator_staging")["Body"].read()
    assert body == b"12345"


def test_append_at_offset_zero_creates_a_missing_object(s3: Any, control: str) -> None:
    s3.put_object(Bucket=control, Key="log/new", Body=b"hello", WriteOffsetBytes=0)

    assert s3.get_object(Bucket=control, Key="log/new")["Body"].read() == b"hello"


def test_append_to_a_general_purpose_bucket_is_not_implemented(s3: Any, staging: str) -> None:
    s3.put_object(Bucket=staging, Key="data.bin", Body=b"abc")

    with pytest.raises(ClientError) as exc_info:
        s3.put_object(Bucket=staging, Key="data.bin", Body=b"def", WriteOffsetBytes=3)

    assert error_of(exc_info) == ("NotImplemented", 501)
    assert s3.get_object(Bucket=staging, Key="data.bin")["Body"].read() == b"abc"


def test_a_negative_write_offset_is_an_invalid_argument(s3: Any, control: str) -> None:
    s3.put_object(Bucket=control, Key="log/negative", Body=b"abc")

    with pytest.raises(ClientError) as exc_info:
        s3.put_object(Bucket=control, Key="log/negative", Body=b"d", WriteOffsetBytes=-1)

    assert error_of(exc_info) == ("InvalidArgument", 400)


def test_an_empty_append_is_refused(s3: Any, control: str) -> None:
    s3.put_object(Bucket=control, Key="log/empty", Body=b"abc")

    with pytest.raises(ClientError) as exc_info:
        s3.put_object(Bucket=control, Key="log/empty", Body=b"", WriteOffsetBytes=3)

    assert error_of(exc_info) == ("InvalidRequest", 400)


def test_too_many_appends_are_refused_until_the_object_is_copied(s3: Any, control: str) -> None:
    key = "log/many"
    s3.put_object(Bucket=control, Key=key, Body=b"0")
    for number in range(1, MAX_APPENDS + 1):
        s3.put_object(Bucket=control, Key=key, Body=str(number).encode(), WriteOffsetBytes=number)

    with pytest.raises(ClientError) as exc_info:
        s3.put_object(Bucket=control, Key=key, Body=b"x", WriteOffsetBytes=MAX_APPENDS + 1)
    assert error_of(exc_info) == ("TooManyParts", 400)

    # Upstream's recovery (PROTOCOL.md §4.4): copy the object onto itself, then append again.
    s3.copy_object(
        Bucket=control,
        Key=key,
        CopySource={"Bucket": control, "Key": key},
        MetadataDirective="REPLACE",
    )
    s3.put_object(Bucket=control, Key=key, Body=b"x", WriteOffsetBytes=MAX_APPENDS + 1)
    assert s3.get_object(Bucket=control, Key=key)["Body"].read() == b"0123x"


def test_a_self_copy_that_changes_nothing_is_refused_as_on_aws(s3: Any, control: str) -> None:
    s3.put_object(Bucket=control, Key="log/self", Body=b"0")

    with pytest.raises(ClientError) as exc_info:
        s3.copy_object(
            Bucket=control, Key="log/self", CopySource={"Bucket": control, "Key": "log/self"}
        )

    assert error_of(exc_info) == ("InvalidRequest", 400)


def test_a_plain_put_restarts_the_append_count(s3: Any, control: str) -> None:
    key = "log/replaced"
    s3.put_object(Bucket=control, Key=key, Body=b"0")
    for number in range(1, MAX_APPENDS + 1):
        s3.put_object(Bucket=control, Key=key, Body=b"a", WriteOffsetBytes=number)

    s3.put_object(Bucket=control, Key=key, Body=b"0")
    s3.put_object(Bucket=control, Key=key, Body=b"b", WriteOffsetBytes=1)

    assert s3.get_object(Bucket=control, Key=key)["Body"].read() == b"0b"


def test_an_append_with_another_checksum_algorithm_is_refused(s3: Any, control: str) -> None:
    s3.put_object(Bucket=control, Key="log/algo", Body=b"abc", ChecksumAlgorithm="CRC32")

    with pytest.raises(ClientError) as exc_info:
        s3.put_object(
            Bucket=control,
            Key="log/algo",
            Body=b"def",
            WriteOffsetBytes=3,
            ChecksumAlgorithm="SHA256",
        )

    assert error_of(exc_info) == ("InvalidRequest", 400)


def test_create_session_answers_boto3_for_directory_buckets(
    archive: LocalArchive, s3: Any, control: str
) -> None:
    s3.put_object(Bucket=control, Key="probe", Body=b"1")

    sessions = [
        r
        for r in archive.audit_records()
        if r["operation"] == "CreateSession" and r["bucket"] == control
    ]
    assert sessions
    assert sessions[0]["status"] == 200
    express_puts = [
        r for r in archive.audit_records() if r["operation"] == "PutObject" and r["key"] == "probe"
    ]
    assert express_puts[-1]["service"] == "s3express"


def test_create_session_for_a_missing_directory_bucket_is_no_such_bucket() -> None:
    with LocalArchive(archive_options()) as archive:  # no auto-accept: nothing is created
        s3 = plain_boto3_client(archive.profile(), "s3")
        missing = archive.network_config.names_for("nobody", "1", "staging").control_bucket
        with pytest.raises(ClientError) as exc_info:
            s3.put_object(Bucket=missing, Key="x", Body=b"1")
    assert error_of(exc_info) == ("NoSuchBucket", 404)


def test_conditional_create_refuses_an_existing_key(s3: Any, control: str, staging: str) -> None:
    for bucket in (control, staging):
        s3.put_object(Bucket=bucket, Key="lock/client", Body=b"abcdefghijk", IfNoneMatch="*")
        with pytest.raises(ClientError) as exc_info:
            s3.put_object(Bucket=bucket, Key="lock/client", Body=b"zzzzzzzzzzz", IfNoneMatch="*")
        assert error_of(exc_info) == ("PreconditionFailed", 412)
        body = s3.get_object(Bucket=bucket, Key="lock/client")["Body"].read()
        assert body == b"abcdefghijk"


def test_concurrent_conditional_creates_have_exactly_one_winner(
    archive: LocalArchive, control: str
) -> None:
    outcomes: list[str] = []
    start = threading.Barrier(6)

    def contend(agent: str) -> None:
        client = plain_boto3_client(archive.profile(), "s3")
        start.wait()
        try:
            client.put_object(Bucket=control, Key="lock/race", Body=agent.encode(), IfNoneMatch="*")
            outcomes.append("won")
        except ClientError as exc:
            outcomes.append(exc.response["Error"]["Code"])

    threads = [threading.Thread(target=contend, args=(f"agent{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["PreconditionFailed"] * 5 + ["won"]


def test_lock_listing_on_a_directory_bucket(s3: Any, control: str) -> None:
    s3.put_object(Bucket=control, Key="lock/validator", Body=b"qwertyuiopa")
    s3.put_object(Bucket=control, Key="lock/lambda", Body=b"12345")

    listing = s3.list_objects_v2(Bucket=control, Prefix="lock/", Delimiter="/")

    keys = {item["Key"]: item["Size"] for item in listing["Contents"]}
    assert keys["lock/validator"] == 11
    assert keys["lock/lambda"] == 5
    assert all(key.startswith("lock/") for key in keys)
