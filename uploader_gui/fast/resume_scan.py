"""The resume scan (PROTOCOL.md §9) over S3: past verdicts, the bucket listing, and HEADs.

As upstream: read the whole validator log, take each path's last `validation` verdict, list the
transfer bucket. Beyond upstream: every previously valid object is HEADed and its size and
`ChecksumCRC32` compared with the local file and the index, so a file changed since it was
validated is uploaded again. Runs before the lock is taken; raises NothingToDo when every file
is already valid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from uploader_gui.aws.errors import AWS_EXCEPTIONS, is_not_found, translate
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.delivery.index_file import IndexEntry
from uploader_gui.core.protocol.log_stream import LogStreamDecoder
from uploader_gui.core.protocol.naming import DeliveryNames
from uploader_gui.core.protocol.resume_plan import (
    NothingToDo,
    RemoteObject,
    ResumeScan,
    last_verdicts,
    needs_head,
    plan_resume,
)
from uploader_gui.fast.s3_objects import read_whole

DEFAULT_HEAD_WORKERS = 8


def list_keys(s3: Any, bucket: str) -> set[str]:
    """Every key in the bucket (ListObjectsV2, all pages)."""
    keys: set[str] = set()
    kwargs: dict[str, Any] = {"Bucket": bucket}
    try:
        while True:
            page = s3.list_objects_v2(**kwargs)
            keys.update(item["Key"] for item in page.get("Contents", []))
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return keys
            kwargs["ContinuationToken"] = token
    except AWS_EXCEPTIONS as exc:
        raise translate(exc, f"listing the transfer bucket {bucket}") from exc


def head_object(s3: Any, bucket: str, key: str) -> RemoteObject | None:
    try:
        head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    except AWS_EXCEPTIONS as exc:
        if is_not_found(exc):
            return None
        raise translate(exc, f"checking {key} in the archive") from exc
    return RemoteObject(int(head["ContentLength"]), head.get("ChecksumCRC32"))


def _heads(s3: Any, bucket: str, keys: Sequence[str], workers: int) -> dict[str, RemoteObject]:
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="resume-head") as pool:
        results = pool.map(lambda key: (key, head_object(s3, bucket, key)), keys)
        return {key: remote for key, remote in results if remote is not None}


def scan_for_resume(
    s3: Any,
    names: DeliveryNames,
    entries: Sequence[IndexEntry | FileFingerprint],
    *,
    local_sizes: Mapping[str, int] | None = None,
    head_workers: int = DEFAULT_HEAD_WORKERS,
) -> ResumeScan:
    """Classify every index entry for this session; NothingToDo if all are valid already.

    Sizes on disk come from `FileFingerprint` entries and from `local_sizes` (path -> bytes) for
    provider-index entries; checksums come from the entries when the index has them.
    """
    checksums = {entry.path: entry.crc32_base64 for entry in entries}
    sizes = {e.path: e.size_bytes for e in entries if isinstance(e, FileFingerprint)}
    sizes.update(local_sizes or {})
    log = read_whole(s3, names.control_bucket, names.validator_log_key)
    if log is None:  # no validator log: a fresh transfer (or an archive that lost it)
        return ResumeScan(never_validated=tuple(checksums), archive_has_record=False)
    decoder = LogStreamDecoder()
    verdicts = last_verdicts([*decoder.feed(log), *decoder.finish()])
    if not any(path in verdicts for path in checksums):
        return ResumeScan(never_validated=tuple(checksums))
    keys = list_keys(s3, names.transfer_bucket)
    to_head = needs_head(checksums, verdicts, keys)
    remote = _heads(s3, names.transfer_bucket, to_head, head_workers)
    scan = plan_resume(checksums, verdicts, keys, remote, sizes)
    if scan.nothing_to_do:
        raise NothingToDo(scan)
    return scan
