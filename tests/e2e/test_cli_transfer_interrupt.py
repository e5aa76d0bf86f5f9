"""Ctrl-C in the middle of an upload: exit 130, the state saved, the lock released, one `stop`
row; the same command then finishes the delivery from the parts already sent."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.transfer_cli_kit import Workspace, running_archive
from uploader_gui.app_dirs import app_dirs
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.store.state_store import StateStore

MIB = 1024 * 1024
BIG = os.urandom(25 * MIB)  # five parts of 5 MiB
ARGS = ("--part-size", "5MiB", "--concurrency", "1")


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with running_archive() as archive:
        yield archive


def test_ctrl_c_stops_cleanly_and_the_rerun_resumes(archive: LocalArchive, tmp_path: Path) -> None:
    workspace = Workspace(archive, tmp_path)
    folder = workspace.folder({"big.fits": BIG})
    child = workspace.spawn(folder, "--json", *ARGS, "--max-bandwidth", "4MiB/s")
    assert child.stdout is not None
    for line in child.stdout:
        event = json.loads(line)
        if event["event"] == "FileTransferProgressed" and event["bytes_done"] > 6 * MIB:
            break
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)

    assert child.returncode == 130, err
    (ended,) = [json.loads(x) for x in out.splitlines() if '"SessionEnded"' in x]
    assert ended["outcome"] == "interrupted"
    control = workspace.names.control_bucket
    assert workspace.object_bytes(control, "lock/client") is None  # released
    log = workspace.object_bytes(control, "log/client_staging") or b""
    assert [line.split(b"\t")[1] for line in log.splitlines()].count(b"stop") == 1
    with StateStore(app_dirs().state_db_path) as store:
        (record,) = store.deliveries()
        assert (record.state, record.outcome) == ("stopped", "interrupted")
        files = store.delivery_files(record.key)
        assert files.record("big.fits").state is FileState.PAUSED
        upload = files.multipart("big.fits")
        assert upload is not None
        saved = len(upload.parts)
    assert saved >= 1

    mark = len(archive.audit_records())
    run = workspace.run(folder, *ARGS)
    assert run.exit_status == 0, run.out + run.err
    sent = [
        r
        for r in archive.audit_records()[mark:]
        if r["operation"] == "UploadPart" and r["status"] == 200
    ]
    assert len(sent) == 5 - saved
    assert workspace.object_bytes(workspace.names.transfer_bucket, "big.fits") == BIG
