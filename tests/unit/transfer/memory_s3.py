"""An in-memory S3 for the transfer engine's unit tests: only the calls `uploader_gui.transfer`
makes to send local files (not the S3 → S3 copies of `s3_copy`, which
`tests/integration/test_transfer_copy.py` covers), with the rules of S3 the engine relies on,
and faults a test injects.

It keeps bytes, part ETags and CRC32s as S3 does; refuses a body whose `x-amz-checksum-crc32`
does not match it (`BadDigest`), and a multipart upload whose FULL_OBJECT CRC32, part list or
part sizes are wrong; answers unknown uploads with `NoSuchUpload`, unknown buckets with
`NoSuchBucket` and unknown objects with a 404, each as the `ClientError` botocore would raise, so
the engine's own error translation runs. Request bodies are read block by block, as botocore
reads them, so pacing, progress counting and cutting a body short all happen.

Faults (`fail`, `before`) and the log of requests (`requests`, `sent`) come from `memory_s3_faults`.

The same calls against this fake and the local archive over HTTP give the same results:
`tests/integration/test_memory_s3_contract.py`.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import zlib
from dataclasses import dataclass, field
from typing import Any

from tests.unit.transfer.memory_s3_faults import FaultPlan, s3_error

MIN_PART_BYTES = 5 * 1024 * 1024
READ_BLOCK_BYTES = 64 * 1024
FULL_OBJECT = "FULL_OBJECT"
_NO_SUCH_UPLOAD = (
    "The specified upload does not exist. The upload ID may be invalid, or the upload may have "
    "been aborted or completed."
)
_INVALID_PART = (
    "One or more of the specified parts could not be found. The part may not have been "
    "uploaded, or the specified entity tag may not have matched the part's entity tag."
)


def crc32_b64(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode("ascii")


@dataclass(frozen=True)
class StoredObject:
    data: bytes
    etag: str
    crc32: str | None
    checksum_type: str | None


@dataclass(frozen=True)
class StoredPart:
    data: bytes
    etag: str
    crc32: str | None


@dataclass
class OpenUpload:
    bucket: str
    key: str
    algorithm: str | None
    checksum_type: str | None
    parts: dict[int, StoredPart] = field(default_factory=dict)


def _md5(data: bytes) -> bytes:
    return hashlib.md5(data).digest()  # noqa: S324 - S3's ETag, not security


def _etag(data: bytes) -> str:
    return f'"{_md5(data).hex()}"'


def _multipart_etag(upload: OpenUpload, listed: list[dict[str, Any]]) -> str:
    """S3's ETag of a completed upload: the MD5 of its parts' MD5s, then the part count."""
    digests = b"".join(_md5(upload.parts[int(entry["PartNumber"])].data) for entry in listed)
    return f'"{_md5(digests).hex()}-{len(listed)}"'


def _read_body(body: Any) -> bytes:
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    chunks = []
    while block := body.read(READ_BLOCK_BYTES):
        chunks.append(bytes(block))
    return b"".join(chunks)


class MemoryS3(FaultPlan):
    """The archive's buckets in memory; thread-safe. `client` is a transfer client factory."""

    def __init__(self, *buckets: str, min_part_bytes: int = MIN_PART_BYTES) -> None:
        super().__init__()
        self._lock = threading.RLock()
        self._min_part_bytes = min_part_bytes
        self._buckets: dict[str, dict[str, StoredObject]] = {name: {} for name in buckets}
        self._uploads: dict[str, OpenUpload] = {}
        self._upload_count = 0
        self.clients_made = 0

    # --- for tests ---------------------------------------------------------------------------

    def client(self) -> MemoryS3Client:
        with self._lock:
            self.clients_made += 1
        return MemoryS3Client(self)

    def object(self, bucket: str, key: str) -> StoredObject | None:
        with self._lock:
            return self._buckets.get(bucket, {}).get(key)

    def open_upload_ids(self, key: str) -> list[str]:
        """The multipart uploads of `key` begun and neither completed nor aborted."""
        with self._lock:
            return [upload_id for upload_id, u in self._uploads.items() if u.key == key]

    def bucket(self, name: str) -> dict[str, StoredObject]:
        bucket = self._buckets.get(name)
        if bucket is None:
            raise s3_error(404, "NoSuchBucket", "The specified bucket does not exist")
        return bucket

    def upload(self, bucket: str, key: str, upload_id: str) -> OpenUpload:
        self.bucket(bucket)
        upload = self._uploads.get(upload_id)
        if upload is None or (upload.bucket, upload.key) != (bucket, key):
            raise s3_error(404, "NoSuchUpload", _NO_SUCH_UPLOAD)
        return upload

    def new_upload_id(self) -> str:
        self._upload_count += 1
        return f"memory-upload-{self._upload_count}"

    def remove_upload(self, upload_id: str) -> None:
        self._uploads.pop(upload_id, None)

    def add_upload(self, upload_id: str, upload: OpenUpload) -> None:
        self._uploads[upload_id] = upload

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    @property
    def min_part_bytes(self) -> int:
        return self._min_part_bytes


def _check_claim(data: bytes, claim: str | None) -> None:
    if claim is not None and claim != crc32_b64(data):
        raise s3_error(
            400, "BadDigest", "The CRC32 you specified did not match the calculated checksum."
        )


