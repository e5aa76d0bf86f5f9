"""Exactly-once appends to an S3 Express log object (PROTOCOL.md §4.4, done safely).

The object's size is read once (HEAD) and then tracked from each confirmed append, so a steady
log costs one request per append, not two; it is read again only when the archive refuses an
offset (`InvalidWriteOffset`), after an answer was lost, or after compaction.

Each chunk is written with `WriteOffsetBytes` = the size we know, so the offset is a fence: a
request that lands late, or that botocore retried after it had landed, cannot write twice, because
the second write meets a different size and is refused with `InvalidWriteOffset`. Whenever an
answer is lost or a refusal may be our own earlier attempt, we read the bytes at the offset we
sent and compare them with the chunk before sending again.

`TooManyParts` (10,000 appends per object): AWS documents that `CopyObject` resets the part
count ("copy this object to another and then add more data to the newly copied object"). A copy
of an object onto itself without changing anything is refused by S3, and the log key cannot
change (the validator tails it), so we copy the log to a side key and back, then delete the side
key. Both copies are ordinary CopyObject calls that S3 Express supports.
"""

from __future__ import annotations

from typing import Any

from uploader_gui.aws.errors import (
    AWS_EXCEPTIONS,
    error_code,
    is_not_implemented,
    is_precondition_failed,
    may_have_landed,
    translate,
)
from uploader_gui.core.errors import RetryableError
from uploader_gui.fast.s3_objects import object_size, read_range

COMPACTION_SUFFIX = ".compacting"


class S3LogAppender:
    """Appends chunks to one log object; each chunk lands once, in call order."""

    def __init__(self, s3: Any, bucket: str, key: str, *, max_attempts: int = 6) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._key = key
        self._max_attempts = max_attempts
        self._uses_if_none_match = True
        # A chunk whose last attempt may have landed, with the offset it was sent at
        # (None = sent as the object's creation).
        self._unconfirmed: tuple[bytes, int | None] | None = None
        # The object's size after our last confirmed append; None: read it before the next one.
        self._known_size: int | None = None
        self.compaction_count = 0
        self.size_reads = 0

    @property
    def key(self) -> str:
        return self._key

    def size(self) -> int | None:
        """The object's size in bytes as the archive has it now, or None when it does not exist."""
        self.size_reads += 1
        return object_size(self._s3, self._bucket, self._key)

    def _offset(self) -> int | None:
        """Where the next chunk goes: the tracked size, or the archive's when unknown."""
        if self._known_size is None:
            self._known_size = self.size()
        return self._known_size

    def append(self, chunk: bytes) -> None:
        """Append `chunk` exactly once; raises RetryableError etc. (call again with the same
        chunk: a pending uncertainty is resolved first)."""
        if not chunk:
            return
        offset: int | None
        if self._unconfirmed is not None and self._unconfirmed[0] == chunk:
            offset = self._unconfirmed[1]
            if self._has_landed(chunk, offset):
                self._landed(chunk, offset)
                return
        else:
            self._unconfirmed = None
            offset = self._offset()
        has_compacted = False
        for _ in range(self._max_attempts):
            try:
                self._put(chunk, offset)
            except AWS_EXCEPTIONS as exc:
                if may_have_landed(exc):
                    self._unconfirmed = (chunk, offset)
                    if self._has_landed(chunk, offset):
                        break
                    continue  # same offset again: if the lost one lands late, ours is refused
                if self._is_offset_refusal(exc, offset):
                    size = self.size()
                    if self._has_landed(chunk, offset, size):  # botocore's retry had landed
                        break
                    offset = self._known_size = size
                    continue
                if error_code(exc) == "TooManyParts" and not has_compacted:
                    self._compact()
                    has_compacted = True
                    offset = self._known_size = self.size()
                    continue
                self._known_size = None  # unsure what the archive holds now: read it next time
                raise translate(exc, f"appending to {self._key}") from exc
            break
        else:
            self._known_size = None
            raise RetryableError(f"appending to {self._key} kept being refused; will try again")
        self._landed(chunk, offset)

    def _landed(self, chunk: bytes, offset: int | None) -> None:
        self._unconfirmed = None
        self._known_size = (offset or 0) + len(chunk)

    def _is_offset_refusal(self, exc: BaseException, offset: int | None) -> bool:
        if error_code(exc) == "InvalidWriteOffset":
            return True
        # Creating the object raced with another creation (or with our own earlier attempt).
        return offset is None and (
            is_precondition_failed(exc) or error_code(exc) == "ConditionalRequestConflict"
        )

    def _put(self, chunk: bytes, offset: int | None) -> None:
        kwargs: dict[str, Any] = {
            "Bucket": self._bucket,
            "Key": self._key,
            "Body": chunk,
            # Appends must keep the object's checksum algorithm; S3 Express uses CRC32.
            "ChecksumAlgorithm": "CRC32",
        }
        if offset is not None:
            kwargs["WriteOffsetBytes"] = offset
        elif self._uses_if_none_match:
            kwargs["IfNoneMatch"] = "*"
        try:
            self._s3.put_object(**kwargs)
        except AWS_EXCEPTIONS as exc:
            if offset is None and self._uses_if_none_match and is_not_implemented(exc):
                self._uses_if_none_match = False
                self._put(chunk, offset)
                return
            raise

    def _has_landed(self, chunk: bytes, offset: int | None, size: int | None = -1) -> bool:
        """True if the bytes at `offset` are exactly `chunk` (our rows carry unique stamps).
        `size`: the object's size if just read (-1: read it now)."""
        start = offset or 0
        if size == -1:
            size = self.size()
        if size is None or size < start + len(chunk):
            return False
        return read_range(self._s3, self._bucket, self._key, start, start + len(chunk) - 1) == chunk

    def _compact(self) -> None:
        """Reset the part count: copy the log to a side key and back (see the module doc)."""
        side_key = self._key + COMPACTION_SUFFIX
        try:
            etag = self._s3.head_object(Bucket=self._bucket, Key=self._key)["ETag"]
            self._s3.copy_object(
                Bucket=self._bucket,
                Key=side_key,
                CopySource={"Bucket": self._bucket, "Key": self._key},
                CopySourceIfMatch=etag,
            )
            if self._s3.head_object(Bucket=self._bucket, Key=self._key)["ETag"] != etag:
                raise RetryableError(f"{self._key} changed while it was being compacted")
            self._s3.copy_object(
                Bucket=self._bucket,
                Key=self._key,
                CopySource={"Bucket": self._bucket, "Key": side_key},
            )
            self._s3.delete_object(Bucket=self._bucket, Key=side_key)
        except AWS_EXCEPTIONS as exc:
            raise translate(exc, f"resetting the append count of {self._key}") from exc
        self.compaction_count += 1
