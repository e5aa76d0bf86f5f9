"""The data plane's additions to the one botocore → core error translation."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from uploader_gui.core.errors import FatalError, PermanentError, RetryableError, SignInRequired
from uploader_gui.transfer.s3_requests import CredentialsRefresher, with_fresh_credentials
from uploader_gui.transfer.transfer_errors import (
    ChecksumMismatchError,
    ExpiredCredentialsError,
    UploadGoneError,
    classify,
    retry_after_s,
)


def client_error(code: str, status: int, headers: dict[str, str] | None = None) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": f"{code} happened"},
            "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": headers or {}},
        },
        "UploadPart",
    )


@pytest.mark.parametrize("code", ["ExpiredToken", "ExpiredTokenException", "RequestExpired"])
def test_expired_credentials_are_their_own_kind(code: str) -> None:
    error = classify(client_error(code, 400), "uploading part 2 of a.fits")

    assert isinstance(error, ExpiredCredentialsError)
    assert "part 2 of a.fits" in str(error)


def test_bad_digest_says_what_a_person_can_do() -> None:
    error = classify(client_error("BadDigest", 400), "uploading a.fits")

    assert isinstance(error, ChecksumMismatchError)
    assert isinstance(error, PermanentError)
    assert "changed while it was being uploaded" in str(error)
    assert "re-index" in str(error)


def test_a_vanished_upload_is_retried_from_scratch() -> None:
    assert isinstance(classify(client_error("NoSuchUpload", 404), "x"), UploadGoneError)
    assert isinstance(classify(client_error("NoSuchUpload", 404), "x"), RetryableError)


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        ("SlowDown", 503, RetryableError),
        ("InternalError", 500, RetryableError),
        ("AccessDenied", 403, FatalError),
        ("InvalidArgument", 400, PermanentError),
    ],
)
def test_everything_else_is_the_shared_translation(code: str, status: int, kind: type) -> None:
    assert type(classify(client_error(code, status), "x")) is kind


def test_timeouts_are_retryable() -> None:
    error = classify(ReadTimeoutError(endpoint_url="http://127.0.0.1:1"), "uploading a.fits")

    assert isinstance(error, RetryableError)


def test_retry_after_in_seconds_reaches_the_error() -> None:
    error = classify(client_error("SlowDown", 503, {"retry-after": "7"}), "x")

    assert isinstance(error, RetryableError)
    assert error.retry_after_s == 7.0


def test_retry_after_as_an_http_date() -> None:
    exc = client_error("SlowDown", 503, {"retry-after": "Wed, 21 Oct 2015 07:28:30 GMT"})

    assert retry_after_s(exc, now=lambda: 1445412500.0) == pytest.approx(10.0)
    assert retry_after_s(exc, now=lambda: 1445412600.0) == 0.0


@pytest.mark.parametrize("value", ["", "soon", "-3"])
def test_an_unreadable_retry_after_is_ignored(value: str) -> None:
    assert retry_after_s(client_error("SlowDown", 503, {"retry-after": value})) is None


def expiring(times: int) -> tuple[list[int], object]:
    calls: list[int] = []

    def request() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise ExpiredCredentialsError("expired")
        return "sent"

    return calls, request


def test_a_request_is_sent_again_after_each_refresh() -> None:
    refreshes: list[int] = []
    refresher = CredentialsRefresher(lambda: refreshes.append(1))
    calls, request = expiring(2)

    assert with_fresh_credentials(refresher, request) == "sent"  # type: ignore[arg-type]
    assert (len(calls), len(refreshes)) == (3, 2)


def test_credentials_that_keep_expiring_mean_signing_in_again() -> None:
    refresher = CredentialsRefresher(lambda: None)
    _, request = expiring(100)

    with pytest.raises(SignInRequired, match="clock"):
        with_fresh_credentials(refresher, request)  # type: ignore[arg-type]


def test_without_a_refresh_hook_an_expiry_means_signing_in_again() -> None:
    _, request = expiring(1)

    with pytest.raises(SignInRequired, match="sign in again"):
        with_fresh_credentials(CredentialsRefresher(None), request)  # type: ignore[arg-type]


def test_one_refresh_serves_every_worker_that_saw_the_same_expiry() -> None:
    refreshes: list[int] = []
    refresher = CredentialsRefresher(lambda: refreshes.append(1))
    seen = refresher.generation

    refresher.refresh(seen)
    refresher.refresh(seen)  # a second worker, same expiry: already renewed

    assert len(refreshes) == 1


def test_a_failing_provider_is_a_retryable_error_and_sign_in_passes_through() -> None:
    def broken() -> None:
        raise OSError("network down")

    def needs_sign_in() -> None:
        raise SignInRequired("sign in")

    with pytest.raises(RetryableError, match="network down"):
        CredentialsRefresher(broken).refresh(0)
    with pytest.raises(SignInRequired):
        CredentialsRefresher(needs_sign_in).refresh(0)
