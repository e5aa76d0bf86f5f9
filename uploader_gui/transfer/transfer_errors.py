"""What the data plane adds to `fast.aws_errors.translate` (the one botocore → core translation).

- Expired credentials (`ExpiredToken`, `ExpiredTokenException`, `RequestExpired`) become
  `ExpiredCredentialsError`: the worker refreshes the credentials and sends the same request
  again; it never counts as a failed attempt.
- A checksum the archive refused (`BadDigest`, ...) becomes `ChecksumMismatchError` with a
  message a person can act on: the bytes sent were not the bytes the CRC32 describes.
- A retryable error carries the server's `Retry-After` (seconds or an HTTP date), which the
  retry policy honours as a floor.
- Local file problems are `SourceFileError` (vanished, unreadable, not a regular file) or
  `SourceChangedError` (size or modification time moved): permanent for that file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

from botocore.exceptions import ClientError

from uploader_gui.core.crc32 import FileChangedError
from uploader_gui.core.errors import PermanentError, RetryableError, UploaderError
from uploader_gui.fast.aws_errors import error_code, translate

EXPIRED_CREDENTIALS_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})
CHECKSUM_MISMATCH_CODES = frozenset(
    {"BadDigest", "InvalidDigest", "XAmzContentChecksumMismatch", "InvalidChecksum"}
)
UPLOAD_GONE_CODES = frozenset({"NoSuchUpload"})


class ExpiredCredentialsError(RetryableError):
    """The archive refused the request because the credentials expired: refresh and resend."""


class ChecksumMismatchError(PermanentError):
    """The archive received bytes that do not match the CRC32 sent with them."""


class UploadGoneError(RetryableError):
    """The multipart upload no longer exists on the archive (completed, aborted or expired).

    Retryable: the next attempt finds it gone and starts the file again with a new upload.
    """


class SourceFileError(PermanentError):
    """The local file cannot be sent: it vanished, cannot be read, or is not a regular file."""


class SourceChangedError(FileChangedError):
    """The local file's size or modification time is not what was indexed or read before."""

    def __init__(self, path: str, detail: str, *, when: str) -> None:
        PermanentError.__init__(
            self,
            f"{path} changed {when} ({detail}). Re-index the folder so its checksum describes "
            "the file as it is now, then deliver it again.",
        )
        self.path = path
        self.detail = detail


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


def classify(exc: BaseException, what: str) -> UploaderError:
    """The core error for an exception raised while doing `what` ("uploading part 3 of x")."""
    if isinstance(exc, UploaderError):
        return exc
    code = error_code(exc)
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
    error = translate(exc, what)
    if isinstance(error, RetryableError) and error.retry_after_s is None:
        error.retry_after_s = retry_after_s(exc)
    return error
