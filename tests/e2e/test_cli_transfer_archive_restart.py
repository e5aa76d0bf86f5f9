"""The archive process killed (SIGKILL) mid-delivery, then started again on the same data folder:
the same command resumes against it and ends with every file valid, without sending again the
files that were valid before the kill (the new archive's audit log shows every request)."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.archive_process import archive_process
from tests.e2e.transfer_cli_kit import FAST_POLLS, LABEL_TEMPLATE, EventStream, run_cli

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

FILES = {f"f{n:02d}.fits": os.urandom(48 * 1024) for n in range(40)}
SLOW = ("--max-bandwidth", "256KiB/s", "--concurrency", "2")


def audit_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


def cli_args(folder: Path, label: Path, profile: Path, *extra: str) -> list[str]:
    return [
        "transfer",
        str(folder),
        str(label),
        "--profile-file",
        str(profile),
        "--json",
        *FAST_POLLS,
        *extra,
    ]


def test_a_killed_archive_restarted_on_its_folder_resumes_the_delivery(tmp_path: Path) -> None:
    stem, data_dir, profile = f"r{secrets.token_hex(3)}", tmp_path / "archive", tmp_path / "p.toml"
    label = tmp_path / "label.yaml"
    label.write_text(LABEL_TEMPLATE.format(delivery_id="0042"), "utf-8")
    folder = tmp_path / "data"
    folder.mkdir()
    for name, content in FILES.items():
        (folder / name).write_bytes(content)
    code = "import sys; from uploader_gui.cli import main; sys.exit(main(sys.argv[1:]))"

    valid_before: set[str] = set()
    with archive_process(stem, data_dir, profile, tmp_path / "audit-1.jsonl") as first:
        cli = subprocess.Popen(
            [sys.executable, "-c", code, *cli_args(folder, label, profile, *SLOW)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        events = EventStream(cli)
        while len(valid_before) < 10:
            event = events.wait_for("VerdictReceived")
            if event["new_state"] == "valid":
                valid_before.add(event["path"])
        first.send_signal(signal.SIGKILL)  # the archive dies mid-delivery
        first.wait(timeout=30)
        cli.send_signal(signal.SIGKILL)  # and the window with it
        cli.wait(timeout=30)
    assert len(valid_before) < len(FILES), "the delivery was cut mid-way"

    audit = tmp_path / "audit-2.jsonl"
    with archive_process(stem, data_dir, profile, audit):
        run = run_cli(cli_args(folder, label, profile))
        records = audit_of(audit)

    assert run.exit_status == 0, run.out[-4000:] + run.err
    assert run.ended["outcome"] == "all files valid", run.ended
    assert run.ended["message"] == f"all {len(FILES)} files are valid"
    (planned,) = run.of("SessionPlanned")
    assert planned["files_valid_before"] >= len(valid_before)  # known to the restarted archive
    sent_again = {
        r["key"]
        for r in records
        if r["operation"] == "PutObject" and r["status"] == 200 and r["key"] in FILES
    }
    assert sent_again, "the rest of the delivery was sent to the restarted archive"
    assert not (sent_again & valid_before), "files valid before the kill were sent again"


def test_an_archive_that_lost_the_delivery_is_not_resumed_against(tmp_path: Path) -> None:
    """A fresh data folder stands for a reset archive under the same profile and stem."""
    stem, profile = f"r{secrets.token_hex(3)}", tmp_path / "p.toml"
    label = tmp_path / "label.yaml"
    label.write_text(LABEL_TEMPLATE.format(delivery_id="0043"), "utf-8")
    folder = tmp_path / "data"
    folder.mkdir()
    few = dict(list(FILES.items())[:3])
    for name, content in few.items():
        (folder / name).write_bytes(content)
    with archive_process(stem, tmp_path / "archive-1", profile):
        first = run_cli(cli_args(folder, label, profile))
    assert first.ended["outcome"] == "all files valid", first.out[-3000:]

    audit = tmp_path / "audit-reset.jsonl"
    with archive_process(stem, tmp_path / "archive-reset", profile, audit):
        refused = run_cli(cli_args(folder, label, profile))
        sent = [r for r in audit_of(audit) if r["key"] in few and r["operation"] == "PutObject"]
        again = run_cli(cli_args(folder, label, profile, "--deliver-again"))

    assert refused.exit_status == 3, refused.out[-3000:]
    message = refused.ended["message"]
    assert "has no record of this delivery, though 3 files were sent to it before" in message
    assert "Nothing has been sent" in message
    assert "--deliver-again" in message
    assert sent == [], "nothing may be sent to an archive that lost the delivery"
    assert again.exit_status == 0, again.out[-3000:] + again.err
    assert again.ended["message"] == "all 3 files are valid"
