"""`uploader-gui bench archive-memory [--mib N]`: the local archive's memory, in memory vs on disk.

One delivery of N MiB (default 256, in files of `--file-mib` MiB) through the CLI, twice: to a
local archive that keeps objects in memory (moto's default) and to one with a data folder
(`SandboxOptions.data_dir`, object bodies in files). Each archive runs in a process of its own
(`tests.archive_process`), so its resident memory is sampled alone, every 0.2 s while the
delivery runs. Printed side by side: the archive's RSS before the delivery, its peak and its RSS
at the end, with the delivery's wall time. Figures, not thresholds (the issue's target is a flat
archive, ≤ 300 MB, on disk).
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tests.archive_process import archive_process, rss_bytes
from tests.bench.delivery_bench import LABEL
from uploader_gui.app_dirs import HOME_ENV

MIB = 1024 * 1024
SAMPLE_S = 0.2


@dataclass(frozen=True)
class MemoryRun:
    mode: str
    exit_status: int
    wall_s: float
    rss_before: int
    rss_peak: int
    rss_end: int


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mib", type=int, default=256, help="MiB delivered (default 256)")
    parser.add_argument("--file-mib", type=int, default=4, help="MiB per file (default 4)")


def _make_folder(folder: Path, total_mib: int, file_mib: int) -> None:
    folder.mkdir(parents=True)
    for number in range(max(1, total_mib // max(1, file_mib))):
        with (folder / f"f{number:05d}.fits").open("wb") as file:
            for _ in range(file_mib):
                file.write(os.urandom(MIB))


class _Sampler:
    """The peak RSS of one process, sampled on a thread until `stop()`."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self.peak = rss_bytes(pid) or 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.wait(SAMPLE_S):
            self.peak = max(self.peak, rss_bytes(self._pid) or 0)

    def stop(self) -> int:
        self._stopping.set()
        self._thread.join()
        return self.peak


def _deliver(root: Path, folder: Path, mode: str) -> MemoryRun:
    delivery_id = secrets.token_hex(3)
    label = root / f"label-{delivery_id}.yaml"
    label.write_text(LABEL.format(delivery_id=delivery_id), "utf-8")
    profile = root / f"profile-{mode}.toml"
    data_dir = root / "archive-data" if mode == "on disk" else None
    stem = f"m{secrets.token_hex(3)}"
    env = dict(os.environ, **{HOME_ENV: str(root / f"home-{delivery_id}")})
    code = "import sys; from uploader_gui.cli import main; sys.exit(main(sys.argv[1:]))"
    argv = [sys.executable, "-c", code, "transfer", str(folder), str(label)]
    argv += ["--profile-file", str(profile)]
    with archive_process(stem, data_dir, profile) as archive:
        before = rss_bytes(archive.pid) or 0
        sampler = _Sampler(archive.pid)
        started = time.monotonic()
        cli = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        wall_s = time.monotonic() - started
        peak = sampler.stop()
        end = rss_bytes(archive.pid) or 0
    if cli.returncode != 0:
        print(f"  the {mode} delivery failed ({cli.returncode}): {cli.stderr[-2000:]}")
    return MemoryRun(mode, cli.returncode, wall_s, before, max(peak, end), end)


def run(args: argparse.Namespace) -> int:
    if rss_bytes(os.getpid()) is None:
        print("archive-memory needs /proc (Linux) to read a process's RSS")
        return 2
    with tempfile.TemporaryDirectory(prefix="archive-memory-") as temporary:
        root = Path(temporary)
        folder = root / "data"
        _make_folder(folder, args.mib, args.file_mib)
        sent = sum(path.stat().st_size for path in folder.iterdir()) / MIB
        print(f"delivering {sent:,.0f} MiB in files of {args.file_mib} MiB, twice")
        runs = [_deliver(root, folder, mode) for mode in ("in memory", "on disk")]
    print(f"{'archive':<10} {'wall s':>7} {'RSS before':>11} {'RSS peak':>9} {'RSS end':>8}")
    for item in runs:
        print(
            f"{item.mode:<10} {item.wall_s:>7.1f} {item.rss_before / MIB:>9.0f}MB "
            f"{item.rss_peak / MIB:>7.0f}MB {item.rss_end / MIB:>6.0f}MB"
            + ("" if item.exit_status == 0 else "  (failed)")
        )
    return 0 if all(item.exit_status == 0 for item in runs) else 1
