"""Checking one reported object, as upstream's `validate_file` does (PROTOCOL.md §8.2).

Look the object up in the transfer bucket (missing: `file not found`), then compare the index
checksum with the CRC32 the archive stores for it. Like upstream, no size is compared: the index
has none. Upstream looks up with `HeadObject(ChecksumMode=ENABLED)`, and `HeadObjectLookup` still
does; the local archive hands its validator an `ObjectLookup` that reads the same stored object
without an HTTP round trip (`archive_objects`), which is what lets it give thousands of verdicts/s
instead of ~50 while the client's PUTs share the process.

Data validation of FITS/ASDF/Parquet content (astropy and friends) is out of scope for the
sandbox: such files pass as `ok` once they exist with the right checksum. The `--invalid GLOB`
fault makes matching files fail with a check-failure report shaped like upstream's, and
`--slow-validation` delays every verdict.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from uploader_gui.core.delivery.label import Label
from uploader_gui.sandbox.validation_index import IndexRow

# Realistic check-failure reports per standard: what upstream's label object checks would say.
_INJECTED_FAILURES: Mapping[str | None, Mapping[str, str]] = {
    "fits": {"HDU 1/BUNIT": "value 'adu' does not match 'electron/s'"},
    "asdf": {"roman/data": "dtype float64 does not match 'f4'"},
    "parquet": {"flux": "column dtype int64 does not match 'f8'"},
}
_GENERIC_FAILURE = {"hook:checks": {"file size": "0 bytes is below the minimum of 1"}}


@dataclass(frozen=True, slots=True)
class StoredObject:
    """What the archive stores for an object: its size and the CRC32 HEAD would report."""

    size: int
    # `ChecksumCRC32` of HEAD with ChecksumMode=ENABLED; None when none is stored.
    crc32: str | None


class ObjectLookup(Protocol):
    """Finds a stored object of the transfer bucket; None when there is none."""

    def stored(self, bucket: str, key: str) -> StoredObject | None: ...


class HeadObjectLookup:
    """Upstream's lookup: `HeadObject(ChecksumMode=ENABLED)`; any error means not found."""

    def __init__(self, s3: Any) -> None:
        self._s3 = s3

    def stored(self, bucket: str, key: str) -> StoredObject | None:
        try:
            head = self._s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        except (ClientError, BotoCoreError):
            return None
        return StoredObject(int(head["ContentLength"]), head.get("ChecksumCRC32"))


@dataclass(frozen=True, slots=True)
class Verdict:
    """One `validation/<key>/<status>/<message>` row to write; `message` may be a dict."""

    key: str
    status: str
    message: object = None


class FileValidator:
    """Validates reported objects; safe to call from several threads at once."""

    def __init__(
        self,
        objects: ObjectLookup,
        transfer_bucket: str,
        index_rows: Mapping[str, IndexRow],
        label: Label,
        *,
        invalid_globs: tuple[str, ...] = (),
        slow_validation_s: float = 0.0,
        stop_requested: threading.Event | None = None,
    ) -> None:
        self._objects = objects
        self._transfer_bucket = transfer_bucket
        self._index_rows = index_rows
        self._label = label
        self._invalid_globs = invalid_globs
        self._slow_validation_s = slow_validation_s
        self._stop_requested = stop_requested or threading.Event()

    def validate(self, key: str) -> Verdict:
        if self._slow_validation_s > 0:
            self._stop_requested.wait(self._slow_validation_s)
        stored = self._objects.stored(self._transfer_bucket, key)
        if stored is None:
            return Verdict(key, "failure", "file not found")
        row = self._index_rows[key]
        stored_crc32 = stored.crc32
        if row.checksum is not None and row.checksum != stored_crc32:
            message = f"incorrect crc32 checksum: expected {row.checksum}, got {stored_crc32}"
            return Verdict(key, "failure", message)
        if any(fnmatch.fnmatchcase(key, glob) for glob in self._invalid_globs):
            return Verdict(key, "failure", dict(self._injected_failure(row)))
        return Verdict(key, "ok")

    def _injected_failure(self, row: IndexRow) -> Mapping[str, object]:
        standard = self._label.filetype(row.filetype).standard if row.filetype else None
        return _INJECTED_FAILURES.get(standard, _GENERIC_FAILURE)
