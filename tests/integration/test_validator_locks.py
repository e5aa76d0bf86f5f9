"""The validator's `lock/validator`: refused when held elsewhere, refreshed, released (§3)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.integration.validator_harness import ScriptedDelivery, installed_init_step
from tests.waiting import wait_until
from uploader_gui.sandbox.archive import LocalArchive, SandboxOptions
from uploader_gui.sandbox.validator_init import NETWORK_CONFIG_PARAMETER

INDEX = "path,will_transfer\na.fits,True\n"


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with LocalArchive(SandboxOptions(bucket_stem="e2locks")) as local_archive:
        yield local_archive


@pytest.fixture
def delivery(archive: LocalArchive, tmp_path: Path) -> ScriptedDelivery:
    archive.validator_failures.clear()
    return ScriptedDelivery.accepted(archive, tmp_path)


def test_validator_lock_held_elsewhere_stops_the_pipeline(
    archive: LocalArchive, delivery: ScriptedDelivery
) -> None:
    delivery.s3.put_object(
        Bucket=delivery.names.control_bucket, Key="lock/validator", Body=b"otherholder"
    )
    with installed_init_step(archive):
        # The init step never looks at lock/validator: it answers success (PROTOCOL.md §3).
        delivery.prepare(INDEX)
        assert delivery.invoke() == b'"status: success\\n"'
        wait_until(lambda: delivery.find_row("stop"), "the validator's stop row")
    rows = delivery.validator_rows()
    assert [(row.category, row.ref, row.status) for row in rows] == [
        ("init", "lock", "failure"),
        ("stop", "self", "ok"),
    ]
    assert yaml.safe_load(rows[0].message) == {"summary": "could not acquire lock"}
    body = delivery.s3.get_object(Bucket=delivery.names.control_bucket, Key="lock/validator")
    assert body["Body"].read() == b"otherholder"
    (failure,) = archive.validator_failures
    assert "could not acquire lock/validator" in failure


def test_validator_refreshes_its_lock_and_releases_it_at_the_end(
    archive: LocalArchive, delivery: ScriptedDelivery
) -> None:
    ssm = archive.boto3_client("ssm")
    original = ssm.get_parameter(Name=NETWORK_CONFIG_PARAMETER)["Parameter"]["Value"]
    config = json.loads(original)
    # Refresh every 2 s. The init step also judges the client's lock by this threshold, and a
    # loaded machine took more than 2 s between taking that lock and Invoke's check of it.
    config["LOCK_STALENESS_THRESHOLD"] = 8
    ssm.put_parameter(Name=NETWORK_CONFIG_PARAMETER, Value=json.dumps(config), Overwrite=True)
    lock_key = delivery.names.control_bucket, "lock/validator"

    def lock_writes() -> int:
        return sum(
            1
            for record in archive.audit_records()
            if record["operation"] == "PutObject" and (record["bucket"], record["key"]) == lock_key
        )

    try:
        with installed_init_step(archive):
            delivery.start_pipeline(INDEX)
            wait_until(lambda: lock_writes() >= 3, "two refreshes of lock/validator")
            delivery.append_rows(("stop", "self", "ok", None))
            delivery.wait_for_session_end()
    finally:
        ssm.put_parameter(Name=NETWORK_CONFIG_PARAMETER, Value=original, Overwrite=True)
    assert not delivery.has_control_object("lock/validator")
    assert archive.validator_failures == []
