"""An answer to the lean PutObject path reads on screen exactly as botocore's answer would: the
same class, message and Retry-After; transport failures are classified as botocore's are."""

from __future__ import annotations

import socket
from collections.abc import Iterable
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HeadersDict
from botocore.config import Config
from botocore.exceptions import ClientError
from urllib3.exceptions import NewConnectionError, ProtocolError, ProxyError, SSLError

from uploader_gui.aws.errors import ChecksumMismatchError, ExpiredCredentialsError, translate
from uploader_gui.aws.http_errors import response_error, transport_error
from uploader_gui.core.errors import (
    ArchiveUnreachableError,
    FatalError,
    RetryableError,
    UploaderError,
)

WHAT = "uploading a.fits"
URL = "https://archive.example/bucket/a.fits"


class _Body:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterable[bytes]:
        yield self._body


def _xml(code: str, message: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
        f"<Message>{message}</Message><RequestId>r1</RequestId></Error>"
    ).encode()


def botocores_error(status: int, headers: dict[str, str], body: bytes) -> UploaderError:
    """What the botocore path shows for this answer: a real client, answered by a hook."""
    client = boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:9",
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="not-a-real-secret",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )

    def answer(**_: Any) -> AWSResponse:
        return AWSResponse(URL, status, HeadersDict(headers), _Body(body))  # type: ignore[arg-type]

    client.meta.events.register("before-send.s3.PutObject", answer)
    with pytest.raises(ClientError) as caught:
        client.put_object(Bucket="bucket", Key="a.fits", Body=b"data")
    return translate(caught.value, WHAT)


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        (503, {"Retry-After": "7"}, _xml("SlowDown", "Reduce your request rate."), RetryableError),
        (500, {}, _xml("InternalError", "We encountered an internal error."), RetryableError),
        (500, {}, b"", RetryableError),
        (
            400,
            {},
            _xml("BadDigest", "The CRC32 you specified did not match."),
            ChecksumMismatchError,
        ),
        (400, {}, _xml("ExpiredToken", "The token has expired."), ExpiredCredentialsError),
        (403, {}, _xml("AccessDenied", "Access Denied"), FatalError),
        (404, {}, _xml("NoSuchBucket", "The bucket does not exist"), FatalError),
    ],
)
def test_an_error_answer_reads_as_botocores(
    status: int, headers: dict[str, str], body: bytes, expected: type
) -> None:
    ours = translate(response_error("PutObject", status, headers, body), WHAT)
    theirs = botocores_error(status, headers, body)

    assert type(ours) is type(theirs)
    assert isinstance(ours, expected)
    assert str(ours) == str(theirs)
    assert getattr(ours, "retry_after_s", None) == getattr(theirs, "retry_after_s", None)


def test_a_page_that_is_not_s3s_is_named_by_its_status() -> None:
    # botocore would show "An error occurred () when calling the PutObject operation": the
    # status says more, and it is classified the same way (403: fatal).
    error = translate(response_error("PutObject", 403, {}, b"<html>a proxy's page</html>"), WHAT)

    assert isinstance(error, FatalError)
    assert str(error) == "uploading a.fits: Forbidden (403)"


def test_retry_after_reaches_the_retry_policy() -> None:
    error = translate(
        response_error("PutObject", 503, {"Retry-After": "7"}, _xml("SlowDown", "Slow down.")),
        WHAT,
    )
    assert isinstance(error, RetryableError)
    assert error.retry_after_s == 7.0


@pytest.mark.parametrize(
    ("failure", "words"),
    [
        (NewConnectionError(None, "Connection refused"), "cannot reach the archive"),  # type: ignore[arg-type]
        (socket.gaierror("Name or service not known"), "cannot reach the archive"),
        (SSLError("certificate verify failed"), "SSL validation failed"),
        (ProtocolError("Connection aborted.", ConnectionResetError()), "mid-request"),
    ],
)
def test_a_transport_failure_means_the_archive_is_out_of_reach(
    failure: Exception, words: str
) -> None:
    error = translate(transport_error(failure, URL, None), WHAT)
    assert isinstance(error, ArchiveUnreachableError)
    assert words in str(error)


def test_a_proxys_password_never_reaches_the_message() -> None:
    proxy_url = "http://someone:s3cret@proxy.example:3128"
    failure = ProxyError("Unable to connect to proxy", OSError("refused"))

    error = translate(transport_error(failure, URL, proxy_url), WHAT)

    assert isinstance(error, ArchiveUnreachableError)
    assert "s3cret" not in str(error)
    assert "proxy.example:3128" in str(error)
