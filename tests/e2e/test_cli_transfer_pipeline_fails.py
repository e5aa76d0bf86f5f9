"""The archive cannot start its validator: exit 3 with the init step's reason; the session
still ends with its one `stop` row and the lock released; no data is sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.transfer_cli_kit import Workspace, running_archive
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.sandbox.init_step import error_answer


def task_launch_fails(payload: bytes) -> tuple[bytes, str | None]:
    del payload
    return json.dumps(error_answer("task launch", "task failed to launch")).encode(), None


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with running_archive() as archive:
        archive.set_lambda_handler(task_launch_fails)
        yield archive


def test_a_validator_that_cannot_start_ends_the_session_cleanly(
    archive: LocalArchive, tmp_path: Path
) -> None:
    workspace = Workspace(archive, tmp_path)
    run = workspace.run(workspace.folder({"a.fits": b"data\n"}), "--json")

    assert run.exit_status == 3, run.out + run.err
    assert run.ended["outcome"] == "could not run"
    assert "(step: task launch): task failed to launch" in run.ended["message"]
    control = workspace.names.control_bucket
    assert workspace.object_bytes(control, "lock/client") is None
    log = workspace.object_bytes(control, "log/client_staging") or b""
    assert [line.split(b"\t")[1] for line in log.splitlines()] == [b"stop"]
    bucket = workspace.names.transfer_bucket
    assert [
        r
        for r in archive.audit_records()
        if r["bucket"] == bucket and r["operation"] == "PutObject"
    ] == []
