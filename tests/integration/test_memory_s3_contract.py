"""The unit tests' in-memory S3 (`tests/unit/transfer/memory_s3.py`) answers as the local archive
does: each test runs the same calls, through the transfer engine's own request functions and a
transfer client, against both, and asserts the same results — the bytes stored, the CRC32 kept
and shown by HEAD, `BadDigest` for a body that does not match its CRC32, a multipart upload
completed with a FULL_OBJECT CRC32, and the errors of uploads that are gone or malformed."""

from __future__ import annotations

import secrets
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.unit.transfer.memory_s3 import MemoryS3
from uploader_gui.aws.clients import make_session
from uploader_gui.aws.errors import ChecksumMismatchError, UploadGoneError
from uploader_gui.core.errors import FatalError, PermanentError
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.transfer.multipart_upload import (
    UploadedPart,
    abort_upload,
    complete_upload,
    create_upload,
    list_parts,
    object_checksum,
    upload_part,
)
from uploader_gui.transfer.single_put import put_bytes, put_object
from uploader_gui.transfer.source_reading import BodyHooks, MemoryBody
from uploader_gui.transfer.transfer_clients import TransferClientFactory

PART_BYTES = 5 * 1024 * 1024


@dataclass
class Side:
    """One S3 to run the calls against: a transfer client, a bucket, and a way to look."""

    name: str
    client: Any
    bucket: str
    look: Any  # a plain client for GetObject / ListMultipartUploads, or the MemoryS3

    def stored(self, key: str) -> bytes | None:
        if isinstance(self.look, MemoryS3):
            stored = self.look.object(self.bucket, key)
            return None if stored is None else stored.data
        try:
            return bytes(self.look.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        except ClientError:
            return None

    def open_upload_ids(self, key: str) -> list[str]:
        if isinstance(self.look, MemoryS3):
            return self.look.open_upload_ids(key)
        listed = self.look.list_multipart_uploads(Bucket=self.bucket, Prefix=key)
        return [u["UploadId"] for u in listed.get("Uploads", []) if u["Key"] == key]


@pytest.fixture(params=["memory", "archive"])
def side(request: pytest.FixtureRequest, local_archive: LocalArchive) -> Iterator[Side]:
    bucket = local_archive.network_config.names_for(
        "contract", secrets.token_hex(4), "staging"
    ).transfer_bucket
    if request.param == "memory":
        memory = MemoryS3(bucket)
        yield Side("memory", memory.client(), bucket, memory)
        return
    profile = local_archive.profile()
    factory = TransferClientFactory(make_session(profile), profile)
    yield Side("archive", factory(), bucket, local_archive.boto3_client("s3"))


def data_of(size_bytes: int, seed: int) -> bytes:
    return bytes((i * 7 + seed) % 251 for i in range(size_bytes))


def hooks() -> tuple[BodyHooks, list[int]]:
    counted: list[int] = []
    return BodyHooks(pace=lambda n: None, count=counted.append, should_abort=lambda: False), counted


def head(side: Side, key: str) -> dict[str, Any]:
    return dict(side.client.head_object(Bucket=side.bucket, Key=key, ChecksumMode="ENABLED"))


def test_a_put_with_its_crc32_stores_the_bytes_and_the_checksum(side: Side) -> None:
    small, streamed = data_of(3000, 1), data_of(300_000, 2)
    body_hooks, counted = hooks()

    put_bytes(side.client, side.bucket, "a.fits", small, zlib.crc32(small))
    put_object(
        side.client, side.bucket, "b.fits", MemoryBody(memoryview(streamed), body_hooks),
        zlib.crc32(streamed),
    )  # fmt: skip

    assert side.stored("a.fits") == small
    assert side.stored("b.fits") == streamed
    assert sum(counted) == len(streamed)
    assert object_checksum(side.client, side.bucket, "a.fits") == (len(small), zlib.crc32(small))
    assert head(side, "b.fits")["ChecksumType"] == "FULL_OBJECT"


def test_a_body_that_does_not_match_its_crc32_is_refused_and_not_stored(side: Side) -> None:
    data = data_of(4096, 3)

    with pytest.raises(ChecksumMismatchError) as refused:
        put_bytes(side.client, side.bucket, "bad.fits", data, zlib.crc32(data) ^ 1)

    cause = refused.value.__cause__
    assert isinstance(cause, ClientError)
    assert cause.response["Error"]["Code"] == "BadDigest"
    assert side.stored("bad.fits") is None
    assert object_checksum(side.client, side.bucket, "bad.fits") is None


def send_part(side: Side, key: str, upload_id: str, number: int, data: bytes) -> UploadedPart:
    body_hooks, _ = hooks()
    body = MemoryBody(memoryview(data), body_hooks)
    etag = upload_part(side.client, side.bucket, key, upload_id, number, body, zlib.crc32(data))
    return UploadedPart(number, etag, len(data), zlib.crc32(data))


def test_a_multipart_upload_completes_with_a_full_object_crc32(side: Side) -> None:
    first, last = data_of(PART_BYTES, 4), data_of(1234, 5)
    whole = first + last
    upload_id = create_upload(side.client, side.bucket, "big.fits")
    parts = [send_part(side, "big.fits", upload_id, 1, first)]
    parts.append(send_part(side, "big.fits", upload_id, 2, last))

    assert list_parts(side.client, side.bucket, "big.fits", upload_id) == {
        p.number: p for p in parts
    }
    page = side.client.list_parts(
        Bucket=side.bucket, Key="big.fits", UploadId=upload_id, MaxParts=1
    )
    assert (page["IsTruncated"], int(page["NextPartNumberMarker"])) == (True, 1)
    assert upload_id in side.open_upload_ids("big.fits")

    complete_upload(side.client, side.bucket, "big.fits", upload_id, parts, zlib.crc32(whole))

    assert side.stored("big.fits") == whole
    assert object_checksum(side.client, side.bucket, "big.fits") == (len(whole), zlib.crc32(whole))
    assert head(side, "big.fits")["ChecksumType"] == "FULL_OBJECT"
    assert side.open_upload_ids("big.fits") == []
    with pytest.raises(UploadGoneError):
        list_parts(side.client, side.bucket, "big.fits", upload_id)


def test_a_wrong_part_or_object_crc32_is_refused_and_the_upload_stays_open(side: Side) -> None:
    first, last = data_of(PART_BYTES, 6), data_of(99, 7)
    upload_id = create_upload(side.client, side.bucket, "c.fits")
    body_hooks, _ = hooks()
    body = MemoryBody(memoryview(last), body_hooks)

    with pytest.raises(ChecksumMismatchError):
        upload_part(side.client, side.bucket, "c.fits", upload_id, 2, body, zlib.crc32(last) ^ 1)
    assert list_parts(side.client, side.bucket, "c.fits", upload_id) == {}

    parts = [
        send_part(side, "c.fits", upload_id, 1, first),
        send_part(side, "c.fits", upload_id, 2, last),
    ]
    with pytest.raises(ChecksumMismatchError):
        complete_upload(side.client, side.bucket, "c.fits", upload_id, parts, zlib.crc32(last))
    assert side.stored("c.fits") is None
    assert upload_id in side.open_upload_ids("c.fits")

    complete_upload(side.client, side.bucket, "c.fits", upload_id, parts, zlib.crc32(first + last))
    assert side.stored("c.fits") == first + last


def test_parts_that_do_not_fit_are_refused(side: Side) -> None:
    small, last = data_of(1000, 8), data_of(1000, 9)
    upload_id = create_upload(side.client, side.bucket, "d.fits")
    parts = [
        send_part(side, "d.fits", upload_id, 1, small),
        send_part(side, "d.fits", upload_id, 2, last),
    ]

    with pytest.raises(PermanentError, match="EntityTooSmall"):
        complete_upload(side.client, side.bucket, "d.fits", upload_id, parts, None)
    wrong_etag = [UploadedPart(1, '"0123"', 1000, None), parts[1]]
    with pytest.raises(PermanentError, match="InvalidPart"):
        complete_upload(side.client, side.bucket, "d.fits", upload_id, wrong_etag, None)
    assert side.stored("d.fits") is None


def test_an_aborted_upload_is_gone_and_aborting_again_is_fine(side: Side) -> None:
    upload_id = create_upload(side.client, side.bucket, "e.fits")
    send_part(side, "e.fits", upload_id, 1, data_of(500, 10))

    abort_upload(side.client, side.bucket, "e.fits", upload_id)
    abort_upload(side.client, side.bucket, "e.fits", upload_id)

    assert side.open_upload_ids("e.fits") == []
    with pytest.raises(UploadGoneError):
        list_parts(side.client, side.bucket, "e.fits", upload_id)
    # Not compared: UploadPart and CompleteMultipartUpload of a gone upload. S3 (and the fake)
    # answer NoSuchUpload; the local archive (moto 5.2.5) fails with a 500 InternalError.


def test_a_bucket_that_does_not_exist_stops_the_run(side: Side) -> None:
    with pytest.raises(FatalError, match="NoSuchBucket"):
        put_bytes(side.client, f"gone-{secrets.token_hex(4)}", "a.fits", b"x", zlib.crc32(b"x"))
