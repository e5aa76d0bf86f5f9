"""The one place where botocore's exceptions become the core's error classes (DESIGN.md §4).

Adapters (control channel, transfer engine) call `translate` and let the engine decide by class:
RetryableError (throttling, 5xx, resets, timeouts, expired tokens), PermanentError (a 4xx about
one object), FatalError (credentials refused, bucket gone, permission revoked).
"""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    CredentialRetrievalError,
    EndpointConnectionError,
    NoCredentialsError,
    ParamValidationError,
    ReadTimeoutError,
    ResponseStreamingError,
)

from uploader_gui.core.errors import FatalError, PermanentError, RetryableError, UploaderError

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
NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound", "ParameterNotFound"})
# The exceptions adapters catch around a boto3 call and hand to `translate`.
AWS_EXCEPTIONS = (ClientError, BotoCoreError, OSError)
# Errors after which a request may or may not have taken effect on the server.
AMBIGUOUS_ERRORS = (ReadTimeoutError, ConnectionClosedError, ResponseStreamingError)


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


def _client_error(exc: ClientError, what: str) -> UploaderError:
    code = error_code(exc)
    status = http_status(exc) or 0
    message = str(exc.response.get("Error", {}).get("Message", "")) or code or str(exc)
    text = f"{what}: {message} ({code or status})"
    if code in RETRYABLE_CODES or status >= 500 or status == 429:
        return RetryableError(text)
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
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError):
        return RetryableError(f"{what}: cannot reach the archive ({exc})")
    if isinstance(exc, AMBIGUOUS_ERRORS):
        return RetryableError(f"{what}: the connection failed mid-request ({exc})")
    if isinstance(exc, BotoCoreError | OSError):
        return RetryableError(f"{what}: {exc}")
    return FatalError(f"{what}: unexpected {type(exc).__name__}: {exc}")
