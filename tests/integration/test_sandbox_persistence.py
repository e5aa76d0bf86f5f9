"""A local archive with a data folder: object bodies on disk, and everything kept across a restart.

Each test starts a real archive (HTTP on 127.0.0.1) on a folder, writes through plain boto3,
stops it (or cuts it as a kill would), starts a new archive on the same folder and reads back.
"""

from __future__ import annotations

import base64
import os
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.integration.conftest import archive_options, plain_boto3_client
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.sandbox.disk_restore import ArchiveFolderInUseError, empty_folder

MIB = 1024 * 1024


def crc32_b64(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "archive"


@pytest.fixture
def stem() -> str:
    return archive_options().bucket_stem


def started(data_dir: Path, stem: str, **options: Any) -> LocalArchive:
    archive = LocalArchive(archive_options(bucket_stem=stem, data_dir=data_dir, **options))
    archive.start()
    return archive


@pytest.fixture
def archive(data_dir: Path, stem: str) -> Iterator[LocalArchive]:
    archive = started(data_dir, stem, auto_accept=True)
    yield archive
    archive.stop()


def s3_of(archive: LocalArchive) -> Any:
    return plain_boto3_client(archive.profile(), "s3")


def control_and_staging(archive: LocalArchive) -> tuple[str, str]:
    names = archive.network_config.names_for("demo_set", "0012", "staging")
    return names.control_bucket, names.transfer_bucket


def restarted(archive: LocalArchive, data_dir: Path, stem: str) -> LocalArchive:
    archive.stop()
    return started(data_dir, stem, auto_accept=True)


def test_objects_their_checksums_and_the_lock_outlive_a_restart(
    archive: LocalArchive, data_dir: Path, stem: str
) -> None:
    control, staging = control_and_staging(archive)
    s3 = s3_of(archive)
    body = os.urandom(300_000)
    s3.put_object(Bucket=staging, Key="a/b.fits", Body=body, ChecksumCRC32=crc32_b64(body))
    s3.put_object(Bucket=control, Key="lock/client", Body=b"agent-7")
    before = s3.head_object(Bucket=staging, Key="a/b.fits", ChecksumMode="ENABLED")
    lock_before = s3.head_object(Bucket=control, Key="lock/client")

    again = restarted(archive, data_dir, stem)
    try:
        s3 = s3_of(again)
        after = s3.head_object(Bucket=staging, Key="a/b.fits", ChecksumMode="ENABLED")
        assert s3.get_object(Bucket=staging, Key="a/b.fits")["Body"].read() == body
        assert after["ChecksumCRC32"] == crc32_b64(body)
        assert after["ETag"] == before["ETag"]
        assert after["LastModified"] == before["LastModified"]
        assert s3.get_object(Bucket=control, Key="lock/client")["Body"].read() == b"agent-7"
        lock_after = s3.head_object(Bucket=control, Key="lock/client")
        assert lock_after["LastModified"] == lock_before["LastModified"]  # staleness kept
        assert again.credentials == archive.credentials  # old profiles still sign in
    finally:
        again.stop()


def test_object_bodies_are_files_in_the_data_folder_not_in_memory(
    archive: LocalArchive, data_dir: Path
) -> None:
    _, staging = control_and_staging(archive)
    body = os.urandom(2 * MIB)
    s3_of(archive).put_object(Bucket=staging, Key="big.fits", Body=body)

    files = [path for path in (data_dir / "objects").rglob("*") if path.is_file()]
    assert any(path.read_bytes() == body for path in files)
    stored = archive.stored_objects().stored(staging, "big.fits")
    assert stored is not None
    assert stored.size == len(body)


def test_a_multipart_object_with_its_checksum_outlives_a_restart(
    archive: LocalArchive, data_dir: Path, stem: str
) -> None:
    _, staging = control_and_staging(archive)
    s3 = s3_of(archive)
    parts = [os.urandom(5 * MIB), os.urandom(123_456)]
    whole = b"".join(parts)
    upload = s3.create_multipart_upload(
        Bucket=staging, Key="m.fits", ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT"
    )
    listed = []
    for number, data in enumerate(parts, start=1):
        answer = s3.upload_part(
            Bucket=staging,
            Key="m.fits",
            UploadId=upload["UploadId"],
            PartNumber=number,
            Body=data,
            ChecksumCRC32=crc32_b64(data),
        )
        listed.append({"PartNumber": number, "ETag": answer["ETag"]})
    assert list((data_dir / "parts").iterdir()), "parts wait on disk for the Complete"
    s3.complete_multipart_upload(
        Bucket=staging,
        Key="m.fits",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": listed},
        ChecksumCRC32=crc32_b64(whole),
        ChecksumType="FULL_OBJECT",
    )
    before = s3.head_object(Bucket=staging, Key="m.fits", ChecksumMode="ENABLED")

    again = restarted(archive, data_dir, stem)
    try:
        s3 = s3_of(again)
        after = s3.head_object(Bucket=staging, Key="m.fits", ChecksumMode="ENABLED")
        assert after["ChecksumCRC32"] == crc32_b64(whole) == before["ChecksumCRC32"]
        assert after["ETag"] == before["ETag"]
        assert after["ETag"].endswith('-2"')
        assert s3.get_object(Bucket=staging, Key="m.fits")["Body"].read() == whole
    finally:
        again.stop()


def test_appends_and_deletes_are_kept_as_the_last_state(
    archive: LocalArchive, data_dir: Path, stem: str
) -> None:
    control, _ = control_and_staging(archive)
    s3 = s3_of(archive)
    s3.put_object(Bucket=control, Key="log/client_staging", Body=b"one\n")
    s3.put_object(Bucket=control, Key="log/client_staging", Body=b"two\n", WriteOffsetBytes=4)
    s3.put_object(Bucket=control, Key="lock/validator", Body=b"dead validator")
    s3.put_object(Bucket=control, Key="gone", Body=b"x")
    s3.delete_object(Bucket=control, Key="gone")

    again = restarted(archive, data_dir, stem)
    try:
        s3 = s3_of(again)
        log = s3.get_object(Bucket=control, Key="log/client_staging")["Body"].read()
        assert log == b"one\ntwo\n"
        keys = {item["Key"] for item in s3.list_objects_v2(Bucket=control).get("Contents", [])}
        assert "gone" not in keys
        # Every validator died with the archive: its lock must not refuse the next one.
        assert "lock/validator" not in keys
        n_objects = len(s3_listing_of_all(again))
    finally:
        again.stop()
    body_files = [path for path in (data_dir / "objects").rglob("*") if path.is_file()]
    assert len(body_files) == n_objects  # replaced and deleted versions are swept


def s3_listing_of_all(archive: LocalArchive) -> list[str]:
    s3 = s3_of(archive)
    keys = []
    for bucket in s3.list_buckets()["Buckets"]:
        for item in s3.list_objects_v2(Bucket=bucket["Name"]).get("Contents", []):
            keys.append(f"{bucket['Name']}/{item['Key']}")
    return keys


def test_a_write_cut_by_a_kill_leaves_the_object_absent_not_half_there(
    archive: LocalArchive, data_dir: Path, stem: str
) -> None:
    _, staging = control_and_staging(archive)
    s3 = s3_of(archive)
    s3.put_object(Bucket=staging, Key="whole.fits", Body=b"whole")
    s3.put_object(Bucket=staging, Key="cut.fits", Body=b"will be cut")
    archive.stop()
    # As a kill -9 mid-write leaves it: the last journal line torn, a body file half written.
    journal = data_dir / "journal"
    text = journal.read_bytes()
    journal.write_bytes(text[: len(text) - 7])
    (data_dir / "objects" / "ff").mkdir(parents=True, exist_ok=True)
    (data_dir / "objects" / "ff" / "ffcut.tmp").write_bytes(b"half")

    again = started(data_dir, stem, auto_accept=True)
    try:
        s3 = s3_of(again)
        assert s3.get_object(Bucket=staging, Key="whole.fits")["Body"].read() == b"whole"
        with pytest.raises(ClientError) as error:
            s3.head_object(Bucket=staging, Key="cut.fits")
        assert error.value.response["Error"]["Code"] == "404"
        assert not (data_dir / "objects" / "ff" / "ffcut.tmp").exists()
    finally:
        again.stop()


def test_a_second_archive_on_the_same_folder_is_refused(
    archive: LocalArchive, data_dir: Path
) -> None:
    with pytest.raises(ArchiveFolderInUseError, match="another local archive is running"):
        LocalArchive(archive_options(data_dir=data_dir)).start()


def test_a_clients_s3_express_session_outlives_a_restart_on_the_same_port(
    archive: LocalArchive, data_dir: Path, stem: str
) -> None:
    control, _ = control_and_staging(archive)
    s3 = s3_of(archive)  # botocore signs directory-bucket requests with a CreateSession key
    s3.put_object(Bucket=control, Key="log/client_staging", Body=b"before\n")
    sessions_before = [r for r in archive.audit_records() if r["operation"] == "CreateSession"]
    assert sessions_before, "the client holds an S3 Express session"
    port = int(archive.endpoint_url.rsplit(":", 1)[1])
    archive.stop()

    again = started(data_dir, stem, auto_accept=True, port=port)
    try:
        s3.put_object(Bucket=control, Key="log/client_staging", Body=b"after\n", WriteOffsetBytes=7)
        body = s3.get_object(Bucket=control, Key="log/client_staging")["Body"].read()
        assert body == b"before\nafter\n"
        assert not [r for r in again.audit_records() if r["operation"] == "CreateSession"]
    finally:
        again.stop()


def test_emptying_the_folder_leaves_an_empty_archive_that_old_profiles_still_reach(
    archive: LocalArchive, data_dir: Path, stem: str
) -> None:
    _, staging = control_and_staging(archive)
    s3_of(archive).put_object(Bucket=staging, Key="a.fits", Body=b"a")
    with pytest.raises(ArchiveFolderInUseError):
        empty_folder(data_dir)  # not while it runs
    archive.stop()

    empty_folder(data_dir)

    again = started(data_dir, stem, auto_accept=True)
    try:
        s3 = s3_of(again)
        assert again.credentials == archive.credentials
        names = {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}
        assert staging not in names
    finally:
        again.stop()
