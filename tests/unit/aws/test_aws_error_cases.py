"""The codes a caller acts on (expired credentials, refused checksums, vanished uploads) and
the server's Retry-After, in the one botocore -> core translation."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from uploader_gui.aws.errors import (
    ChecksumMismatchError,
    ExpiredCredentialsError,
    UploadGoneError,
    retry_after_s,
    translate,
)
from uploader_gui.core.errors import FatalError, PermanentError, RetryableError


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
    error = translate(client_error(code, 400), "uploading part 2 of a.fits")

    assert isinstance(error, ExpiredCredentialsError)
    assert "part 2 of a.fits" in str(error)


def test_bad_digest_says_what_a_person_can_do() -> None:
    error = translate(client_error("BadDigest", 400), "uploading a.fits")

    assert isinstance(error, ChecksumMismatchError)
    assert isinstance(error, PermanentError)
    assert "changed while it was being uploaded" in str(error)
    assert "re-index" in str(error)


def test_a_vanished_upload_is_retried_from_scratch() -> None:
    assert isinstance(translate(client_error("NoSuchUpload", 404), "x"), UploadGoneError)
    assert isinstance(translate(client_error("NoSuchUpload", 404), "x"), RetryableError)


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
    assert type(translate(client_error(code, status), "x")) is kind


def test_timeouts_are_retryable() -> None:
    error = translate(ReadTimeoutError(endpoint_url="http://127.0.0.1:1"), "uploading a.fits")

    assert isinstance(error, RetryableError)


def test_retry_after_in_seconds_reaches_the_error() -> None:
    error = translate(client_error("SlowDown", 503, {"retry-after": "7"}), "x")

    assert isinstance(error, RetryableError)
    assert error.retry_after_s == 7.0


def test_retry_after_as_an_http_date() -> None:
    exc = client_error("SlowDown", 503, {"retry-after": "Wed, 21 Oct 2015 07:28:30 GMT"})

    assert retry_after_s(exc, now=lambda: 1445412500.0) == pytest.approx(10.0)
    assert retry_after_s(exc, now=lambda: 1445412600.0) == 0.0


@pytest.mark.parametrize("value", ["", "soon", "-3"])
def test_an_unreadable_retry_after_is_ignored(value: str) -> None:
    assert retry_after_s(client_error("SlowDown", 503, {"retry-after": value})) is None
