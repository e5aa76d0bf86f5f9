"""Checksum enforcement of the local archive, as the validator's CRC32 comparison relies on.

Every case is plain boto3 (or s3transfer) over HTTP, except the `aws-chunked` trailer form,
which botocore only sends over TLS: it is built with botocore's own chunk encoder and sent raw.
"""

from __future__ import annotations

import base64
import http.client
import io
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError
from botocore.httpchecksum import AwsChunkedWrapper, Crc32Checksum

from tests.integration.conftest import plain_boto3_client
from uploader_gui.sandbox.archive import LocalArchive

MIB = 1024 * 1024
# moto, like S3, refuses parts under 5 MiB except the last.
PARTS = [b"a" * (5 * MIB), b"b" * (5 * MIB), b"tail"]


def crc32_b64(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


@pytest.fixture(scope="module")
def s3(local_archive: LocalArchive) -> Any:
    return plain_boto3_client(local_archive.profile(), "s3")


@pytest.fixture(scope="module")
def bucket(local_archive: LocalArchive) -> str:
    return local_archive.network_config.names_for("sums", "0001", "staging").transfer_bucket


def error_code(exc_info: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc_info.value.response["Error"]["Code"])


def test_put_with_a_wrong_crc32_is_bad_digest_and_stores_nothing(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc_info:
        s3.put_object(Bucket=bucket, Key="bad.fits", Body=b"data", ChecksumCRC32=crc32_b64(b"x"))

    assert error_code(exc_info) == "BadDigest"
    assert "CRC32" in exc_info.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as missing:
        s3.head_object(Bucket=bucket, Key="bad.fits")
    assert missing.value.response["Error"]["Code"] == "404"


def test_a_claimed_crc32_is_stored_and_returned_by_head(s3: Any, bucket: str) -> None:
    # ChecksumCRC32 passed by the caller: botocore sends no x-amz-sdk-checksum-algorithm hint.
    s3.put_object(Bucket=bucket, Key="good.fits", Body=b"data", ChecksumCRC32=crc32_b64(b"data"))

    head = s3.head_object(Bucket=bucket, Key="good.fits", ChecksumMode="ENABLED")

    assert head["ChecksumCRC32"] == crc32_b64(b"data")
    assert head["ChecksumType"] == "FULL_OBJECT"


def test_the_sdk_default_crc32_is_stored(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="default.fits", Body=b"some bytes")

    head = s3.head_object(Bucket=bucket, Key="default.fits", ChecksumMode="ENABLED")

    assert head["ChecksumCRC32"] == crc32_b64(b"some bytes")


def test_a_wrong_content_md5_is_bad_digest(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as exc_info:
        s3.put_object(
            Bucket=bucket, Key="md5.fits", Body=b"data", ContentMD5="AAAAAAAAAAAAAAAAAAAAAA=="
        )

    assert error_code(exc_info) == "BadDigest"


def upload_parts(s3: Any, bucket: str, key: str, **create: Any) -> tuple[str, list[dict[str, Any]]]:
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key, **create)["UploadId"]
    parts = []
    for number, data in enumerate(PARTS, start=1):
        response = s3.upload_part(
            Bucket=bucket,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=data,
            ChecksumAlgorithm="CRC32",
        )
        parts.append(
            {"PartNumber": number, "ETag": response["ETag"], "ChecksumCRC32": crc32_b64(data)}
        )
    return upload_id, parts


def test_full_object_multipart_with_the_right_crc32_is_kept(s3: Any, bucket: str) -> None:
    full = crc32_b64(b"".join(PARTS))
    upload_id, parts = upload_parts(
        s3, bucket, "big.fits", ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT"
    )

    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="big.fits",
        UploadId=upload_id,
        MultipartUpload={"Parts": parts},
        ChecksumCRC32=full,
        ChecksumType="FULL_OBJECT",
    )

    head = s3.head_object(Bucket=bucket, Key="big.fits", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == full
    assert head["ChecksumType"] == "FULL_OBJECT"


def test_full_object_multipart_with_a_wrong_crc32_is_refused(s3: Any, bucket: str) -> None:
    upload_id, parts = upload_parts(
        s3, bucket, "wrong.fits", ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT"
    )

    with pytest.raises(ClientError) as exc_info:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="wrong.fits",
            UploadId=upload_id,
            MultipartUpload={"Parts": parts},
            ChecksumCRC32=crc32_b64(b"something else"),
            ChecksumType="FULL_OBJECT",
        )

    assert error_code(exc_info) == "BadDigest"
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="wrong.fits")


