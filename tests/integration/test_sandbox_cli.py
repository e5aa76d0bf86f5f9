"""`uploader-gui sandbox` as a person runs it: a separate process, a profile file, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import plain_boto3_client
from uploader_gui.app_dirs import app_dirs
from uploader_gui.cli import main
from uploader_gui.core.delivery.profile import load_profile

READY_LINE = "Press Ctrl-C to stop."


def start_sandbox(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "uploader_gui", "sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )


def read_until_ready(process: subprocess.Popen[str]) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if lines[-1] == READY_LINE:
            return lines
    raise AssertionError(f"sandbox exited before it was ready: {lines} {process.stderr!r}")


@pytest.mark.timeout(60)
@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_the_sandbox_writes_a_working_profile_and_stops_cleanly(
    stop_signal: signal.Signals, tmp_path: Path
) -> None:
    audit = tmp_path / "audit.jsonl"
    process = start_sandbox("--audit", str(audit))
    try:
        lines = read_until_ready(process)
        profile_path = app_dirs().profiles_dir / "local-archive.toml"
        assert f"Profile: {profile_path}" in lines
        profile = load_profile(profile_path)
        assert f"Local archive at {profile.endpoint_url}" in lines

        ssm = plain_boto3_client(profile, "ssm")
        parameter = ssm.get_parameter(Name=profile.network_config_parameter)["Parameter"]
        assert json.loads(parameter["Value"])["BUCKET_STEM"] == "fast"
    finally:
        process.send_signal(stop_signal)
        out, err = process.communicate(timeout=30)

    assert process.returncode == 0, err
    assert "Local archive stopped." in out
    operations = [json.loads(line)["operation"] for line in audit.read_text().splitlines()]
    assert operations == ["GetParameter"]


def test_the_sandbox_refuses_a_public_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile_path = tmp_path / "never.toml"

    exit_code = main(["sandbox", "--host", "0.0.0.0", "--profile-file", str(profile_path)])

    assert exit_code == 2
    assert "0.0.0.0" in capsys.readouterr().err
    assert not profile_path.exists()
