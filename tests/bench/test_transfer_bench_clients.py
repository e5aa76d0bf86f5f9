"""How the transfer benchmark runs its clients: a clean environment that trusts only the
benchmark's certificate, `awscrt` hidden from every botocore-based client, and a run that goes
on too long is killed rather than hanging the benchmark."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench import SOURCE_ROOT
from tests.bench.clients import client_environment, run_measured
from tests.bench.s3_servers import S3Endpoint


def _endpoint(tmp_path: Path) -> S3Endpoint:
    return S3Endpoint("test", "https://127.0.0.1:9", tmp_path / "ca.pem")


def test_clients_get_the_benchmark_credentials_and_never_the_persons_aws_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "personal")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://s3.example.com")
    environment = client_environment(_endpoint(tmp_path), tmp_path / "home", hide_awscrt=False)
    assert environment["AWS_CA_BUNDLE"] == str(tmp_path / "ca.pem")
    assert environment["AWS_CONFIG_FILE"].startswith(str(tmp_path / "home"))
    assert environment["AWS_SHARED_CREDENTIALS_FILE"].startswith(str(tmp_path / "home"))
    assert "AWS_PROFILE" not in environment
    assert "AWS_ENDPOINT_URL" not in environment
    # Only the source checkout, where the Python clients live: never the person's own path.
    assert environment["PYTHONPATH"] == str(SOURCE_ROOT)


def test_hidden_awscrt_cannot_be_imported_so_botocore_uses_zlib_crc32(tmp_path: Path) -> None:
    environment = client_environment(_endpoint(tmp_path), tmp_path / "home", hide_awscrt=True)
    probe = "import botocore.compat as c; print(c.HAS_CRT); import awscrt"
    completed = subprocess.run(
        [sys.executable, "-c", probe], env=environment, capture_output=True, text=True, check=False
    )
    assert completed.stdout.strip() == "False"
    assert "awscrt hidden by the transfer benchmark" in completed.stderr


def test_a_run_past_its_time_limit_is_killed_and_says_so(tmp_path: Path) -> None:
    measurement = run_measured(
        [sys.executable, "-c", "import time; time.sleep(60)"],
        {"PATH": ""},
        tmp_path / "run.log",
        timeout_s=0.5,
    )
    assert measurement.exit_code == -9
    assert "time.sleep(60)" in (tmp_path / "run.log").read_text()


def test_a_run_reports_its_exit_status_and_own_cpu(tmp_path: Path) -> None:
    burn = "import sys; sum(range(3_000_000)); sys.exit(3)"
    measurement = run_measured([sys.executable, "-c", burn], {}, tmp_path / "run.log", 60)
    assert measurement.exit_code == 3
    assert measurement.cpu_s > 0
    assert measurement.wall_s > 0
