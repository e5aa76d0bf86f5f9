"""`uploader-gui bench delivery [--quick]`: whole deliveries through the CLI against the local
archive, and where their time goes.

Deliveries, each a fresh delivery id: 10,000 and 100,000 files of 1 KiB (`--small`), and one
file of 1 GiB (`--quick`: 200 files and 64 MiB). The archive (moto and the reference validator)
runs in this process; the CLI runs as a child process with `--json`, so client and archive each
have an interpreter of their own, and each event is timestamped here as it arrives. Phases:

- setup: reading and hashing the files, connecting, the resume scan, the lock;
- pipeline start: label and index, the init step, waiting for "validation pipeline started";
- upload: from the first byte until the transfer engine has sent every file;
- verdict lag: waiting for the validator's last verdict after the last upload;
- finish: the `stop` row, the validator's own end, the lock release, the receipt.

Besides: files/s over the wall time, verdicts/s from the first verdict to the last, and the CPU
seconds of the archive (this process, so it includes reading the child's events) and of the
client (the child).

The local archive is slow (moto) and shares the machine; these figures describe the client's
overheads and the protocol's waits, not real-archive throughput.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from uploader_gui.app_dirs import HOME_ENV

SMALL_FILE_BYTES = 1024
SMALL_COUNTS = (10_000, 100_000)
QUICK_SMALL_COUNTS = (200,)
BIG_BLOCK_BYTES = 4 * 1024 * 1024
LABEL = """\
dataset: bench_set
delivery_id: '{delivery_id}'
time:
  delivery_start_date: 2025-01-15
filetypes:
  data:
    filename: '.*\\.fits$'
    standard: fits
delivery_meta:
  schema_version: 0.1.0
  global_validation_options:
    missing_filetypes_ok: true
"""
PHASES = ("setup", "pipeline start", "upload", "verdict lag", "finish")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--quick", action="store_true", help="200 small files and a 64 MiB file instead"
    )
    parser.add_argument(
        "--small",
        type=_counts,
        default=None,
        metavar="N[,N...]",
        help="how many 1 KiB files each small delivery has (default 10000,100000)",
    )
    parser.add_argument("--no-big", action="store_true", help="skip the one-big-file delivery")
    parser.add_argument("--concurrency", type=int, default=8, help="the CLI's --concurrency")


def _counts(text: str) -> tuple[int, ...]:
    counts = tuple(int(part) for part in text.split(",") if part.strip())
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"expected whole numbers above 0, not {text!r}")
    return counts


@dataclass
class Timeline:
    """When each phase began, from the child's events (seconds since it was started)."""

    marks: dict[str, float] = field(default_factory=dict)
    end_s: float = 0.0
    exit_status: int | None = None
    files: int = 0
    bytes_total: int = 0
    verdicts: int = 0
    first_verdict_s: float | None = None
    archive_cpu_s: float = 0.0
    client_cpu_s: float = 0.0

    @property
    def verdicts_per_s(self) -> float:
        """Verdicts from the first to the last, per second (0 when there are fewer than 2)."""
        last_s = self.marks.get("finish")
        if self.first_verdict_s is None or last_s is None or last_s <= self.first_verdict_s:
            return 0.0
        return (self.verdicts - 1) / (last_s - self.first_verdict_s)

    def mark(self, phase: str, at_s: float) -> None:
        self.marks.setdefault(phase, at_s)

    def durations(self) -> dict[str, float]:
        starts = [(phase, self.marks.get(phase)) for phase in PHASES]
        known = [(phase, at) for phase, at in starts if at is not None]
        result = dict.fromkeys(PHASES, 0.0)
        for (phase, at), (_, following) in zip(
            known, [*known[1:], ("end", self.end_s)], strict=True
        ):
            result[phase] = max(0.0, following - at)
        return result


def run(args: argparse.Namespace) -> int:
    from uploader_gui.sandbox.archive import LocalArchive, SandboxOptions

    counts = args.small or (QUICK_SMALL_COUNTS if args.quick else SMALL_COUNTS)
    big_bytes = 64 * 1024**2 if args.quick else 1024**3
    with tempfile.TemporaryDirectory(prefix="delivery-bench-") as folder:
        root = Path(folder)
        with LocalArchive(SandboxOptions(auto_accept=True, bucket_stem="bench")) as archive:
            profile = root / "profile.toml"
            archive.write_profile(profile)
            results = []
            for count in counts:
                small = _small_files(root / f"small-{count}", count)
                timeline = _deliver(root, small, profile, f"small{count}", args)
                results.append((f"{count:,} × 1 KiB", timeline))
            if not args.no_big:
                big = _big_file(root / "big", big_bytes)
                results.append(
                    (f"1 × {_size(big_bytes)}", _deliver(root, big, profile, "big", args))
                )
        failures = list(archive.validator_failures)
    _print_report(results)
    if failures:
        print(f"the validator reported protocol errors: {failures}", file=sys.stderr)
        return 1
    return 0 if all(timeline.exit_status == 0 for _, timeline in results) else 1


