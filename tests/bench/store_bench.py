"""`uploader-gui bench store [--files N]`: wall time and peak memory to register N files in a
fresh state store, beside a bare `executemany` of the same rows into a plain table.

Each figure comes from its own fresh subprocess, so the peak RSS (`VmHWM` on Linux, where
`getrusage` inherits the parent's peak across exec; `resource.getrusage` elsewhere) is that of one
registration and nothing else (the store's run also opens the store and creates the
delivery, a few milliseconds); the ratio of the two runs is what to compare across
machines. The goal for a million files is at most 10 s and 300 MB peak.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.store.state_store import StateStore

DEFAULT_FILES = 1_000_000
GOAL_SECONDS = 10.0
GOAL_PEAK_RSS_MB = 300
_MIB = 1024 * 1024
_KINDS = ("reference", "store")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--files",
        type=int,
        default=DEFAULT_FILES,
        help=f"how many files to register (default {DEFAULT_FILES:,})",
    )


def benchmark_rows(count: int) -> Iterator[FileFingerprint]:
    """Rows like an index of a big delivery: directories in order, names in hash order within
    each (as `os.scandir` returns them), all with checksums."""
    for number in range(count):
        scrambled = (number * 2654435761) & 0xFFFFFFFF  # odd multiplier: unique for < 2**32 rows
        yield FileFingerprint(
            f"raw/{number // 1000:05d}/frame_{scrambled:08x}.fits",
            1_000_000 + number,
            1_700_000_000_000_000_000 + number,
            scrambled,
        )


@dataclass(frozen=True)
class Measurement:
    elapsed_s: float
    peak_rss_bytes: int | None
    rss_before_bytes: int | None


def run(args: argparse.Namespace) -> int:
    files = int(args.files)
    if files < 1:
        print("--files must be at least 1", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="store-bench-") as folder:
        try:
            results = {
                kind: _measure(kind, files, Path(folder) / f"{kind}.sqlite3") for kind in _KINDS
            }
        except subprocess.CalledProcessError as exc:
            print(f"the benchmark run failed:\n{exc.stderr}", file=sys.stderr)
            return 1
    _print_report(files, results["reference"], results["store"])
    return 0


def _measure(kind: str, files: int, db_path: Path) -> Measurement:
    completed = subprocess.run(
        [sys.executable, "-m", "tests.bench.store_bench", kind, str(files), str(db_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    values = json.loads(completed.stdout.strip().splitlines()[-1])
    return Measurement(**values)


def _print_report(files: int, reference: Measurement, store: Measurement) -> None:
    print(f"register {files:,} files          wall time    peak RSS (at start)")
    for name, figure in (("bare executemany, plain table", reference), ("state store", store)):
        print(f"  {name:<30} {figure.elapsed_s:8.2f} s   {_rss_text(figure)}")
    print(
        f"  {'ratio store / reference':<30} {store.elapsed_s / reference.elapsed_s:8.2f} ×", end=""
    )
    if store.peak_rss_bytes and reference.peak_rss_bytes:
        print(f"   {store.peak_rss_bytes / reference.peak_rss_bytes:8.2f} ×")
    else:
        print()
    goal = (
        f"goal for {DEFAULT_FILES:,} files: ≤ {GOAL_SECONDS:.0f} s and ≤ {GOAL_PEAK_RSS_MB} MB peak"
    )
    if files != DEFAULT_FILES:
        print(f"{goal} (run without --files to compare)")
        return
    meets_time = store.elapsed_s <= GOAL_SECONDS
    meets_memory = store.peak_rss_bytes is None or store.peak_rss_bytes <= GOAL_PEAK_RSS_MB * 10**6
    print(f"{goal} — {'met' if meets_time and meets_memory else 'NOT met'}")


def _rss_text(figure: Measurement) -> str:
    if figure.peak_rss_bytes is None or figure.rss_before_bytes is None:
        return "n/a on this platform"
    return f"{figure.peak_rss_bytes / _MIB:8.1f} MiB ({figure.rss_before_bytes / _MIB:.1f} MiB)"


def _peak_rss_bytes() -> int | None:
    """This process's peak resident memory, or None where it cannot be read (Windows)."""
    # Linux carries ru_maxrss over from the process that forked the child (here the whole CLI)
    # across exec; VmHWM belongs to the child's own address space, so prefer it there.
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024  # bytes on macOS, KiB else


def _register_in_store(files: int, db_path: Path) -> None:
    with StateStore(db_path) as store:
        key = store.create_delivery(
            profile_name="bench",
            dataset="bench",
            delivery_id="d1",
            transfer_type="local",
            source_root="/nonexistent/bench-source",
        )
        store.register_files(key, benchmark_rows(files))


def _register_in_plain_table(files: int, db_path: Path) -> None:
    connection = sqlite3.connect(db_path)
    connection.execute("CREATE TABLE files (delivery, state, path, size_bytes, mtime_ns, crc32)")
    with connection:
        connection.executemany(
            "INSERT INTO files VALUES (1, 'ready', ?, ?, ?, ?)", benchmark_rows(files)
        )
    connection.close()


def _child_main(argv: list[str]) -> int:
    kind, files, db_path = argv[0], int(argv[1]), Path(argv[2])
    register = _register_in_store if kind == "store" else _register_in_plain_table
    rss_before = _peak_rss_bytes()
    start = time.perf_counter()
    register(files, db_path)
    elapsed_s = time.perf_counter() - start
    print(
        json.dumps(
            {
                "elapsed_s": elapsed_s,
                "peak_rss_bytes": _peak_rss_bytes(),
                "rss_before_bytes": rss_before,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(_child_main(sys.argv[1:]))
