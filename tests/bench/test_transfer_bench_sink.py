"""The benchmark's TLS PUT sink answers like S3 where the benchmark relies on it: it decodes
botocore's aws-chunked bodies, reports FULL_OBJECT or COMPOSITE checksums as S3 would, refuses
a body whose CRC32 is not the declared one, and counts every payload byte it receives."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from tests.bench.s3_servers import S3Endpoint, make_tls_files, s3_client, sink_server
from uploader_gui.core.checksums.crc32 import crc32_to_base64

MIB = 1024 * 1024


@pytest.fixture(scope="module")
def sink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Endpoint]:
    folder = tmp_path_factory.mktemp("sink")
    with sink_server(folder, make_tls_files(folder)) as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def client(sink: S3Endpoint) -> Any:
    return s3_client(sink)


def _file(tmp_path: Path, size_bytes: int) -> tuple[Path, str]:
    data = bytes(range(256)) * (size_bytes // 256)
    path = tmp_path / "data.bin"
    path.write_bytes(data)
    return path, crc32_to_base64(zlib.crc32(data))


def test_a_put_with_a_crc32_trailer_is_stored_with_that_full_object_crc32(
    sink: S3Endpoint, client: Any, tmp_path: Path
) -> None:
    path, crc = _file(tmp_path, 3 * MIB)
    client.put_object(Bucket=sink.bucket, Key="put/one", Body=path.read_bytes())
    head = client.head_object(Bucket=sink.bucket, Key="put/one", ChecksumMode="ENABLED")
    assert head["ContentLength"] == 3 * MIB
    assert (head["ChecksumCRC32"], head["ChecksumType"]) == (crc, "FULL_OBJECT")
    assert sink.sink_stats()["payload_bytes_by_key"]["put/one"] == 3 * MIB


def test_a_multipart_upload_is_full_object_only_when_asked(
    sink: S3Endpoint, client: Any, tmp_path: Path
) -> None:
    path, crc = _file(tmp_path, 12 * MIB)
    config = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB)
    full = {"ChecksumAlgorithm": "CRC32", "ChecksumCRC32": crc, "ChecksumType": "FULL_OBJECT"}
    client.upload_file(str(path), sink.bucket, "mpu/full", Config=config, ExtraArgs=full)
    client.upload_file(str(path), sink.bucket, "mpu/default", Config=config)
    full_head = client.head_object(Bucket=sink.bucket, Key="mpu/full", ChecksumMode="ENABLED")
    default_head = client.head_object(Bucket=sink.bucket, Key="mpu/default", ChecksumMode="ENABLED")
    assert (full_head["ChecksumCRC32"], full_head["ChecksumType"]) == (crc, "FULL_OBJECT")
    assert default_head["ChecksumType"] == "COMPOSITE"
    assert default_head["ChecksumCRC32"].endswith("-3")


def test_a_body_that_does_not_match_its_declared_crc32_is_refused(
    sink: S3Endpoint, client: Any
) -> None:
    wrong = crc32_to_base64(zlib.crc32(b"something else"))
    with pytest.raises(ClientError) as raised:
        client.put_object(Bucket=sink.bucket, Key="bad", Body=b"payload", ChecksumCRC32=wrong)
    assert raised.value.response["Error"]["Code"] == "BadDigest"
    with pytest.raises(ClientError):
        client.head_object(Bucket=sink.bucket, Key="bad")


def test_completing_with_a_part_never_sent_is_refused_and_parts_are_listed(
    sink: S3Endpoint, client: Any
) -> None:
    upload_id = client.create_multipart_upload(
        Bucket=sink.bucket, Key="mpu/gap", ChecksumAlgorithm="CRC32"
    )["UploadId"]
    sent = client.upload_part(
        Bucket=sink.bucket, Key="mpu/gap", UploadId=upload_id, PartNumber=1, Body=b"a" * MIB
    )
    listed = client.list_parts(Bucket=sink.bucket, Key="mpu/gap", UploadId=upload_id)["Parts"]
    assert [(part["PartNumber"], part["ETag"], part["Size"]) for part in listed] == [
        (1, sent["ETag"], MIB)
    ]
    parts = [{"PartNumber": 1, "ETag": sent["ETag"]}, {"PartNumber": 2, "ETag": '"x"'}]
    with pytest.raises(ClientError) as raised:
        client.complete_multipart_upload(
            Bucket=sink.bucket,
            Key="mpu/gap",
            UploadId=upload_id,
            MultipartUpload={"Parts": parts},
        )
    assert raised.value.response["Error"]["Code"] == "InvalidPart"


def test_a_part_for_an_unknown_upload_is_refused(sink: S3Endpoint, client: Any) -> None:
    with pytest.raises(ClientError) as raised:
        client.upload_part(
            Bucket=sink.bucket, Key="k", UploadId="no-such-upload", PartNumber=1, Body=b"x"
        )
    assert raised.value.response["Error"]["Code"] == "NoSuchUpload"
