"""One upload that lasts longer than the validator's "missing client" timeout still completes:
heartbeat rows keep the validator waiting. Without them (heartbeat far apart) it gives up."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.transfer_cli_kit import Workspace, running_archive
from uploader_gui.sandbox.archive import LocalArchive

MISSING_TIMEOUT_S = 2.0
# 2 MiB at 512 KiB/s: one PutObject of about 4 s, twice the validator's timeout.
BODY = os.urandom(2 * 1024 * 1024)
SLOW = ("--max-bandwidth", "512KiB/s")


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with running_archive(missing_timeout_s=MISSING_TIMEOUT_S) as archive:
        yield archive


def test_a_long_upload_completes_thanks_to_the_heartbeat(
    archive: LocalArchive, tmp_path: Path
) -> None:
    workspace = Workspace(archive, tmp_path)
    run = workspace.run(workspace.folder({"long.fits": BODY}), *SLOW, "--heartbeat-every", "0.5")
    assert run.exit_status == 0, run.out + run.err
    log = workspace.object_bytes(workspace.names.control_bucket, "log/client_staging") or b""
    assert b"\tclient\tself\tok\theartbeat\t" in log


def test_without_heartbeats_the_validator_declares_the_client_missing(
    archive: LocalArchive, tmp_path: Path
) -> None:
    workspace = Workspace(archive, tmp_path)
    run = workspace.run(
        workspace.folder({"long.fits": BODY}), *SLOW, "--heartbeat-every", "60", "--json"
    )
    assert run.exit_status == 3, run.out + run.err
    assert run.ended["outcome"] == "the validator stopped"
    assert "client status: missing" in run.ended["message"]
