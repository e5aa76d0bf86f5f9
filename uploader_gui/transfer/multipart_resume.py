"""Where a file's multipart upload stands when an attempt begins (DESIGN.md §3).

An upload begun earlier — by this process before a pause or a retry, or by one that was killed —
is continued from its first missing part, after checking what the archive really holds
(`ListParts`): a part counts as done only if the archive has it with the ETag the store saved.
A part the archive holds but the store never saved (the process died between the two) is
adopted if its CRC32 matches the file's bytes there, re-read locally; otherwise it is sent again.
For an S3 → S3 copy the archive made each part from the source itself, so a listed part of the
right size is adopted.
When the file's modification times are coarse (whole seconds, as on FAT or some network shares),
size and mtime prove little, so the kept parts are re-hashed too, and any mismatch discards the
upload. The caller has already checked that the file's size and mtime are as indexed; the upload's
saved size and mtime (from when it began) must match them too, or the upload is discarded.

An upload the archive no longer knows is either complete (an earlier `Complete` whose answer was
lost: the object is there with the expected size and CRC32) or gone; a gone upload, or one whose
part size no longer fits the file, is discarded and the file starts again — and the file's
timeline and the screen say why.
"""

from __future__ import annotations

from enum import Enum

from uploader_gui.aws.errors import UploadGoneError
from uploader_gui.core.checksums.crc32_combine import crc32_of_pieces
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.upload.part_plan import PartPlan, PartPlanner, PartRange
from uploader_gui.store.records import MultipartRecord
from uploader_gui.transfer.multipart_run import MultipartRun
from uploader_gui.transfer.multipart_upload import (
    UploadedPart,
    abort_upload,
    create_upload,
    list_parts,
    object_checksum,
)
from uploader_gui.transfer.s3_requests import with_fresh_credentials
from uploader_gui.transfer.source_reading import SourceFile
from uploader_gui.transfer.transfer_context import LocalSource, TransferServices, Worker

_NS_PER_S = 1_000_000_000


class _Verdict(Enum):
    START_AGAIN = "start again"
    ALREADY_COMPLETE = "already complete"


def open_run(
    services: TransferServices,
    worker: Worker,
    file: FileFingerprint,
    plan: PartPlan,
    *,
    may_resume: bool = True,
) -> MultipartRun | None:
    """The run for this attempt, or None when the object is already complete on the archive.

    With `may_resume` False (the upload begun earlier was discarded) a new upload is begun.
    """
    record = services.records.multipart(file.path) if may_resume else None
    if record is not None:
        resumed = _resume(services, worker, file, record)
        if isinstance(resumed, MultipartRun):
            return resumed
        if resumed is _Verdict.ALREADY_COMPLETE:
            return None
    upload_id = with_fresh_credentials(
        services.refresher, lambda: create_upload(worker.client, services.bucket, file.path)
    )
    services.records.begin_multipart(
        file.path,
        upload_id=upload_id,
        part_size_bytes=plan.part_size_bytes,
        size_bytes=file.size_bytes,
        mtime_ns=file.mtime_ns,
    )
    return MultipartRun(file, plan, upload_id, {})


def discard_upload(
    services: TransferServices, worker: Worker, path: str, upload_id: str, reason: str = ""
) -> None:
    """Abort an upload on the archive; with a `reason`, tell the person why."""
    with_fresh_credentials(
        services.refresher,
        lambda: abort_upload(worker.client, services.bucket, path, upload_id),
    )
    if reason:
        services.tell(path, f"the upload begun earlier was discarded: {reason}")


def _resume(
    services: TransferServices, worker: Worker, file: FileFingerprint, record: MultipartRecord
) -> MultipartRun | _Verdict:
    """The resumed run, or why there is none."""
    changed = _fingerprint_change(record, file)
    if changed:
        discard_upload(services, worker, file.path, record.upload_id, changed)
        return _Verdict.START_AGAIN
    try:
        plan = PartPlanner.plan_with_part_size(file.size_bytes, record.part_size_bytes)
    except ValueError as exc:
        discard_upload(services, worker, file.path, record.upload_id, f"its parts {exc}")
        return _Verdict.START_AGAIN
    try:
        listed = with_fresh_credentials(
            services.refresher,
            lambda: list_parts(worker.client, services.bucket, file.path, record.upload_id),
        )
    except UploadGoneError:
        if _is_already_complete(services, worker, file, record):
            return _Verdict.ALREADY_COMPLETE
        services.tell(
            file.path,
            "the upload begun earlier is no longer on the archive (discarded or expired); "
            "the file is sent again from the start",
        )
        return _Verdict.START_AGAIN
    done = _confirmed_parts(record, listed)
    if isinstance(services.source, LocalSource):
        mismatch = _verify_locally(services, worker, services.source, file, plan, done, listed)
        if mismatch:
            discard_upload(services, worker, file.path, record.upload_id, mismatch)
            return _Verdict.START_AGAIN
    else:
        _adopt_copied_parts(plan, done, listed)
    return MultipartRun(file, plan, record.upload_id, done)


