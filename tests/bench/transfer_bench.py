"""`uploader-gui bench transfer [--quick]`: our transfer engine against s5cmd, rclone,
`aws s3 cp` and boto3's `upload_file`, on the same local S3 servers, in one run.

Three workloads: one big file (512 MiB; `--quick` 64 MiB) sent to the TLS PUT sink, which never
limits a client, and many small files (2,000 × 64 KiB; `--quick` 200) sent to SeaweedFS, a real
object store, once over HTTPS and once over plain HTTP (the local archive's case). After each
client's first run, what the server stored is checked: the big object's CRC32 by HeadObject, and
the small objects' (up to `CRC_SAMPLE` of them, spread over the set) against the files'.

Each client runs as its own process; clients take turns (A B C … then … C B A, the order
reversed every round) because this machine drifts by up to 1.5× within half an hour, and every
ratio to s5cmd is taken within one round, then the median over rounds is shown.

After the table come our engine's pause latency and the bytes it re-sends after a SIGKILL
(`ours_probes.py`), and last, one JSON line with every figure (see `summary_json`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bench import ours_client, ours_probes
from tests.bench.clients import (
    BenchClient,
    RunMeasurement,
    client_environment,
    find_clients,
    run_measured,
)
from tests.bench.s3_servers import (
    S3Endpoint,
    ServerUnavailable,
    make_tls_files,
    s3_client,
    seaweedfs_server,
    sink_server,
)
from tests.bench.transfer_report import (
    ClientFigures,
    ProbeFigures,
    WorkloadResult,
    print_goals,
    print_probes,
    print_workload,
    summary_json,
)
from uploader_gui.core.checksums.crc32 import crc32_of_file, crc32_to_base64

_MIB = 1024 * 1024
_KIB = 1024
FULL = {"big_mib": 512, "files": 2000, "file_kib": 64, "rounds": 3, "probe_mib": 512}
QUICK = {"big_mib": 64, "files": 200, "file_kib": 64, "rounds": 2, "probe_mib": 256}
_SERVERS = ("sink", "seaweedfs")
CRC_SAMPLE = 200  # small objects whose stored CRC32 is checked per client and workload


@dataclass(frozen=True)
class Workload:
    name: str  # "big" or "small": the JSON key
    title: str
    source: Path  # the file (big) or the folder of files (small)
    file_count: int
    total_bytes: int
    endpoint: S3Endpoint


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quick", action="store_true", help="64 MiB and 200 files, 2 rounds (under a minute)"
    )
    parser.add_argument("--rounds", type=int, help="turns per client (default 3; --quick 2)")
    parser.add_argument("--big-mib", type=int, help="size of the big file in MiB (default 512)")
    parser.add_argument("--files", type=int, help="how many small files (default 2,000)")
    parser.add_argument("--file-kib", type=int, help="size of each small file in KiB (64)")
    parser.add_argument(
        "--probe-mib", type=int, help="file for the pause and kill probes (512; --quick 256)"
    )
    parser.add_argument("--big-server", choices=_SERVERS, default="sink")
    parser.add_argument("--small-server", choices=_SERVERS, default="seaweedfs")
    parser.add_argument(
        "--keep", metavar="FOLDER", help="work in FOLDER and keep the client logs there"
    )


def run(args: argparse.Namespace) -> int:
    if not hasattr(os, "wait4"):
        print("the transfer benchmark needs Linux or macOS (os.wait4)", file=sys.stderr)
        return 1
    sizes = _sizes(args)
    if min(sizes.values()) < 1:
        print("--rounds, --big-mib, --files and --file-kib must be at least 1", file=sys.stderr)
        return 2
    clients, missing = find_clients(ours_client.problem())
    for name, reason in missing.items():
        print(f"left out: {name} ({reason})")
    with _work_folder(args.keep) as folder:
        try:
            with _servers(folder, args) as servers:
                workloads = _make_workloads(folder, sizes, servers, args)
                results = _run_rounds(folder, clients, workloads, sizes["rounds"])
                probes = _run_probes(folder, servers["sink"], missing, sizes)
        except ServerUnavailable as error:
            print(f"cannot run the transfer benchmark: {error}", file=sys.stderr)
            return 1
        for workload in workloads:
            print_workload(results[workload.name])
        print_probes(probes)
        is_full_size = all(sizes[name] == FULL[name] for name in ("big_mib", "files", "file_kib"))
        print_goals(results, is_full_size=is_full_size)
        print(json.dumps(summary_json(results, probes, missing, sizes)))
    return 0


def _sizes(args: argparse.Namespace) -> dict[str, int]:
    base = QUICK if args.quick else FULL
    chosen = {
        "big_mib": args.big_mib,
        "files": args.files,
        "file_kib": args.file_kib,
        "rounds": args.rounds,
        "probe_mib": args.probe_mib,
    }
    return {name: base[name] if value is None else int(value) for name, value in chosen.items()}


@contextlib.contextmanager
def _work_folder(keep: str | None) -> Iterator[Path]:
    if keep:
        folder = Path(keep)
        folder.mkdir(parents=True, exist_ok=True)
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix="transfer-bench-") as name:
        yield Path(name)


@contextlib.contextmanager
def _servers(folder: Path, args: argparse.Namespace) -> Iterator[dict[str, S3Endpoint]]:
    tls = make_tls_files(folder)
    with contextlib.ExitStack() as stack:
        servers = {"sink": stack.enter_context(sink_server(folder, tls))}
        if "seaweedfs" in (args.big_server, args.small_server):
            servers["seaweedfs"] = stack.enter_context(seaweedfs_server(folder, tls))
        servers["seaweedfs-http"] = stack.enter_context(
            seaweedfs_server(folder, tls, plain_http=True)
        )
        for endpoint in servers.values():
            _warm_up(endpoint)
        yield servers


def _warm_up(endpoint: S3Endpoint) -> None:
    """SeaweedFS makes a bucket's volumes at its first write, ~1 s that would fall on
    whichever client comes first."""
    client = s3_client(endpoint)
    for number in range(8):
        client.put_object(Bucket=endpoint.bucket, Key=f"warm-up/{number}", Body=b"x" * 65536)


def _make_workloads(
    folder: Path, sizes: dict[str, int], servers: dict[str, S3Endpoint], args: argparse.Namespace
) -> list[Workload]:
    big_path = folder / "big.bin"
    _write_random(big_path, sizes["big_mib"] * _MIB)
    small_folder = folder / "small"
    small_folder.mkdir(exist_ok=True)
    file_bytes = sizes["file_kib"] * _KIB
    for number in range(sizes["files"]):
        _write_random(small_folder / f"file{number:05d}.bin", file_bytes)
    for source in (big_path, small_folder):
        ours_client.write_index(source, Path(str(source) + ours_client.INDEX_SUFFIX))
    big_endpoint, small_endpoint = servers[args.big_server], servers[args.small_server]
    return [
        Workload(
            "big",
            f"one {sizes['big_mib']:,} MiB file → {big_endpoint.name} (HTTPS)",
            big_path,
            1,
            sizes["big_mib"] * _MIB,
            big_endpoint,
        ),
        Workload(
            "small",
            f"{sizes['files']:,} × {sizes['file_kib']} KiB files → {small_endpoint.name} (HTTPS)",
            small_folder,
            sizes["files"],
            sizes["files"] * file_bytes,
            small_endpoint,
        ),
        Workload(
            "small-http",
            f"{sizes['files']:,} × {sizes['file_kib']} KiB files → SeaweedFS (plain HTTP)",
            small_folder,
            sizes["files"],
            sizes["files"] * file_bytes,
            servers["seaweedfs-http"],
        ),
    ]


def _write_random(path: Path, size_bytes: int) -> None:
    with path.open("wb") as file:
        left = size_bytes
        while left:
            piece = min(left, 8 * _MIB)
            file.write(os.urandom(piece))
            left -= piece


def _run_rounds(
    folder: Path, clients: list[BenchClient], workloads: list[Workload], rounds: int
) -> dict[str, WorkloadResult]:
    results = {
        workload.name: WorkloadResult(
            workload.name,
            workload.title,
            workload.file_count,
            workload.total_bytes,
            {client.name: ClientFigures(client.label) for client in clients},
        )
        for workload in workloads
    }
    for workload in workloads:
        environment = client_environment(workload.endpoint, folder / "client-home")
        for round_number in range(rounds):
            # A B C … then … C B A: a steady drift weighs on every client alike.
            order = clients if round_number % 2 == 0 else clients[::-1]
            for client in order:
                key = f"{workload.name}/{client.name}/round{round_number}"
                if workload.name == "big":  # our engine's key is the index path
                    key = f"{key}/{workload.source.name}"
                measurement = _run_one(folder, client, workload, key, environment)
                print(
                    f"{workload.name} round {round_number + 1}/{rounds}: {client.name} "
                    f"{measurement.wall_s:.2f} s",
                    file=sys.stderr,
                    flush=True,
                )
                figures = results[workload.name].clients[client.name]
                figures.runs.append(measurement)
                figures.problems.extend(_check_upload(workload, key, measurement))
                if not figures.problems and not figures.head_checksum:
                    figures.head_checksum = _stored_checksums(workload, key)
                figures.round_numbers.append(round_number)
    return results


def _run_one(
    folder: Path,
    client: BenchClient,
    workload: Workload,
    key: str,
    environment: dict[str, str],
) -> RunMeasurement:
    build = client.big_argv if workload.name == "big" else client.many_argv
    argv = build(workload.endpoint, workload.source, key)
    timeout_s = 120 + workload.total_bytes / 5e6 + workload.file_count * 0.05
    log_path = folder / f"{workload.name}-{client.name}.log"
    return run_measured(argv, client.environment(environment), log_path, timeout_s)


def _check_upload(workload: Workload, key: str, measurement: RunMeasurement) -> list[str]:
    """Why this run's figures cannot be trusted (exit status, objects missing), if they can't."""
    from botocore.exceptions import BotoCoreError, ClientError

    if measurement.exit_code != 0:
        return [f"exited with status {measurement.exit_code}"]
    try:
        return _check_stored(workload, key)
    except (BotoCoreError, ClientError) as error:
        return [f"cannot check what was stored: {error}"]


def _check_stored(workload: Workload, key: str) -> list[str]:
    client = s3_client(workload.endpoint)
    if workload.name == "big":
        size = client.head_object(Bucket=workload.endpoint.bucket, Key=key)["ContentLength"]
        return [] if size == workload.total_bytes else [f"stored {size:,} bytes"]
    listed = 0
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=workload.endpoint.bucket, Prefix=f"{key}/"
    ):
        listed += sum(1 for item in page.get("Contents", []) if item["Size"] > 0)
    return [] if listed == workload.file_count else [f"only {listed:,} objects stored"]


def _stored_checksums(workload: Workload, key: str) -> str:
    """What the server stored as CRC32, for the table's last column."""
    if workload.name == "big":
        return _head_checksum(workload, key)
    return _small_checksums(workload, key)