def test_a_part_with_a_wrong_checksum_is_refused(s3: Any, bucket: str) -> None:
    upload_id = s3.create_multipart_upload(
        Bucket=bucket, Key="torn.fits", ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT"
    )["UploadId"]

    with pytest.raises(ClientError) as exc_info:
        s3.upload_part(
            Bucket=bucket,
            Key="torn.fits",
            UploadId=upload_id,
            PartNumber=1,
            Body=PARTS[0],
            ChecksumCRC32=crc32_b64(b"corrupted"),
        )

    assert error_code(exc_info) == "BadDigest"
    assert s3.list_parts(Bucket=bucket, Key="torn.fits", UploadId=upload_id).get("Parts", []) == []


def test_list_parts_returns_each_part_checksum(s3: Any, bucket: str) -> None:
    upload_id, parts = upload_parts(
        s3, bucket, "listed.fits", ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT"
    )

    listed = s3.list_parts(Bucket=bucket, Key="listed.fits", UploadId=upload_id)["Parts"]

    assert [p["ChecksumCRC32"] for p in listed] == [p["ChecksumCRC32"] for p in parts]


def test_composite_multipart_reports_a_dash_n_checksum(s3: Any, bucket: str) -> None:
    upload_id, parts = upload_parts(s3, bucket, "composite.fits", ChecksumAlgorithm="CRC32")
    s3.complete_multipart_upload(
        Bucket=bucket, Key="composite.fits", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )

    head = s3.head_object(Bucket=bucket, Key="composite.fits", ChecksumMode="ENABLED")

    assert head["ChecksumCRC32"].endswith(f"-{len(PARTS)}")
    assert head["ChecksumType"] == "COMPOSITE"


def test_composite_multipart_with_a_wrong_checksum_is_refused(s3: Any, bucket: str) -> None:
    upload_id, parts = upload_parts(s3, bucket, "composite-bad.fits", ChecksumAlgorithm="CRC32")

    with pytest.raises(ClientError) as exc_info:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="composite-bad.fits",
            UploadId=upload_id,
            MultipartUpload={"Parts": parts},
            ChecksumCRC32=crc32_b64(b"".join(PARTS)),  # a full-object value, not the composite
        )

    assert error_code(exc_info) == "BadDigest"


def test_completion_listing_a_part_with_another_checksum_is_invalid_part(
    s3: Any, bucket: str
) -> None:
    upload_id, parts = upload_parts(
        s3, bucket, "swapped.fits", ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT"
    )
    parts[0]["ChecksumCRC32"] = parts[1]["ChecksumCRC32"]

    with pytest.raises(ClientError) as exc_info:
        s3.complete_multipart_upload(
            Bucket=bucket,
            Key="swapped.fits",
            UploadId=upload_id,
            MultipartUpload={"Parts": parts},
            ChecksumCRC32=crc32_b64(b"".join(PARTS)),
            ChecksumType="FULL_OBJECT",
        )

    assert error_code(exc_info) == "InvalidPart"


def test_s3transfer_upload_as_upstream_does_it(
    local_archive: LocalArchive, s3: Any, bucket: str, tmp_path: Path
) -> None:
    """upload_file with the index checksum (PROTOCOL.md §6.1), multipart above the threshold."""
    source = tmp_path / "cube.fits"
    source.write_bytes(b"".join(PARTS))
    index_checksum = crc32_b64(source.read_bytes())
    config = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB)
    extra = {
        "ChecksumAlgorithm": "CRC32",
        "ChecksumCRC32": index_checksum,
        "ChecksumType": "FULL_OBJECT",
    }

    s3.upload_file(str(source), bucket, "cube.fits", Config=config, ExtraArgs=extra)

    head = s3.head_object(Bucket=bucket, Key="cube.fits", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == index_checksum
    assert head["ChecksumType"] == "FULL_OBJECT"
    part_uploads = [
        r
        for r in local_archive.audit_records()
        if r["operation"] == "UploadPart" and r["key"] == "cube.fits"
    ]
    assert len(part_uploads) == len(PARTS)


def test_s3transfer_upload_with_a_wrong_index_checksum_fails(
    s3: Any, bucket: str, tmp_path: Path
) -> None:
    source = tmp_path / "cube.fits"
    source.write_bytes(b"".join(PARTS))
    config = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB)
    extra = {
        "ChecksumAlgorithm": "CRC32",
        "ChecksumCRC32": crc32_b64(b"not the file"),
        "ChecksumType": "FULL_OBJECT",
    }

    with pytest.raises(S3UploadFailedError, match="BadDigest"):
        s3.upload_file(str(source), bucket, "cube-wrong.fits", Config=config, ExtraArgs=extra)


