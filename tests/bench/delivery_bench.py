"""`uploader-gui bench delivery [--quick]`: whole deliveries through the CLI against the local
archive, and where their time goes.

Deliveries, each a fresh delivery id: 10,000 and 100,000 files of 1 KiB (`--small`), and one
file of 1 GiB (`--quick`: 200 files and 64 MiB). The CLI runs as a child process with `--json`
and each event is timestamped here as it arrives. The archive (moto and the reference
validator) runs, by `--archive`:
- `in-process`: in the client's own process (`transfer --sandbox`), sharing its interpreter and
  GIL, as the window ran it before it had a process of its own; its CPU is the client's;
- `bench`: in this process (the client has an interpreter of its own);
- `child`: in its own process, started as the window starts it (`sandbox.archive_client`).
By default `in-process` and `child`, one after the other, so their figures compare as ratios
taken in one run. Phases:

- setup: reading and hashing the files, connecting, the resume scan, the lock;
- pipeline start: label and index, the init step, waiting for "validation pipeline started";
- upload: from the first byte until the transfer engine has sent every file;
- verdict lag: waiting for the validator's last verdict after the last upload;
- finish: the `stop` row, the validator's own end, the lock release, the receipt.

Besides: files/s over the wall time, verdicts/s from the first verdict to the last, the CPU
seconds of the archive (bench: this process, so it includes reading the client's events; child:
the archive's process alone) and of the client, and the archive's memory (RSS) at the end.

The local archive is slow (moto) and shares the machine; these figures describe the client's
overheads and the protocol's waits, not real-archive throughput.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

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
ARCHIVE_MODES = ("in-process", "bench", "child")
DEFAULT_MODES = ("in-process", "child")


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
    parser.add_argument(
        "--archive",
        type=_modes,
        default=DEFAULT_MODES,
        metavar="MODE[,MODE]",
        help="where the archive runs: in-process (in the client), bench (in this process), "
        "child (its own process); default in-process,child",
    )


def _modes(text: str) -> tuple[str, ...]:
    modes = tuple(part.strip() for part in text.split(",") if part.strip())
    if not modes or set(modes) - set(ARCHIVE_MODES):
        raise argparse.ArgumentTypeError(f"expected some of {ARCHIVE_MODES}, not {text!r}")
    return modes


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
    archive_rss_bytes: int = 0

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
    counts = args.small or (QUICK_SMALL_COUNTS if args.quick else SMALL_COUNTS)
    big_bytes = 64 * 1024**2 if args.quick else 1024**3
    with tempfile.TemporaryDirectory(prefix="delivery-bench-") as folder:
        root = Path(folder)
        data = [
            (f"{count:,} × 1 KiB", _small_files(root / f"small-{count}", count)) for count in counts
        ]
        if not args.no_big:
            data.append((f"1 × {_size(big_bytes)}", _big_file(root / "big", big_bytes)))
        results: list[tuple[str, str, Timeline]] = []
        failures: list[str] = []
        for mode in args.archive:
            with archive_under_test(mode, root) as archive:
                for number, (name, source) in enumerate(data):
                    delivery_id = f"{mode.replace('-', '')}{number}"
                    results.append((name, mode, _deliver(root, source, archive, delivery_id, args)))
                failures += archive.failures()
    _print_report(results)
    if failures:
        print(f"the validator reported protocol errors: {failures}", file=sys.stderr)
        return 1
    return 0 if all(timeline.exit_status == 0 for _, _, timeline in results) else 1


class ArchiveUnderTest:
    """The archive a delivery goes to: its profile, and its CPU seconds and memory so far."""

    def __init__(
        self, profile: Path | None, process: psutil.Process | None, archive: Any = None
    ) -> None:
        self.profile = profile  # None: the client runs its own (`transfer --sandbox`)
        self._process = process
        self._archive = archive  # the LocalArchive in this process, whose failures can be read

    def cpu_s(self) -> float:
        if self._process is None:
            return 0.0  # counted in the client's
        times = self._process.cpu_times()
        return times.user + times.system

    def rss_bytes(self) -> int:
        return int(self._process.memory_info().rss) if self._process is not None else 0

    def failures(self) -> list[str]:
        # The child's own validator failures show in the client's exit status instead.
        return list(self._archive.validator_failures) if self._archive is not None else []


@contextlib.contextmanager
def archive_under_test(mode: str, root: Path) -> Iterator[ArchiveUnderTest]:
    if mode == "in-process":
        yield ArchiveUnderTest(None, None)
        return
    if mode == "bench":
        from uploader_gui.sandbox.archive import LocalArchive, SandboxOptions

        with LocalArchive(SandboxOptions(auto_accept=True, bucket_stem="bench")) as archive:
            profile = root / "profile.toml"
            archive.write_profile(profile)
            yield ArchiveUnderTest(profile, psutil.Process(), archive)
        return
    from uploader_gui.sandbox.archive_client import lease_local_archive

    home = root / "archive-home"
    payload = {"auto_accept": True, "bucket_stem": "bench"}
    lease = lease_local_archive(home, payload, profile_path=None, data_dir=home / "data")
    try:
        yield ArchiveUnderTest(lease.profile_path, psutil.Process(lease.record.pid))
    finally:
        lease.release()


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
    root: Path, data: Path, archive: ArchiveUnderTest, delivery_id: str, args: argparse.Namespace
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
        *(["--profile-file", str(archive.profile)] if archive.profile else ["--sandbox"]),
        "--json",
        "--concurrency",
        str(args.concurrency),
    ]
    started, cpu_started = time.monotonic(), archive.cpu_s()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    child = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    timeline = _follow(child, started)
    timeline.exit_status = child.wait()
    timeline.archive_cpu_s = archive.cpu_s() - cpu_started
    timeline.archive_rss_bytes = archive.rss_bytes()
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


def _print_report(results: list[tuple[str, str, Timeline]]) -> None:
    header = (
        f"{'delivery':<18}{'archive':>11}{'wall s':>9}{'files/s':>9}{'verdicts/s':>11}"
        f"{'archive CPU':>12}{'client CPU':>11}{'archive RSS':>12}"
        + "".join(f"{phase:>16}" for phase in PHASES)
    )
    print(header)
    for name, mode, timeline in results:
        wall = timeline.end_s
        durations = timeline.durations()
        cells = "".join(
            f"{durations[phase]:>9.1f} s{100 * durations[phase] / wall if wall else 0:>4.0f}%"
            for phase in PHASES
        )
        files_per_s = timeline.files / wall if wall else 0.0
        status = "" if timeline.exit_status == 0 else f"  (exit {timeline.exit_status})"
        archive_cpu = (
            f"{timeline.archive_cpu_s:.1f} s" if timeline.archive_rss_bytes else "in client"
        )
        rss = _size(timeline.archive_rss_bytes) if timeline.archive_rss_bytes else "in client"
        print(
            f"{name:<18}{mode:>11}{wall:>9.1f}{files_per_s:>9,.0f}"
            f"{timeline.verdicts_per_s:>11,.0f}{archive_cpu:>12}"
            f"{timeline.client_cpu_s:>9.1f} s{rss:>12}{cells}{status}"
        )
    for name, mode, timeline in results:
        upload_s = timeline.durations()["upload"]
        if upload_s > 0 and timeline.files:
            rate = f"{timeline.files / upload_s:,.0f} files/s, " if timeline.files > 1 else ""
            print(f"{name} ({mode}): upload {rate}{_size(timeline.bytes_total / upload_s)}/s")
    _print_ratios(results)


def _print_ratios(results: list[tuple[str, str, Timeline]]) -> None:
    """child ÷ in-process for each delivery run both ways (in one run: comparable)."""
    by_name: dict[str, dict[str, Timeline]] = {}
    for name, mode, timeline in results:
        by_name.setdefault(name, {})[mode] = timeline
    for name, modes in by_name.items():
        inside, child = modes.get("in-process"), modes.get("child")
        if inside is None or child is None:
            continue
        ratios = (
            ("wall", child.end_s, inside.end_s),
            ("verdicts/s", child.verdicts_per_s, inside.verdicts_per_s),
            ("client CPU", child.client_cpu_s, inside.client_cpu_s),
            (
                "client + archive CPU",
                child.client_cpu_s + child.archive_cpu_s,
                inside.client_cpu_s + inside.archive_cpu_s,
            ),
        )
        said = ", ".join(f"{what} {ours / theirs:.2f}" for what, ours, theirs in ratios if theirs)
        print(f"{name}, child ÷ in-process: {said}")