def _small_files(folder: Path, count: int) -> Path:
    for number in range(count):
        path = folder / f"d{number // 500:03d}" / f"f{number:06d}.fits"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(number.to_bytes(4, "big") * (SMALL_FILE_BYTES // 4))
    return folder


def _big_file(folder: Path, size_bytes: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    block = os.urandom(BIG_BLOCK_BYTES)
    with (folder / "big.fits").open("wb") as stream:
        for offset in range(0, size_bytes, BIG_BLOCK_BYTES):
            stream.write(block[: min(BIG_BLOCK_BYTES, size_bytes - offset)])
    return folder


def _deliver(
    root: Path, data: Path, profile: Path, delivery_id: str, args: argparse.Namespace
) -> Timeline:
    label = root / f"label-{delivery_id}.yaml"
    label.write_text(LABEL.format(delivery_id=delivery_id), encoding="utf-8")
    env = dict(os.environ, **{HOME_ENV: str(root / f"home-{delivery_id}")})
    code = "import sys; from uploader_gui.cli import main; sys.exit(main(sys.argv[1:]))"
    argv = [
        sys.executable,
        "-c",
        code,
        "transfer",
        str(data),
        str(label),
        "--profile-file",
        str(profile),
        "--json",
        "--concurrency",
        str(args.concurrency),
    ]
    started, cpu_started = time.monotonic(), time.process_time()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    child = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    timeline = _follow(child, started)
    timeline.exit_status = child.wait()
    timeline.archive_cpu_s = time.process_time() - cpu_started
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    timeline.client_cpu_s = (children_after.ru_utime - children_before.ru_utime) + (
        children_after.ru_stime - children_before.ru_stime
    )
    if timeline.exit_status != 0:
        print(child.stderr.read() if child.stderr else "", file=sys.stderr)
    return timeline


def _follow(child: subprocess.Popen[str], started: float) -> Timeline:
    timeline = Timeline()
    assert child.stdout is not None
    for line in child.stdout:
        at_s = time.monotonic() - started
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        kind = event["event"]
        if kind == "SessionStateChanged":
            state = event["state"]
            if state == "checking":
                timeline.mark("setup", 0.0)
            elif state == "starting pipeline":
                timeline.mark("pipeline start", at_s)
            elif state == "transferring":
                timeline.mark("upload", at_s)
        elif kind == "TransferRunEnded":
            timeline.mark("verdict lag", at_s)
        elif kind == "VerdictReceived":
            timeline.marks["finish"] = at_s  # the last verdict ends the wait for verdicts
            timeline.verdicts += 1
            if timeline.first_verdict_s is None:
                timeline.first_verdict_s = at_s
        elif kind == "SessionPlanned":
            timeline.files, timeline.bytes_total = event["files_total"], event["bytes_to_send"]
        elif kind == "SessionEnded":
            timeline.end_s = at_s
    return timeline


def _size(size_bytes: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size_bytes < 1024 or unit == "GiB":
            return f"{size_bytes:.0f} {unit}" if unit == "B" else f"{size_bytes:.1f} {unit}"
        size_bytes /= 1024
    return f"{size_bytes:.1f} GiB"


def _print_report(results: list[tuple[str, Timeline]]) -> None:
    header = (
        f"{'delivery':<18}{'wall s':>9}{'files/s':>9}{'verdicts/s':>11}{'archive CPU':>12}"
        f"{'client CPU':>11}" + "".join(f"{phase:>16}" for phase in PHASES)
    )
    print(header)
    for name, timeline in results:
        wall = timeline.end_s
        durations = timeline.durations()
        cells = "".join(
            f"{durations[phase]:>9.1f} s{100 * durations[phase] / wall if wall else 0:>4.0f}%"
            for phase in PHASES
        )
        files_per_s = timeline.files / wall if wall else 0.0
        status = "" if timeline.exit_status == 0 else f"  (exit {timeline.exit_status})"
        print(
            f"{name:<18}{wall:>9.1f}{files_per_s:>9,.0f}{timeline.verdicts_per_s:>11,.0f}"
            f"{timeline.archive_cpu_s:>10.1f} s{timeline.client_cpu_s:>9.1f} s{cells}{status}"
        )
    for name, timeline in results:
        upload_s = timeline.durations()["upload"]
        if upload_s > 0 and timeline.files:
            rate = f"{timeline.files / upload_s:,.0f} files/s, " if timeline.files > 1 else ""
            print(f"{name}: upload {rate}{_size(timeline.bytes_total / upload_s)}/s")
