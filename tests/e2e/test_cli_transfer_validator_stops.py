"""The validator stops early (it crashes after one verdict): exit 3 with its reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.transfer_cli_kit import Workspace, running_archive
from uploader_gui.sandbox.archive import LocalArchive


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with running_archive(validator_crash_after=1) as archive:
        yield archive


def test_the_validator_stopping_early_ends_the_session_with_its_reason(
    archive: LocalArchive, tmp_path: Path
) -> None:
    workspace = Workspace(archive, tmp_path)
    files = {f"f{n}.fits": f"file {n}\n".encode() for n in range(4)}

    run = workspace.run(workspace.folder(files), "--json")

    assert run.exit_status == 3, run.out + run.err
    ended = run.ended
    assert ended["outcome"] == "the validator stopped"
    assert "the validator ended the session early (shutdown error)" in ended["message"]
    assert "exiting due to unhandled exception in pipeline" in ended["message"]
    assert ended["files_valid"] == 1
    control = workspace.names.control_bucket
    log = workspace.object_bytes(control, "log/client_staging") or b""
    assert [line.split(b"\t")[1] for line in log.splitlines()].count(b"stop") == 1
    assert workspace.object_bytes(control, "lock/client") is None
