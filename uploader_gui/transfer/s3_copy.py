"""S3 → S3 managed copy (PROTOCOL.md §6.2): CopyObject below the multipart threshold, and
UploadPartCopy parts of a multipart upload above it — with the same states, retries, resume and
progress as uploads from a folder. Nothing passes through this computer.

Upstream ignores the index's CRC32 for copies, although the validator still compares it with
the copy's. Here a copy asks S3 for a CRC32 of the new object: a single CopyObject's result is
compared with the index at once, and a multipart copy sends the index value (or the parts'
CRC32s combined) with `CompleteMultipartUpload`, so S3 checks it. A copy that cannot match the
index fails now with the reason, instead of after the validator looked at it.
"""

from __future__ import annotations

from typing import Any

from uploader_gui.core.checksums.crc32 import ReadStopped, crc32_to_base64
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.errors import PermanentError
from uploader_gui.core.upload.part_plan import PartRange
from uploader_gui.transfer.multipart_upload import CRC32, UploadedPart, checksum_crc32
from uploader_gui.transfer.s3_requests import call, with_fresh_credentials
from uploader_gui.transfer.transfer_context import S3Source, TransferServices, Worker


def copy_object(client: Any, bucket: str, key: str, source: S3Source) -> int | None:
    """Copy `source.bucket/key` to `bucket/key`; the new object's CRC32 if S3 gave one."""
    response = call(
        f"copying {key} from s3://{source.bucket}",
        client.copy_object,
        Bucket=bucket,
        Key=key,
        CopySource={"Bucket": source.bucket, "Key": key},
        ChecksumAlgorithm=CRC32,
    )
    return checksum_crc32(response.get("CopyObjectResult", {}).get("ChecksumCRC32"))


def upload_part_copy(
    client: Any, bucket: str, key: str, upload_id: str, source: S3Source, part: PartRange
) -> UploadedPart:
    """Copy one byte range of the source object as part `part.number`."""
    last_byte = part.offset_bytes + part.size_bytes - 1
    response = call(
        f"copying part {part.number} of {key} from s3://{source.bucket}",
        client.upload_part_copy,
        Bucket=bucket,
        Key=key,
        UploadId=upload_id,
        PartNumber=part.number,
        CopySource={"Bucket": source.bucket, "Key": key},
        CopySourceRange=f"bytes={part.offset_bytes}-{last_byte}",
    )
    result = response.get("CopyPartResult", {})
    return UploadedPart(
        part.number,
        str(result["ETag"]),
        part.size_bytes,
        checksum_crc32(result.get("ChecksumCRC32")),
    )


def copy_whole_object(
    services: TransferServices, worker: Worker, source: S3Source, file: FileFingerprint
) -> None:
    """CopyObject of `file`, checked against the index's CRC32 when both are known."""
    crc = with_fresh_credentials(
        services.refresher,
        lambda: copy_object(worker.client, services.bucket, file.path, source),
    )
    services.progress.add_sent(file.path, file.size_bytes)
    if file.crc32 is not None and crc is not None and crc != file.crc32:
        raise PermanentError(
            f"the copy of {file.path} has CRC32 {crc32_to_base64(crc)}, but the index says "
            f"{crc32_to_base64(file.crc32)}: the source object is not the one indexed. Re-index "
            "the source bucket and deliver it again."
        )


def copy_part(
    services: TransferServices,
    worker: Worker,
    source: S3Source,
    file: FileFingerprint,
    upload_id: str,
    part: PartRange,
) -> UploadedPart:
    """UploadPartCopy of one part, counted as progress once S3 has it."""
    if services.gate.should_stop():
        raise ReadStopped
    copied = with_fresh_credentials(
        services.refresher,
        lambda: upload_part_copy(
            worker.client, services.bucket, file.path, upload_id, source, part
        ),
    )
    services.progress.add_sent(file.path, part.size_bytes)
    return copied
