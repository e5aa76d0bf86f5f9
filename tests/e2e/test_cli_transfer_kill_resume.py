"""SIGKILL of the CLI in the middle of a large multipart file, then the same command again: it
finishes without sending finished files or finished parts again (the archive's audit log shows
every request), and ends the killed session's validator on its behalf."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.transfer_cli_kit import Workspace, crc32_b64, running_archive
from uploader_gui.app_dirs import app_dirs
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.store.state_store import StateStore

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

MIB = 1024 * 1024
BIG = os.urandom(30 * MIB)  # six parts of 5 MiB
PARTS = 6
SMALL = {"a.fits": b"first\n", "b.fits": b"second\n"}
PART_SIZE = ("--part-size", "5MiB", "--concurrency", "1")


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with running_archive() as archive:
        yield archive


def parts_sent(workspace: Workspace, since: int = 0) -> list[dict[str, object]]:
    return [
        r
        for r in workspace.archive.audit_records()[since:]
        if r["operation"] == "UploadPart" and r["key"] == "zz_big.fits" and r["status"] == 200
    ]


def kill_mid_file(workspace: Workspace, folder: Path) -> None:
    """Run the CLI until the small files are valid and two parts of the big one are in."""
    child = workspace.spawn(folder, "--json", *PART_SIZE, "--max-bandwidth", "4MiB/s")
    assert child.stdout is not None
    valid: set[str] = set()
    try:
        for line in child.stdout:
            event = json.loads(line)
            if event["event"] == "VerdictReceived" and event["new_state"] == "valid":
                valid.add(event["path"])
            if valid == set(SMALL) and len(parts_sent(workspace)) >= 2:
                break
        else:
            pytest.fail(f"the CLI ended before it could be killed: {child.stderr}")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


def saved_parts(workspace: Workspace) -> set[int]:
    with StateStore(app_dirs().state_db_path) as store:
        (record,) = store.deliveries()
        files = store.delivery_files(record.key)
        assert files.record("zz_big.fits").state is FileState.TRANSFERRING  # killed mid-way
        assert files.record("a.fits").state is FileState.VALID
        upload = files.multipart("zz_big.fits")
        assert upload is not None
        return {part.part_number for part in upload.parts}


def test_a_killed_delivery_resumes_where_it_stopped(archive: LocalArchive, tmp_path: Path) -> None:
    workspace = Workspace(archive, tmp_path)
    folder = workspace.folder({**SMALL, "zz_big.fits": BIG})
    kill_mid_file(workspace, folder)
    saved = saved_parts(workspace)
    assert 2 <= len(saved) < PARTS
    mark = len(archive.audit_records())

    run = workspace.run(folder, "--json", *PART_SIZE)

    assert run.exit_status == 0, run.out[-4000:] + run.err
    bucket = workspace.names.transfer_bucket
    new = [r for r in archive.audit_records()[mark:] if r["bucket"] == bucket]
    assert [r["key"] for r in new if r["operation"] == "PutObject"] == []
    assert [r for r in new if r["operation"] == "CreateMultipartUpload"] == []
    resent = sorted(int(str(r["partNumber"])) for r in parts_sent(workspace, since=mark))
    assert resent == sorted(set(range(1, PARTS + 1)) - saved)  # the missing parts, each once
    assert workspace.object_bytes(bucket, "zz_big.fits") == BIG
    s3 = archive.boto3_client("s3")
    head = s3.head_object(Bucket=bucket, Key="zz_big.fits", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == crc32_b64(BIG)
    (planned,) = run.of("SessionPlanned")
    assert (planned["files_to_send"], planned["files_valid_before"]) == (1, 2)
    # The killed session's validator was still waiting for it: it was told that session
    # stopped, as the same agent, so the new one could start at once.
    warnings = [event["message"] for event in run.of("WarningRaised")]
    assert any("interrupted session is still running" in text for text in warnings)
    log = workspace.object_bytes(workspace.names.control_bucket, "log/client_staging") or b""
    rows = [line.split(b"\t") for line in log.splitlines()]
    assert [row[1] for row in rows].count(b"stop") == 2  # the killed session's, and ours
    assert len({row[-1] for row in rows}) == 1  # one agent id throughout
