"""`--fail-requests`: injected S3 500/503 on data uploads, never on the control channel."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import archive_options
from uploader_gui.sandbox.archive import LocalArchive

RATE = 0.3
REQUESTS = 200


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    options = archive_options(auto_accept=True, fail_request_rate=RATE, fail_seed=7)
    with LocalArchive(options) as archive:
        yield archive


@pytest.fixture(scope="module")
def s3(archive: LocalArchive) -> Any:
    # One attempt per call, so every injected failure is seen here.
    return archive.boto3_client("s3", retries={"total_max_attempts": 1, "mode": "standard"})


def put_and_classify(s3: Any, bucket: str, key: str) -> str:
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=b"payload")
    except ClientError as exc:
        return str(exc.response["ResponseMetadata"]["HTTPStatusCode"])
    return "200"


def test_data_uploads_fail_at_about_the_rate(archive: LocalArchive, s3: Any) -> None:
    bucket = archive.network_config.names_for("flaky", "1", "staging").transfer_bucket

    outcomes = Counter(put_and_classify(s3, bucket, f"f{n}.fits") for n in range(REQUESTS))

    failed = outcomes["500"] + outcomes["503"]
    assert set(outcomes) == {"200", "500", "503"}
    # With p = 0.3 and n = 200 the expected count is 60 (σ ≈ 6.5): 35..85 is ±4σ.
    assert 35 <= failed <= 85
    stored = s3.list_objects_v2(Bucket=bucket)["KeyCount"]
    assert stored == outcomes["200"]


def test_failures_are_marked_in_the_audit(archive: LocalArchive, s3: Any) -> None:
    bucket = archive.network_config.names_for("flaky", "2", "staging").transfer_bucket
    for n in range(40):
        put_and_classify(s3, bucket, f"a{n}.fits")

    records = [r for r in archive.audit_records() if r["bucket"] == bucket]
    injected = [r for r in records if r.get("injected_fault")]
    assert injected
    assert {r["error"] for r in injected} <= {"InternalError", "SlowDown"}
    assert all(r["status"] in (500, 503) for r in injected)


def test_the_control_channel_is_never_failed(archive: LocalArchive, s3: Any) -> None:
    names = archive.network_config.names_for("flaky", "3", "staging")

    for n in range(60):
        s3.put_object(Bucket=names.control_bucket, Key=f"log/row{n}", Body=b"row")

    listed = s3.list_objects_v2(Bucket=names.control_bucket, Prefix="log/", Delimiter="/")
    assert listed["KeyCount"] == 60


def test_a_fault_seed_repeats_the_same_failures() -> None:
    def run_once() -> list[str]:
        options = archive_options(auto_accept=True, fail_request_rate=RATE, fail_seed=11)
        with LocalArchive(options) as archive:
            s3 = archive.boto3_client("s3", retries={"total_max_attempts": 1, "mode": "standard"})
            bucket = archive.network_config.names_for("seed", "1", "sample").transfer_bucket
            return [put_and_classify(s3, bucket, f"k{n}") for n in range(30)]

    assert run_once() == run_once()


def test_a_rate_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        LocalArchive(archive_options(fail_request_rate=1.5))
