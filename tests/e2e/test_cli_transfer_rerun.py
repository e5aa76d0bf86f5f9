"""Running the same command again: nothing to do after success; a changed file is sent again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.transfer_cli_kit import Workspace, crc32_b64, running_archive
from uploader_gui.sandbox.archive import LocalArchive

FILES = {"a.fits": b"one\n", "b.fits": b"two\n", "c/d.fits": b"three\n"}
DATA_WRITES = ("PutObject", "CreateMultipartUpload", "UploadPart")


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with running_archive() as archive:
        yield archive


def test_a_rerun_after_success_has_nothing_to_do(archive: LocalArchive, tmp_path: Path) -> None:
    workspace = Workspace(archive, tmp_path)
    folder = workspace.folder(FILES)
    first = workspace.run(folder)
    assert first.exit_status == 0, first.out + first.err
    mark = len(archive.audit_records())

    again = workspace.run(folder, "--json")

    assert again.exit_status == 0, again.out + again.err
    assert again.ended["outcome"] == "nothing to do"
    assert again.ended["files_valid"] == 3
    new = archive.audit_records()[mark:]
    bucket = workspace.names.transfer_bucket
    assert [r for r in new if r["operation"] in DATA_WRITES and r["bucket"] == bucket] == []
    # Nothing was written to the control bucket either: no lock, no log row, no index.
    control = workspace.names.control_bucket
    assert [r for r in new if r["bucket"] == control and r["operation"] == "PutObject"] == []
    assert [r for r in new if r["operation"] == "Invoke"] == []


def test_a_file_changed_since_it_was_validated_is_sent_again(
    archive: LocalArchive, tmp_path: Path
) -> None:
    workspace = Workspace(archive, tmp_path)
    folder = workspace.folder(FILES)
    assert workspace.run(folder).exit_status == 0
    (folder / "b.fits").write_bytes(b"two, corrected\n")
    mark = len(archive.audit_records())

    again = workspace.run(folder, "--json")

    assert again.exit_status == 0, again.out + again.err
    assert again.ended["outcome"] == "all files valid"
    (planned,) = again.of("SessionPlanned")
    assert (planned["files_to_send"], planned["files_valid_before"]) == (1, 2)
    bucket = workspace.names.transfer_bucket
    puts = [
        r["key"]
        for r in archive.audit_records()[mark:]
        if r["operation"] == "PutObject" and r["bucket"] == bucket
    ]
    assert puts == ["b.fits"]
    s3 = archive.boto3_client("s3")
    head = s3.head_object(Bucket=bucket, Key="b.fits", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == crc32_b64(b"two, corrected\n")