def _head_checksum(workload: Workload, key: str) -> str:
    """What HeadObject (ChecksumMode=ENABLED) says about the big object's CRC32: only a
    FULL_OBJECT value equal to the file's CRC32 passes validation (PROTOCOL.md §6.1)."""
    client = s3_client(workload.endpoint)
    head: dict[str, Any] = client.head_object(
        Bucket=workload.endpoint.bucket, Key=key, ChecksumMode="ENABLED"
    )
    value = head.get("ChecksumCRC32")
    if not value:
        return "none"
    kind = head.get("ChecksumType", "?")
    expected = crc32_to_base64(crc32_of_file(workload.source)[0])
    return f"{kind} {'= file' if value == expected else value}"


def _small_checksums(workload: Workload, key: str) -> str:
    """How many of up to `CRC_SAMPLE` small objects carry their file's CRC32 ("200/200 = file"),
    or "none" when the server stored none for them (the client sent none)."""
    index_path = Path(str(workload.source) + ours_client.INDEX_SUFFIX)
    expected = {name: crc for name, _, _, crc in json.loads(index_path.read_text("utf-8"))}
    names = sorted(expected)
    step = max(1, len(names) // CRC_SAMPLE)
    sample = names[::step][:CRC_SAMPLE]
    client = s3_client(workload.endpoint)
    stored = [
        client.head_object(
            Bucket=workload.endpoint.bucket, Key=f"{key}/{name}", ChecksumMode="ENABLED"
        ).get("ChecksumCRC32")
        for name in sample
    ]
    if not any(stored):
        return "none"
    matching = sum(value == expected[name] for name, value in zip(sample, stored, strict=True))
    return f"{matching}/{len(sample)} = file"


def _run_probes(
    folder: Path, sink: S3Endpoint, missing: dict[str, str], sizes: dict[str, int]
) -> ProbeFigures:
    if "ours" in missing:
        return ProbeFigures(None, None, [f"ours is missing: {missing['ours']}"])
    size_bytes = sizes["probe_mib"] * _MIB
    notes = []
    if size_bytes < ours_probes.smallest_probe_bytes():
        size_bytes = ours_probes.smallest_probe_bytes()
        notes.append(f"probe file raised to {size_bytes // _MIB} MiB: it must be multipart")
    probes = ours_probes.run_probes(folder, sink, size_bytes, sizes["rounds"])
    return ProbeFigures(
        probes.pause_latency_s, probes.resent_bytes_after_kill, notes + probes.notes
    )
