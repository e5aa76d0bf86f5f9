"""Identity-pool credentials from moto, renewed by botocore before they expire (fake clock).

moto's credentials live 90 s. The clock is the only fake: every AWS and token call is real HTTP
on 127.0.0.1. A multipart upload that outlives several credential lifetimes must not notice.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.auth_browser import ScriptedBrowser
from tests.auth_support import (
    SERVICE_NAME_FOR_TESTS,
    Archive,
    FakeClock,
    MemoryKeyring,
    new_auth_session,
    role_arn,
    running_archive,
    running_moto,
    sign_in_with_browser,
)
from uploader_gui.auth.errors import NotAuthorisedForDelivery
from uploader_gui.auth.identity_credentials import DeliveryCredentials
from uploader_gui.aws import clients as aws_clients
from uploader_gui.core.errors import SignInRequired

ID_TOKEN_LIFETIME_S = 120
PART = b"x" * (5 * 1024 * 1024)


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    with running_moto() as endpoint:
        yield endpoint


@pytest.fixture
def archive(moto_endpoint: str) -> Iterator[Archive]:
    with running_archive(moto_endpoint, id_token_lifetime_s=ID_TOKEN_LIFETIME_S) as running:
        yield running


def s3_client(credentials: DeliveryCredentials, archive: Archive, clock: FakeClock) -> Any:
    """An S3 client that records, for every request sent, whether its credentials were valid."""
    profile = archive.profile()
    session = aws_clients.make_session(profile, credentials.botocore_credentials)
    client = aws_clients.s3_client(session, profile)
    client.sent_with_valid_credentials = []

    def record(**_: Any) -> None:
        client.sent_with_valid_credentials.append(clock() < credentials.expires_at)

    client.meta.events.register("before-send.s3", record)
    return client


def test_credentials_are_for_the_deliverys_role(archive: Archive, tmp_path: Path) -> None:
    clock = FakeClock()
    auth = new_auth_session(archive, tmp_path, clock=clock)
    sign_in_with_browser(auth)
    credentials = auth.delivery_credentials("ds", "0013")
    assert credentials.role_arn == role_arn("ds", "0013")
    assert credentials.account == "alice@example.org"
    # moto's 90 s, measured against its Date header (whole seconds)
    assert abs(credentials.expires_at - clock() - timedelta(seconds=90)) <= timedelta(seconds=1)
    s3 = s3_client(credentials, archive, clock)
    s3.create_bucket(Bucket="role-check")
    assert "role-check" in [b["Name"] for b in s3.list_buckets()["Buckets"]]


@pytest.mark.parametrize(
    ("username", "expected"),
    [("nobody", "not authorised for delivery ds 0012"), ("twice", "2 roles for delivery")],
)
def test_zero_or_two_matching_roles_stop_before_any_credentials(
    archive: Archive, tmp_path: Path, username: str, expected: str
) -> None:
    auth = new_auth_session(archive, tmp_path)
    sign_in_with_browser(auth, ScriptedBrowser(username=username))
    with pytest.raises(NotAuthorisedForDelivery, match=expected):
        auth.delivery_credentials("ds", "0012")


def test_a_multipart_upload_outliving_several_credentials_never_notices(
    archive: Archive, tmp_path: Path
) -> None:
    clock = FakeClock()
    auth = new_auth_session(archive, tmp_path, clock=clock)
    sign_in_with_browser(auth)
    credentials = auth.delivery_credentials("ds", "0012")
    s3 = s3_client(credentials, archive, clock)
    s3.create_bucket(Bucket="long-transfer")
    upload = s3.create_multipart_upload(Bucket="long-transfer", Key="big.fits")
    parts = []
    for number in range(1, 5):
        clock.advance(70)  # each part takes most of a credential lifetime
        answer = s3.upload_part(
            Bucket="long-transfer",
            Key="big.fits",
            UploadId=upload["UploadId"],
            PartNumber=number,
            Body=PART,
        )
        parts.append({"PartNumber": number, "ETag": answer["ETag"]})
    s3.complete_multipart_upload(
        Bucket="long-transfer",
        Key="big.fits",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": parts},
    )
    head = s3.head_object(Bucket="long-transfer", Key="big.fits")
    assert head["ContentLength"] == 4 * len(PART)
    assert all(s3.sent_with_valid_credentials)
    assert credentials.fetch_count >= 4  # renewed at least once per 90 s lifetime
    # the id token (120 s) was renewed with the refresh token, without a browser
    assert "refresh_token" in archive.provider.grant_types_seen()


def test_a_failed_renewal_asks_for_sign_in_and_the_work_goes_on_after_it(
    archive: Archive, tmp_path: Path
) -> None:
    clock = FakeClock()
    backend = MemoryKeyring()
    auth = new_auth_session(archive, tmp_path, clock=clock, backend=backend)
    sign_in_with_browser(auth)
    credentials = auth.delivery_credentials("ds", "0012")
    s3 = s3_client(credentials, archive, clock)
    s3.create_bucket(Bucket="paused")
    s3.put_object(Bucket="paused", Key="done.fits", Body=b"finished before")
    upload = s3.create_multipart_upload(Bucket="paused", Key="big.fits")
    first = s3.upload_part(
        Bucket="paused", Key="big.fits", UploadId=upload["UploadId"], PartNumber=1, Body=PART
    )
    archive.provider.revoke_refresh_tokens()  # e.g. the archive ended the session
    clock.advance(ID_TOKEN_LIFETIME_S)  # id token and credentials both expired
    with pytest.raises(SignInRequired, match="Sign in again"):
        s3.upload_part(
            Bucket="paused", Key="big.fits", UploadId=upload["UploadId"], PartNumber=2, Body=PART
        )
    assert (SERVICE_NAME_FOR_TESTS, "Test archive:alice@example.org") not in backend.entries
    # The person signs in again; the same client and upload carry on.
    sign_in_with_browser(auth)
    second = s3.upload_part(
        Bucket="paused", Key="big.fits", UploadId=upload["UploadId"], PartNumber=2, Body=PART
    )
    s3.complete_multipart_upload(
        Bucket="paused",
        Key="big.fits",
        UploadId=upload["UploadId"],
        MultipartUpload={
            "Parts": [
                {"PartNumber": 1, "ETag": first["ETag"]},
                {"PartNumber": 2, "ETag": second["ETag"]},
            ]
        },
    )
    assert s3.get_object(Bucket="paused", Key="done.fits")["Body"].read() == b"finished before"
    assert s3.head_object(Bucket="paused", Key="big.fits")["ContentLength"] == 2 * len(PART)
    assert all(s3.sent_with_valid_credentials)


def test_the_next_launch_signs_in_from_the_keychain_without_a_browser(
    archive: Archive, tmp_path: Path
) -> None:
    backend = MemoryKeyring()
    first_launch = new_auth_session(archive, tmp_path, backend=backend)
    sign_in_with_browser(first_launch)
    next_launch = new_auth_session(archive, tmp_path, backend=backend)
    assert next_launch.resume()
    assert next_launch.account == "alice@example.org"
    assert archive.provider.grant_types_seen() == ["authorization_code", "refresh_token"]
    assert next_launch.delivery_credentials("ds", "0012").role_arn == role_arn("ds", "0012")


def test_a_refused_keychain_token_is_removed_and_a_browser_is_needed(
    archive: Archive, tmp_path: Path
) -> None:
    backend = MemoryKeyring()
    sign_in_with_browser(new_auth_session(archive, tmp_path, backend=backend))
    archive.provider.revoke_refresh_tokens()
    next_launch = new_auth_session(archive, tmp_path, backend=backend)
    assert not next_launch.resume()
    assert backend.entries == {}


def test_sign_out_removes_the_keychain_entry(archive: Archive, tmp_path: Path) -> None:
    backend = MemoryKeyring()
    auth = new_auth_session(archive, tmp_path, backend=backend)
    sign_in_with_browser(auth)
    assert len(backend.entries) == 1
    auth.sign_out()
    assert backend.entries == {}
    assert not auth.is_signed_in
    assert not new_auth_session(archive, tmp_path, backend=backend).resume()


def test_a_clock_far_from_the_servers_is_reported_once(archive: Archive, tmp_path: Path) -> None:
    warnings: list[str] = []
    clock = FakeClock()
    clock.advance(-600)  # this computer is 10 minutes behind
    auth = new_auth_session(archive, tmp_path, clock=clock, warnings=warnings)
    sign_in_with_browser(auth)
    assert auth.resume()
    skew = [w for w in warnings if "clock" in w]
    assert len(skew) == 1
    assert "10 minutes behind" in skew[0]