class MemoryS3Client:
    """One worker's client: the boto3 S3 calls the transfer engine makes, by their names."""

    def __init__(self, s3: MemoryS3) -> None:
        self._s3 = s3

    def put_object(
        self, *, Bucket: str, Key: str, Body: Any, ChecksumCRC32: str | None = None, **_: Any
    ) -> dict[str, Any]:
        s3 = self._s3
        with s3.serving("PutObject", Key):
            data = _read_body(Body)
            _check_claim(data, ChecksumCRC32)
            stored = StoredObject(
                data, _etag(data), ChecksumCRC32, FULL_OBJECT if ChecksumCRC32 else None
            )
            with s3.lock:
                s3.bucket(Bucket)[Key] = stored
        return {"ETag": stored.etag}

    def create_multipart_upload(
        self,
        *,
        Bucket: str,
        Key: str,
        ChecksumAlgorithm: str | None = None,
        ChecksumType: str | None = None,
    ) -> dict[str, Any]:
        s3 = self._s3
        with s3.serving("CreateMultipartUpload", Key), s3.lock:
            s3.bucket(Bucket)
            upload_id = s3.new_upload_id()
            s3.add_upload(upload_id, OpenUpload(Bucket, Key, ChecksumAlgorithm, ChecksumType))
        return {"Bucket": Bucket, "Key": Key, "UploadId": upload_id}

    def upload_part(
        self,
        *,
        Bucket: str,
        Key: str,
        UploadId: str,
        PartNumber: int,
        Body: Any,
        ChecksumCRC32: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        s3 = self._s3
        with s3.serving("UploadPart", Key, PartNumber):
            data = _read_body(Body)
            with s3.lock:
                upload = s3.upload(Bucket, Key, UploadId)
            _check_claim(data, ChecksumCRC32)
            part = StoredPart(data, _etag(data), ChecksumCRC32)
            with s3.lock:
                upload.parts[PartNumber] = part
        answer = {"ETag": part.etag}
        if ChecksumCRC32 is not None:
            answer["ChecksumCRC32"] = ChecksumCRC32
        return answer

    def list_parts(
        self,
        *,
        Bucket: str,
        Key: str,
        UploadId: str,
        MaxParts: int = 1000,
        PartNumberMarker: int = 0,
    ) -> dict[str, Any]:
        s3 = self._s3
        with s3.serving("ListParts", Key), s3.lock:
            upload = s3.upload(Bucket, Key, UploadId)
            numbers = sorted(n for n in upload.parts if n > PartNumberMarker)
            page = numbers[:MaxParts]
            parts = []
            for number in page:
                part = upload.parts[number]
                item: dict[str, Any] = {
                    "PartNumber": number,
                    "ETag": part.etag,
                    "Size": len(part.data),
                }
                if part.crc32 is not None:
                    item["ChecksumCRC32"] = part.crc32
                parts.append(item)
        is_truncated = len(numbers) > len(page)
        answer: dict[str, Any] = {"Parts": parts, "IsTruncated": is_truncated}
        if is_truncated:
            answer["NextPartNumberMarker"] = page[-1]
        return answer

    def complete_multipart_upload(
        self,
        *,
        Bucket: str,
        Key: str,
        UploadId: str,
        MultipartUpload: dict[str, Any],
        ChecksumCRC32: str | None = None,
        ChecksumType: str | None = None,
    ) -> dict[str, Any]:
        s3 = self._s3
        with s3.serving("CompleteMultipartUpload", Key), s3.lock:
            upload = s3.upload(Bucket, Key, UploadId)
            data = self._joined(upload, MultipartUpload["Parts"])
            crc = None
            if upload.algorithm == "CRC32":
                _check_claim(data, ChecksumCRC32)
                crc = ChecksumCRC32 or crc32_b64(data)
            etag = _multipart_etag(upload, MultipartUpload["Parts"])
            s3.bucket(Bucket)[Key] = StoredObject(
                data, etag, crc, upload.checksum_type if crc else None
            )
            s3.remove_upload(UploadId)
        answer: dict[str, Any] = {"Bucket": Bucket, "Key": Key, "ETag": etag}
        if crc is not None:
            answer.update(ChecksumCRC32=crc, ChecksumType=upload.checksum_type)
        return answer

    def _joined(self, upload: OpenUpload, listed: list[dict[str, Any]]) -> bytes:
        numbers = [int(entry["PartNumber"]) for entry in listed]
        if not numbers or numbers != sorted(set(numbers)):
            raise s3_error(400, "InvalidPartOrder", "The list of parts was not in ascending order.")
        for entry in listed:
            part = upload.parts.get(int(entry["PartNumber"]))
            claim = entry.get("ChecksumCRC32")
            if part is None or part.etag != entry["ETag"] or (claim and claim != part.crc32):
                raise s3_error(400, "InvalidPart", _INVALID_PART)
        parts = [upload.parts[number] for number in numbers]
        if any(len(part.data) < self._s3.min_part_bytes for part in parts[:-1]):
            raise s3_error(
                400,
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed object size.",
            )
        return b"".join(part.data for part in parts)

    def abort_multipart_upload(self, *, Bucket: str, Key: str, UploadId: str) -> dict[str, Any]:
        s3 = self._s3
        with s3.serving("AbortMultipartUpload", Key), s3.lock:
            s3.upload(Bucket, Key, UploadId)
            s3.remove_upload(UploadId)
        return {}

    def head_object(
        self, *, Bucket: str, Key: str, ChecksumMode: str | None = None
    ) -> dict[str, Any]:
        s3 = self._s3
        with s3.serving("HeadObject", Key), s3.lock:
            stored = s3.bucket(Bucket).get(Key)
            if stored is None:
                raise s3_error(404, "404", "Not Found")
        answer: dict[str, Any] = {"ContentLength": len(stored.data), "ETag": stored.etag}
        if ChecksumMode == "ENABLED" and stored.crc32 is not None:
            answer.update(ChecksumCRC32=stored.crc32, ChecksumType=stored.checksum_type)
        return answer
