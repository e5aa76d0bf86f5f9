"""The S3 requests of a multipart upload with a FULL_OBJECT CRC32 (PROTOCOL.md §6.1).

CreateMultipartUpload asks for `ChecksumAlgorithm=CRC32, ChecksumType=FULL_OBJECT`; every part
carries its own CRC32 (S3 rejects a part whose bytes do not match); CompleteMultipartUpload
carries every part's CRC32 and the whole object's CRC32, which S3 checks against the data. The
object's HEAD then shows exactly that CRC32, the one the validator compares with the index (a
COMPOSITE `xxx-N` checksum would fail validation).

Each function is one request (with the worker's client) and raises core errors only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from uploader_gui.aws.errors import UploadGoneError, is_not_found
from uploader_gui.core.checksums.crc32 import crc32_from_base64, crc32_to_base64
from uploader_gui.core.errors import PermanentError
from uploader_gui.transfer.s3_requests import call, send
from uploader_gui.transfer.source_reading import RequestBody

CRC32 = "CRC32"
FULL_OBJECT = "FULL_OBJECT"
LIST_PARTS_PAGE = 1000


@dataclass(frozen=True, slots=True)
class UploadedPart:
    """A part the archive holds: number, ETag, size and CRC32 (None if the server gave none)."""

    number: int
    etag: str
    size_bytes: int
    crc32: int | None


def checksum_crc32(text: object) -> int | None:
    """A `ChecksumCRC32` value from a response as an int; None when absent or malformed."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return crc32_from_base64(text)
    except ValueError:
        return None


def create_upload(client: Any, bucket: str, key: str) -> str:
    """Begin a multipart upload of `key` with a full-object CRC32; return its upload id."""
    response = call(
        f"starting the multipart upload of {key}",
        client.create_multipart_upload,
        Bucket=bucket,
        Key=key,
        ChecksumAlgorithm=CRC32,
        ChecksumType=FULL_OBJECT,
    )
    return str(response["UploadId"])


def upload_part(
    client: Any, bucket: str, key: str, upload_id: str, number: int, body: RequestBody, crc32: int
) -> str:
    """Send part `number` with its CRC32; return its ETag."""
    response = send(
        f"uploading part {number} of {key}",
        body,
        client.upload_part,
        Bucket=bucket,
        Key=key,
        UploadId=upload_id,
        PartNumber=number,
        ContentLength=len(body),
        ChecksumCRC32=crc32_to_base64(crc32),
    )
    return str(response["ETag"])


def complete_upload(
    client: Any,
    bucket: str,
    key: str,
    upload_id: str,
    parts: Iterable[UploadedPart],
    object_crc32: int | None,
) -> None:
    """Join the parts; with `object_crc32`, S3 checks the whole object against it."""
    listed = []
    for part in parts:
        entry: dict[str, Any] = {"PartNumber": part.number, "ETag": part.etag}
        if part.crc32 is not None:
            entry["ChecksumCRC32"] = crc32_to_base64(part.crc32)
        listed.append(entry)
    checksum: dict[str, str] = {}
    if object_crc32 is not None:
        checksum = {"ChecksumCRC32": crc32_to_base64(object_crc32), "ChecksumType": FULL_OBJECT}
    call(
        f"completing the multipart upload of {key}",
        client.complete_multipart_upload,
        Bucket=bucket,
        Key=key,
        UploadId=upload_id,
        MultipartUpload={"Parts": listed},
        **checksum,
    )


def abort_upload(client: Any, bucket: str, key: str, upload_id: str) -> None:
    """Discard the upload and its parts; an upload already gone is fine."""
    try:
        call(
            f"discarding the multipart upload of {key}",
            client.abort_multipart_upload,
            Bucket=bucket,
            Key=key,
            UploadId=upload_id,
        )
    except UploadGoneError:
        return


def list_parts(client: Any, bucket: str, key: str, upload_id: str) -> dict[int, UploadedPart]:
    """Every part the archive holds for the upload; `UploadGoneError` if it no longer exists."""
    parts: dict[int, UploadedPart] = {}
    marker = 0
    while True:
        response = call(
            f"listing the uploaded parts of {key}",
            client.list_parts,
            Bucket=bucket,
            Key=key,
            UploadId=upload_id,
            MaxParts=LIST_PARTS_PAGE,
            PartNumberMarker=marker,
        )
        for item in response.get("Parts", []):
            number = int(item["PartNumber"])
            parts[number] = UploadedPart(
                number,
                str(item["ETag"]),
                int(item["Size"]),
                checksum_crc32(item.get("ChecksumCRC32")),
            )
        if not response.get("IsTruncated"):
            return parts
        next_marker = int(response.get("NextPartNumberMarker") or 0)
        if next_marker <= marker:
            raise PermanentError(
                f"listing the parts of {key}: the archive's listing did not advance"
            )
        marker = next_marker


def object_checksum(client: Any, bucket: str, key: str) -> tuple[int, int | None] | None:
    """(size, CRC32 or None) of the object at `key`, or None if there is none."""
    try:
        response = call(
            f"checking {key} on the archive",
            client.head_object,
            Bucket=bucket,
            Key=key,
            ChecksumMode="ENABLED",
        )
    except PermanentError as exc:
        if is_not_found(exc.__cause__ or exc):
            return None
        raise
    return int(response.get("ContentLength", 0)), checksum_crc32(response.get("ChecksumCRC32"))
