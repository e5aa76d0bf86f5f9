"""Small S3 reads the control channel shares: an object's size, a byte range, a whole object."""

from __future__ import annotations

from typing import Any

from uploader_gui.aws.errors import AWS_EXCEPTIONS, is_not_found, translate

MAX_RANGE_BYTES = 50 * 1024 * 1024


def object_size(s3: Any, bucket: str, key: str) -> int | None:
    """HEAD size of an object in bytes, or None when it does not exist."""
    try:
        return int(s3.head_object(Bucket=bucket, Key=key)["ContentLength"])
    except AWS_EXCEPTIONS as exc:
        if is_not_found(exc):
            return None
        raise translate(exc, f"reading the size of {key}") from exc


def read_range(s3: Any, bucket: str, key: str, start: int, end_inclusive: int) -> bytes:
    """Bytes `start`..`end_inclusive` of an object (a ranged GET)."""
    try:
        answer = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes={start}-{end_inclusive}")
        return bytes(answer["Body"].read())
    except AWS_EXCEPTIONS as exc:
        raise translate(exc, f"reading {key} from byte {start}") from exc


def read_whole(
    s3: Any, bucket: str, key: str, *, max_range_bytes: int = MAX_RANGE_BYTES
) -> bytes | None:
    """The whole object in ranged GETs of at most `max_range_bytes`; None when it is missing."""
    size = object_size(s3, bucket, key)
    if size is None:
        return None
    parts: list[bytes] = []
    position = 0
    while position < size:
        data = read_range(s3, bucket, key, position, min(size, position + max_range_bytes) - 1)
        if not data:
            break
        parts.append(data)
        position += len(data)
    return b"".join(parts)
