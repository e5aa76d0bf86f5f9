"""Clients built from a profile, the network config from SSM, stores without conditions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.control_channel_kit import (
    Delivery,
    NotImplementedForHeader,
    app_s3,
    new_delivery,
)
from uploader_gui.aws.clients import lambda_client, make_session, s3_client, ssm_client
from uploader_gui.core.delivery.profile import Profile
from uploader_gui.core.errors import FatalError
from uploader_gui.core.protocol.lock_status import LockCheck
from uploader_gui.fast.control_lock import ClientLock
from uploader_gui.fast.log_appender import S3LogAppender
from uploader_gui.fast.network_config_reader import read_network_config
from uploader_gui.sandbox.archive import LocalArchive


@pytest.fixture
def delivery(local_archive: LocalArchive, tmp_path: Path) -> Delivery:
    return new_delivery(local_archive, tmp_path)


def test_network_config_and_names_come_from_ssm(local_archive: LocalArchive) -> None:
    profile = local_archive.profile()
    ssm = ssm_client(make_session(profile), profile)
    network = read_network_config(ssm, profile.network_config_parameter)
    assert network == local_archive.network_config
    names = network.names_for("a_b", "0012", "sample")
    assert names.control_bucket == f"{network.bucket_stem}-a-b-0012-control--use1-az4--x-s3"
    assert names.client_log_key == "log/client_sample"
    assert names.index_key == "a_b-0012-sample-index.csv"


def test_a_missing_network_config_is_fatal_and_says_where_to_look(
    local_archive: LocalArchive,
) -> None:
    profile = local_archive.profile()
    ssm = ssm_client(make_session(profile), profile)
    with pytest.raises(FatalError, match="no network configuration at SSM /no/such/parameter"):
        read_network_config(ssm, "/no/such/parameter")


def test_a_profile_without_credentials_cannot_make_a_session() -> None:
    profile = Profile(name="Real archive", region="us-east-1")
    with pytest.raises(FatalError, match="sign in"):
        make_session(profile)


def test_the_init_client_never_retries_and_waits_five_minutes(local_archive: LocalArchive) -> None:
    profile = local_archive.profile()
    client = lambda_client(make_session(profile), profile)
    config = client.meta.config
    assert config.retries["total_max_attempts"] == 1
    assert config.read_timeout == 300
    assert config.connect_timeout == 10
    s3 = s3_client(make_session(profile), profile)
    assert s3.meta.endpoint_url == profile.endpoint_url


def never_asked(check: LockCheck) -> bool:
    raise AssertionError("asked")


def test_a_store_without_conditional_writes_still_gets_a_checked_lock(delivery: Delivery) -> None:
    s3 = app_s3(delivery.archive)
    refusal = NotImplementedForHeader(s3, "If-None-Match")
    lock = ClientLock(
        s3, delivery.names.control_bucket, staleness_threshold_s=delivery.staleness_threshold_s
    )
    lock.acquire(never_asked)
    assert refusal.refusals == 1
    assert not lock.uses_conditional_writes
    assert delivery.object_bytes("lock/client") == lock.agent_id.encode()


def test_a_store_without_conditional_create_still_gets_the_log(delivery: Delivery) -> None:
    s3 = app_s3(delivery.archive)
    refusal = NotImplementedForHeader(s3, "If-None-Match")
    appender = S3LogAppender(s3, delivery.names.control_bucket, delivery.names.client_log_key)
    appender.append(b"2026-01-01T00:00:00.000Z\tkeepalive\tself\tok\t\tabcdefghijk\n")
    appender.append(b"2026-01-01T00:00:01.000Z\tkeepalive\tself\tok\t\tabcdefghijk\n")
    assert refusal.refusals == 1
    assert (delivery.object_bytes(delivery.names.client_log_key) or b"").count(b"keepalive") == 2
