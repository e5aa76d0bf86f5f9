"""A sample of a delivery, then the full (staging) delivery, through `uploader-gui transfer`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.transfer_cli_kit import Workspace, crc32_b64, receipt, running_archive
from uploader_gui.sandbox.archive import LocalArchive

FILES = {
    "images/a.fits": b"first image\n",
    "images/b.fits": b"second image\n",
    "catalog.csv": b"id,flux\n1,2.5\n",
}


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with running_archive() as archive:
        yield archive


def test_a_sample_then_the_full_delivery(archive: LocalArchive, tmp_path: Path) -> None:
    workspace = Workspace(archive, tmp_path)
    folder = workspace.folder(FILES)

    sample = workspace.run(folder, "--sample")
    assert sample.exit_status == 0, sample.out + sample.err
    assert "all files valid: all 3 files are valid" in sample.out
    sample_bucket = archive.network_config.names_for(
        "e2e_set", workspace.delivery_id, "sample"
    ).transfer_bucket
    for path, body in FILES.items():
        assert workspace.object_bytes(sample_bucket, path) == body

    staging = workspace.run(folder)
    assert staging.exit_status == 0, staging.out + staging.err
    staging_bucket = workspace.names.transfer_bucket
    for path, body in FILES.items():
        assert workspace.object_bytes(staging_bucket, path) == body

    # Each transfer type is its own delivery with its own receipt.
    first, second = receipt(sample), receipt(staging)
    assert first["delivery"]["transfer_type"] == "sample"
    assert second["delivery"]["transfer_type"] == "staging"
    for data in (first, second):
        assert data["delivery"]["outcome"] == "all files valid"
        assert data["delivery"]["state"] == "complete"
        by_path = {entry["path"]: entry for entry in data["files"]}
        assert set(by_path) == set(FILES)
        for path, body in FILES.items():
            assert by_path[path]["crc32"] == crc32_b64(body)
            assert by_path[path]["state"] == "valid"
            assert by_path[path]["size_bytes"] == len(body)
            assert by_path[path]["validated_at"]
    # Both sessions released the shared lock, and each wrote exactly one stop row.
    control = workspace.names.control_bucket
    assert workspace.object_bytes(control, "lock/client") is None
    for transfer_type in ("sample", "staging"):
        log = workspace.object_bytes(control, f"log/client_{transfer_type}") or b""
        categories = [line.split(b"\t")[1] for line in log.splitlines()]
        assert categories.count(b"stop") == 1
        assert categories[-1] == b"stop"
        assert categories[0] == b"init"
