"""Another uploader holds the delivery's lock: exit 3 naming it, where it runs and since
when, and nothing is sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.transfer_cli_kit import Workspace, running_archive
from uploader_gui.sandbox.archive import LocalArchive

OTHER_AGENT = "otheragentx"


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with running_archive() as archive:
        yield archive


def test_a_lock_held_by_another_agent_stops_before_anything_is_sent(
    archive: LocalArchive, tmp_path: Path
) -> None:
    workspace = Workspace(archive, tmp_path)
    names = workspace.names
    archive.provision_delivery(workspace.label_path)
    s3 = archive.boto3_client("s3")
    s3.put_object(Bucket=names.control_bucket, Key="lock/client", Body=OTHER_AGENT.encode())
    mark = len(archive.audit_records())

    run = workspace.run(workspace.folder({"a.fits": b"data\n"}))

    assert run.exit_status == 3, run.out + run.err
    assert OTHER_AGENT in run.out
    # Who, where and how old, in the closing words.
    assert "archive busy: another delivery holds the archive's lock (lock/client)" in run.out
    assert f"uploader agent {OTHER_AGENT} on another computer or user account" in run.out
    assert "lock last refreshed at " in run.out
    new = archive.audit_records()[mark:]
    assert [r for r in new if r["operation"] in ("PutObject", "Invoke", "DeleteObject")] == []
    lock = s3.get_object(Bucket=names.control_bucket, Key="lock/client")["Body"].read()
    assert lock == OTHER_AGENT.encode()  # not touched, not deleted
