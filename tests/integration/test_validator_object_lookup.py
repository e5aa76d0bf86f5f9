"""The validator's lookup of stored objects says exactly what `HeadObject(ChecksumMode=ENABLED)`
says over HTTP (PROTOCOL.md §8.2), for every kind of object a client can leave in the bucket.

The reference validator reads the archive's store directly to give ~1,000 verdicts/s; these
tests are what keeps that honest: same size, same stored CRC32 (or none), same "not found".
"""

from __future__ import annotations

import zlib
from base64 import b64encode
from collections.abc import Iterator
from typing import Any

import pytest

from uploader_gui.sandbox.archive import LocalArchive, SandboxOptions
from uploader_gui.sandbox.validation_files import HeadObjectLookup, StoredObject

PART_BYTES = 5 * 1024 * 1024  # moto's (and S3's) smallest part but the last


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with LocalArchive(SandboxOptions(bucket_stem="e2lookup")) as local_archive:
        yield local_archive


@pytest.fixture(scope="module")
def bucket(archive: LocalArchive) -> str:
    names = archive.network_config.names_for("lookup_set", "0001", "staging")
    archive.boto3_client("s3").create_bucket(Bucket=names.transfer_bucket)
    return names.transfer_bucket


def crc32_b64(data: bytes) -> str:
    return b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def upload_every_kind(s3: Any, plain_s3: Any, bucket: str) -> list[str]:
    """One object of each kind a client can store; returns their keys."""
    s3.put_object(Bucket=bucket, Key="crc32.fits", Body=b"crc32", ChecksumAlgorithm="CRC32")
    plain_s3.put_object(Bucket=bucket, Key="no-checksum.fits", Body=b"plain")
    s3.put_object(Bucket=bucket, Key="sha256.fits", Body=b"sha", ChecksumAlgorithm="SHA256")
    s3.put_object(Bucket=bucket, Key="dir with space/ü+plus.fits", Body=b"odd name")
    s3.put_object(Bucket=bucket, Key="overwritten.fits", Body=b"first", ChecksumAlgorithm="CRC32")
    s3.put_object(Bucket=bucket, Key="overwritten.fits", Body=b"second", ChecksumAlgorithm="CRC32")
    s3.copy_object(
        Bucket=bucket, Key="copied.fits", CopySource={"Bucket": bucket, "Key": "crc32.fits"}
    )
    s3.put_object(Bucket=bucket, Key="empty.fits", Body=b"", ChecksumAlgorithm="CRC32")
    parts = [b"a" * PART_BYTES, b"b" * 1000]
    upload_multipart(s3, bucket, "composite.fits", parts, checksum_type="COMPOSITE")
    upload_multipart(s3, bucket, "full-object.fits", parts, checksum_type="FULL_OBJECT")
    return [
        "crc32.fits",
        "no-checksum.fits",
        "sha256.fits",
        "dir with space/ü+plus.fits",
        "overwritten.fits",
        "copied.fits",
        "empty.fits",
        "composite.fits",
        "full-object.fits",
    ]


def upload_multipart(
    s3: Any, bucket: str, key: str, parts: list[bytes], *, checksum_type: str
) -> None:
    upload_id = s3.create_multipart_upload(
        Bucket=bucket, Key=key, ChecksumAlgorithm="CRC32", ChecksumType=checksum_type
    )["UploadId"]
    completed = []
    for number, body in enumerate(parts, 1):
        answer = s3.upload_part(
            Bucket=bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=body,
            ChecksumAlgorithm="CRC32",
        )
        completed.append(
            {"PartNumber": number, "ETag": answer["ETag"], "ChecksumCRC32": answer["ChecksumCRC32"]}
        )
    extra = {"ChecksumCRC32": crc32_b64(b"".join(parts))} if checksum_type == "FULL_OBJECT" else {}
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key=key,
        UploadId=upload_id,
        MultipartUpload={"Parts": completed},
        ChecksumType=checksum_type,
        **extra,
    )


def test_the_store_lookup_agrees_with_head_for_every_kind_of_object(
    archive: LocalArchive, bucket: str
) -> None:
    s3 = archive.boto3_client("s3")
    plain_s3 = archive.boto3_client("s3", request_checksum_calculation="when_required")
    keys = upload_every_kind(s3, plain_s3, bucket)
    store, head = archive.stored_objects(), HeadObjectLookup(s3)

    direct = {key: store.stored(bucket, key) for key in keys}
    over_http = {key: head.stored(bucket, key) for key in keys}

    assert direct == over_http
    # The checksums are the ones stored for what was uploaded, not just equal to each other.
    assert direct["crc32.fits"] == StoredObject(5, crc32_b64(b"crc32"))
    assert direct["overwritten.fits"] == StoredObject(6, crc32_b64(b"second"))
    assert direct["no-checksum.fits"] == StoredObject(5, None)
    assert direct["sha256.fits"] == StoredObject(3, None)
    assert direct["full-object.fits"] == StoredObject(
        PART_BYTES + 1000, crc32_b64(b"a" * PART_BYTES + b"b" * 1000)
    )
    composite = direct["composite.fits"]
    assert composite is not None
    assert str(composite.crc32).endswith("-2")  # a checksum of the part checksums, never equal


def test_missing_objects_and_buckets_are_not_found_either_way(
    archive: LocalArchive, bucket: str
) -> None:
    s3 = archive.boto3_client("s3", retries={"total_max_attempts": 1})
    s3.put_object(Bucket=bucket, Key="deleted.fits", Body=b"gone", ChecksumAlgorithm="CRC32")
    s3.delete_object(Bucket=bucket, Key="deleted.fits")
    store, head = archive.stored_objects(), HeadObjectLookup(s3)
    for where, key in (
        (bucket, "never-uploaded.fits"),
        (bucket, "deleted.fits"),
        (bucket, "CRC32.FITS"),  # keys are case-sensitive
        ("no-such-bucket", "crc32.fits"),
    ):
        assert store.stored(where, key) is None
        assert head.stored(where, key) is None