def aws_chunked(data: bytes, trailer_data: bytes) -> bytes:
    """botocore's aws-chunked body for `data`, with the CRC32 trailer of `trailer_data`."""
    body = AwsChunkedWrapper(
        io.BytesIO(trailer_data), checksum_cls=Crc32Checksum, checksum_name="x-amz-checksum-crc32"
    ).read()
    return body.replace(trailer_data, data)


def send_aws_chunked(
    archive: LocalArchive, bucket: str, key: str, body: bytes, decoded_length: int
) -> int:
    """PUT as botocore does over TLS: unsigned aws-chunked body with a CRC32 trailer."""
    parts = urlsplit(archive.endpoint_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    key_id = archive.credentials.access_key_id
    connection.request(
        "PUT",
        f"/{bucket}/{key}",
        body=iter([body]),
        encode_chunked=True,
        headers={
            "Content-Encoding": "aws-chunked",
            "X-Amz-Content-SHA256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
            "X-Amz-Trailer": "x-amz-checksum-crc32",
            "X-Amz-Decoded-Content-Length": str(decoded_length),
            "Authorization": f"AWS4-HMAC-SHA256 Credential={key_id}/20260101/us-east-1/s3/"
            "aws4_request, SignedHeaders=host, Signature=0",
        },
    )
    status = connection.getresponse().status
    connection.close()
    return status


def test_aws_chunked_trailer_is_decoded_and_its_checksum_kept(
    local_archive: LocalArchive, s3: Any, bucket: str
) -> None:
    data = b"chunked payload " * 1000

    status = send_aws_chunked(
        local_archive, bucket, "chunked.fits", aws_chunked(data, data), len(data)
    )

    assert status == 200

    assert s3.get_object(Bucket=bucket, Key="chunked.fits")["Body"].read() == data
    head = s3.head_object(Bucket=bucket, Key="chunked.fits", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == crc32_b64(data)
    assert "ContentEncoding" not in head


def test_aws_chunked_with_a_wrong_trailer_is_bad_digest(
    local_archive: LocalArchive, s3: Any, bucket: str
) -> None:
    data = b"x" * 4096
    claimed_for = b"y" * 4096

    body = aws_chunked(data, claimed_for)

    status = send_aws_chunked(local_archive, bucket, "chunked-bad.fits", body, len(data))

    assert status == 400
    assert last_error(local_archive, "chunked-bad.fits") == "BadDigest"


def last_error(archive: LocalArchive, key: str) -> str:
    return str([r for r in archive.audit_records() if r["key"] == key][-1].get("error"))


@pytest.mark.parametrize(
    ("body", "decoded_length"),
    [
        (b"zz\r\nnot hex\r\n0\r\n\r\n", 7),  # a chunk size that is not hexadecimal
        (b"10\r\nshort\r\n0\r\n\r\n", 16),  # a chunk shorter than it says
        (aws_chunked(b"abc", b"abc"), 5),  # decoded length disagrees with the chunks
    ],
    ids=["bad-size", "short-chunk", "wrong-decoded-length"],
)
def test_a_malformed_aws_chunked_body_is_incomplete(
    local_archive: LocalArchive, bucket: str, body: bytes, decoded_length: int
) -> None:
    status = send_aws_chunked(local_archive, bucket, "malformed.fits", body, decoded_length)

    assert status == 400
    assert last_error(local_archive, "malformed.fits") == "IncompleteBody"