def _fingerprint_change(record: MultipartRecord, file: FileFingerprint) -> str:
    """How the file differs from the one the upload began with ("" if it does not, or if the
    upload was saved without a fingerprint)."""
    if record.size_bytes is not None and record.size_bytes != file.size_bytes:
        return (
            f"the file changed since the upload began (size {record.size_bytes} bytes, "
            f"now {file.size_bytes} bytes)"
        )
    if record.mtime_ns is not None and record.mtime_ns != file.mtime_ns:
        return "the file changed since the upload began (its modification time changed)"
    return ""


def _adopt_copied_parts(
    plan: PartPlan, done: dict[int, UploadedPart], listed: dict[int, UploadedPart]
) -> None:
    """Copied parts S3 made from the source itself; parts copied without a CRC32 could not be
    saved. A source changed since is caught when the upload completes: S3 checks the object's
    CRC32 then."""
    for number, part in listed.items():
        is_new = number not in done and number <= plan.part_count
        if is_new and plan.part(number).size_bytes == part.size_bytes:
            done[number] = part


def _confirmed_parts(
    record: MultipartRecord, listed: dict[int, UploadedPart]
) -> dict[int, UploadedPart]:
    done: dict[int, UploadedPart] = {}
    for saved in record.parts:
        held = listed.get(saved.part_number)
        if held is not None and held.etag == saved.etag and held.size_bytes == saved.size_bytes:
            done[saved.part_number] = UploadedPart(
                saved.part_number, saved.etag, saved.size_bytes, saved.crc32
            )
    return done


def _verify_locally(
    services: TransferServices,
    worker: Worker,
    source: LocalSource,
    file: FileFingerprint,
    plan: PartPlan,
    done: dict[int, UploadedPart],
    listed: dict[int, UploadedPart],
) -> str:
    """Adopt unsaved parts whose bytes match; re-hash kept parts when in doubt. Returns why the
    upload must be discarded, or ""."""
    unsaved = [part for number, part in listed.items() if number not in done]
    suspects = list(done.values()) if file.mtime_ns % _NS_PER_S == 0 else []
    suspect_numbers = {part.number for part in suspects}
    for part in unsaved + suspects:
        if part.number > plan.part_count or part.crc32 is None:
            continue
        expected = plan.part(part.number)
        matches = expected.size_bytes == part.size_bytes and part.crc32 == _local_crc32(
            services, worker, source, file, expected
        )
        if part.number in suspect_numbers and not matches:
            return f"part {part.number} on the archive differs from the file as it is now"
        if matches and part.number not in done:
            services.records.record_part(
                file.path,
                part_number=part.number,
                etag=part.etag,
                crc32=part.crc32,
                size_bytes=part.size_bytes,
            )
            done[part.number] = part
    return ""


def _local_crc32(
    services: TransferServices,
    worker: Worker,
    source: LocalSource,
    file: FileFingerprint,
    part: PartRange,
) -> int | None:
    with SourceFile.open(
        source.os_path(file.path), file.path, size_bytes=file.size_bytes, mtime_ns=file.mtime_ns
    ) as opened:
        loaded = worker.reader.load(
            opened, part.offset_bytes, part.size_bytes, should_stop=services.gate.should_stop
        )
    return loaded.crc32


def _is_already_complete(
    services: TransferServices, worker: Worker, file: FileFingerprint, record: MultipartRecord
) -> bool:
    expected = file.crc32
    if expected is None and record.bytes_done == file.size_bytes and record.parts:
        expected = crc32_of_pieces((p.crc32, p.size_bytes) for p in record.parts)
    if expected is None:
        return False
    found = with_fresh_credentials(
        services.refresher,
        lambda: object_checksum(worker.client, services.bucket, file.path),
    )
    return found == (file.size_bytes, expected)
