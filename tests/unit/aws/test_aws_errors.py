"""botocore errors become the core's classes in one place."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    ReadTimeoutError,
)

from uploader_gui.aws.errors import (
    is_not_found,
    is_precondition_failed,
    may_have_landed,
    translate,
)
from uploader_gui.core.errors import FatalError, PermanentError, RetryableError


def client_error(code: str, status: int) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": f"{code} happened"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "PutObject",
    )


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("SlowDown", 503, RetryableError),
        ("InternalError", 500, RetryableError),
        ("Whatever", 502, RetryableError),
        ("ExpiredToken", 400, RetryableError),
        ("AccessDenied", 403, FatalError),
        ("NoSuchBucket", 404, FatalError),
        ("InvalidAccessKeyId", 403, FatalError),
        ("NoSuchKey", 404, PermanentError),
        ("BadDigest", 400, PermanentError),
    ],
)
def test_client_errors_by_code_and_status(code: str, status: int, expected: type) -> None:
    error = translate(client_error(code, status), "uploading a.fits")
    assert isinstance(error, expected)  # some codes get a subclass (test_fast_aws_error_cases)
    assert "uploading a.fits" in str(error)
    assert code in str(error)


def test_connection_problems_are_retryable() -> None:
    assert isinstance(
        translate(EndpointConnectionError(endpoint_url="http://x"), "x"), RetryableError
    )
    timeout = ReadTimeoutError(endpoint_url="http://x")
    assert isinstance(translate(timeout, "x"), RetryableError)
    assert may_have_landed(timeout)
    assert not may_have_landed(EndpointConnectionError(endpoint_url="http://x"))


def test_missing_credentials_and_bugs_are_fatal() -> None:
    assert isinstance(translate(NoCredentialsError(), "x"), FatalError)
    assert isinstance(translate(ParamValidationError(report="bad"), "x"), FatalError)


def test_predicates() -> None:
    assert is_not_found(client_error("404", 404))
    assert is_not_found(client_error("NoSuchKey", 404))
    assert is_precondition_failed(client_error("PreconditionFailed", 412))
    assert not is_precondition_failed(client_error("AccessDenied", 403))
