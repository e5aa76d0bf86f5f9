"""Checking one reported object, as upstream's `validate_file` does (PROTOCOL.md §8.2).

HEAD with `ChecksumMode=ENABLED` on the transfer bucket (any error: `file not found`), then the
index checksum against the stored full-object CRC32. Data validation of FITS/ASDF/Parquet content
(astropy and friends) is out of scope for the sandbox: such files pass as `ok` once they exist
with the right checksum. The `--invalid GLOB` fault makes matching files fail with a check-failure
report shaped like upstream's, and `--slow-validation` delays every verdict.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
class Verdict:
    """One `validation/<key>/<status>/<message>` row to write; `message` may be a dict."""

    key: str
    status: str
    message: object = None


class FileValidator:
    """Validates reported objects; safe to call from several threads at once."""

    def __init__(
        self,
        s3: Any,
        transfer_bucket: str,
        index_rows: Mapping[str, IndexRow],
        label: Label,
        *,
        invalid_globs: tuple[str, ...] = (),
        slow_validation_s: float = 0.0,
        stop_requested: threading.Event | None = None,
    ) -> None:
        self._s3 = s3
        self._transfer_bucket = transfer_bucket
        self._index_rows = index_rows
        self._label = label
        self._invalid_globs = invalid_globs
        self._slow_validation_s = slow_validation_s
        self._stop_requested = stop_requested or threading.Event()

    def validate(self, key: str) -> Verdict:
        if self._slow_validation_s > 0:
            self._stop_requested.wait(self._slow_validation_s)
        try:
            head = self._s3.head_object(
                Bucket=self._transfer_bucket, Key=key, ChecksumMode="ENABLED"
            )
        except (ClientError, BotoCoreError):
            return Verdict(key, "failure", "file not found")
        row = self._index_rows[key]
        stored_crc32 = head.get("ChecksumCRC32")
        if row.checksum is not None and row.checksum != stored_crc32:
            message = f"incorrect crc32 checksum: expected {row.checksum}, got {stored_crc32}"
            return Verdict(key, "failure", message)
        if any(fnmatch.fnmatchcase(key, glob) for glob in self._invalid_globs):
            return Verdict(key, "failure", dict(self._injected_failure(row)))
        return Verdict(key, "ok")

    def _injected_failure(self, row: IndexRow) -> Mapping[str, object]:
        standard = self._label.filetype(row.filetype).standard if row.filetype else None
        return _INJECTED_FAILURES.get(standard, _GENERIC_FAILURE)
