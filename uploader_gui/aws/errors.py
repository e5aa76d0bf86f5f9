"""The one place where botocore's exceptions become the core's error classes (DESIGN.md §4).

Adapters (control channel, transfer engine) call `translate` and let the engine decide by class:
RetryableError (throttling, 5xx, expired tokens; `ArchiveUnreachableError` for refused, reset or
timed-out connections, DNS and TLS handshakes), PermanentError (a 4xx about
one object), FatalError (credentials refused, bucket gone, permission revoked). Some codes get a
subclass a caller can act on:

- Expired credentials (`ExpiredToken`, `ExpiredTokenException`, `RequestExpired`) become
  `ExpiredCredentialsError`: refresh the credentials and send the same request again.
- A checksum the archive refused (`BadDigest`, ...) becomes `ChecksumMismatchError`, with a
  message a person can act on: the bytes sent were not the bytes the CRC32 describes.
- `NoSuchUpload` becomes `UploadGoneError`: the multipart upload must be started again.
- A retryable error carries the server's `Retry-After` (seconds or an HTTP date), which the
  retry policy honours as a floor.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    CredentialRetrievalError,
    NoCredentialsError,
    ParamValidationError,
    ReadTimeoutError,
    ResponseStreamingError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from uploader_gui.core.errors import (
    ArchiveUnreachableError,
    FatalError,
    PermanentError,
    RetryableError,
    UploaderError,
)

RETRYABLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "SlowDown",
        "RequestLimitExceeded",
        "RequestTimeout",
        "RequestTimeoutException",
        "InternalError",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceException",
        "ExpiredToken",
        "ExpiredTokenException",
        "RequestExpired",
        "ConditionalRequestConflict",
        "OperationAborted",
    }
)
FATAL_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "AllAccessDisabled",
        "InvalidAccessKeyId",
        "InvalidToken",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
        "AccountProblem",
        "NoSuchBucket",
        "InvalidClientTokenId",
        "NotAuthorized",
    }
)
EXPIRED_CREDENTIALS_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
CHECKSUM_MISMATCH_CODES = frozenset(
    {"BadDigest", "InvalidDigest", "XAmzContentChecksumMismatch", "InvalidChecksum"}
)
UPLOAD_GONE_CODES = frozenset({"NoSuchUpload"})
NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound", "ParameterNotFound"})
# The exceptions adapters catch around a boto3 call and hand to `translate`.
AWS_EXCEPTIONS = (ClientError, BotoCoreError, OSError)
# Errors after which a request may or may not have taken effect on the server.
AMBIGUOUS_ERRORS = (ReadTimeoutError, ConnectionClosedError, ResponseStreamingError)


class ExpiredCredentialsError(RetryableError):
    """The archive refused the request because the credentials expired: refresh and resend."""


class ChecksumMismatchError(PermanentError):
    """The archive received bytes that do not match the CRC32 sent with them."""


class UploadGoneError(RetryableError):
    """The multipart upload no longer exists on the archive (completed, aborted or expired).

    Retryable: the next attempt finds it gone and starts the file again with a new upload.
    """


def error_code(exc: BaseException) -> str:
    """The service's error code ('NoSuchKey', '412', ...), or '' for non-service errors."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", ""))
    return ""


def http_status(exc: BaseException) -> int | None:
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return int(status) if status is not None else None
    return None


def is_not_found(exc: BaseException) -> bool:
    return error_code(exc) in NOT_FOUND_CODES or http_status(exc) == 404


def is_precondition_failed(exc: BaseException) -> bool:
    return error_code(exc) in ("PreconditionFailed", "412") or http_status(exc) == 412


def is_not_implemented(exc: BaseException) -> bool:
    return error_code(exc) in ("NotImplemented", "501") or http_status(exc) == 501


def may_have_landed(exc: BaseException) -> bool:
    """True when the request may have reached the server although no answer came back."""
    return isinstance(exc, AMBIGUOUS_ERRORS)


def retry_after_s(exc: BaseException, *, now: Callable[[], float] = time.time) -> float | None:
    """The server's `Retry-After` in seconds, or None if it sent none (or nonsense)."""
    if not isinstance(exc, ClientError):
        return None
    headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {}) or {}
    value = str(headers.get("retry-after", "")).strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, moment.timestamp() - now())


def _special_case(code: str, what: str) -> UploaderError | None:
    """The error subclass for a code a caller acts on, or None."""
    if code in EXPIRED_CREDENTIALS_CODES:
        return ExpiredCredentialsError(f"{what}: the archive's credentials expired ({code})")
    if code in CHECKSUM_MISMATCH_CODES:
        return ChecksumMismatchError(
            f"{what}: the archive received bytes that do not match their CRC32 checksum "
            f"({code}). The file probably changed while it was being uploaded, or the disk "
            "returned different data; check the file, re-index the folder and deliver it again."
        )
    if code in UPLOAD_GONE_CODES:
        return UploadGoneError(f"{what}: the multipart upload no longer exists on the archive")
    return None


def _client_error(exc: ClientError, what: str) -> UploaderError:
    code = error_code(exc)
    special = _special_case(code, what)
    if special is not None:
        return special
    status = http_status(exc) or 0
    message = str(exc.response.get("Error", {}).get("Message", "")) or code or str(exc)
    text = f"{what}: {message} ({code or status})"
    if code in RETRYABLE_CODES or status >= 500 or status == 429:
        return RetryableError(text, retry_after_s=retry_after_s(exc))
    if code in FATAL_CODES or status in (401, 403):
        return FatalError(text)
    return PermanentError(text)


def translate(exc: BaseException, what: str) -> UploaderError:
    """The core error for a botocore (or socket) exception raised while doing `what`."""
    if isinstance(exc, UploaderError):
        return exc
    if isinstance(exc, ClientError):
        return _client_error(exc, what)
    if isinstance(exc, ParamValidationError):
        return FatalError(f"{what}: the request was malformed (a bug): {exc}")
    if isinstance(exc, NoCredentialsError | CredentialRetrievalError):
        return FatalError(f"{what}: no usable credentials ({exc}); sign in again")
    if isinstance(exc, BotoConnectionError | ConnectTimeoutError):
        return ArchiveUnreachableError(f"{what}: cannot reach the archive ({exc})")
    if isinstance(exc, AMBIGUOUS_ERRORS):
        return ArchiveUnreachableError(f"{what}: the connection failed mid-request ({exc})")
    if isinstance(exc, ConnectionError | TimeoutError | socket.gaierror):  # below botocore
        return ArchiveUnreachableError(f"{what}: cannot reach the archive ({exc})")
    if isinstance(exc, BotoCoreError | OSError):
        return RetryableError(f"{what}: {exc}")
    return FatalError(f"{what}: unexpected {type(exc).__name__}: {exc}")
