"""`uploader-gui bench index`: folder-index throughput as a ratio to `cat` on the same files.

Builds, in a temporary folder, one 1 GiB file and 10,000 files of 16 KiB (`--quick`: 128 MiB and
2,000), reads everything once so the page cache is warm for every contender, then interleaves
`cat FILES > /dev/null` and our index with checksums (walk, hash, write the CSV) with 1 worker
and with 2 on each part of the tree: cat, index 1, index 2, cat, ... so that load from other
programs hits all of them alike. The best run of each is compared: index/cat (GB/s over GB/s;
at least 0.5 is required, 0.8 is the goal) and the speed-up from 1 to 2 workers (goal 1.7 on
2 cores), with files/s and MiB/s, the cores each best run got (CPU seconds of this process and
its workers over wall seconds: on a shared machine a speed-up needs 2 cores free) and the load
average. `cat`'s time includes starting its process (about a millisecond). It also prints each
importable CRC32 implementation's speed on an in-memory buffer, which is why the index uses the
one it uses.

Exit status: 0 when every index/cat ratio reaches the floor, 1 when one does not.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from tests.bench.cpu_use import cpu_seconds
from uploader_gui.core.checksums.crc32 import (
    DEFAULT_CHUNK_BYTES,
    FASTEST_CRC32,
    Crc32Implementation,
    available_crc32_implementations,
    read_files,
)
from uploader_gui.core.delivery.folder_index import IndexOptions, build_folder_index
from uploader_gui.core.delivery.index_file import write_index

MIB = 1024 * 1024
RATIO_FLOOR = 0.5
RATIO_GOAL = 0.8
SCALING_GOAL = 1.7
CRC_BUFFER_SIZES = (16 * 1024, DEFAULT_CHUNK_BYTES)
CRC_SECONDS_PER_FIGURE = 0.3


@dataclass(frozen=True)
class TreeShape:
    big_file_bytes: int
    small_files: int
    small_file_bytes: int = 16 * 1024


FULL = TreeShape(big_file_bytes=1024 * MIB, small_files=10_000)
QUICK = TreeShape(big_file_bytes=128 * MIB, small_files=2_000)


@dataclass(frozen=True)
class Scope:
    """Part of the tree timed on its own: a folder and the files `cat` reads there."""

    label: str
    folder: Path
    files: tuple[str, ...]
    size_bytes: int

    def sizes(self) -> list[tuple[str, int]]:
        return [(name, (self.folder / name).stat().st_size) for name in self.files]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="smaller tree, fewer runs (< 20 s)")
    parser.add_argument("--rounds", type=int, help="cat/index pairs per part (default 3, quick 2)")
    parser.add_argument("--dir", type=Path, help="where to build the temporary tree")
    parser.add_argument("--big-mib", type=int, help="size of the big file in MiB (overrides)")
    parser.add_argument("--small-files", type=int, help="number of 16 KiB files (overrides)")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="evict the tree's files from the page cache before every run (POSIX only)",
    )


def run(args: argparse.Namespace) -> int:
    shape = _shape(args)
    rounds = args.rounds or (2 if args.quick else 3)
    options = IndexOptions()
    print(
        f"bench index: {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, CRC32 by {FASTEST_CRC32.name}, {options.workers} reading "
        f"threads, {options.chunk_bytes // MIB} MiB reads; load average {_load_average()}",
        flush=True,
    )
    _print_crc32_speeds(available_crc32_implementations())
    _print_thread_speedup(FASTEST_CRC32)
    cat = shutil.which("cat")
    with tempfile.TemporaryDirectory(prefix="uploader-gui-bench-", dir=args.dir) as temporary:
        work = Path(temporary)
        scopes = _build_tree(work / "tree", shape)
        print(
            f"tree: 1 file of {shape.big_file_bytes / MIB:,.0f} MiB and {shape.small_files:,} "
            f"files of {shape.small_file_bytes // 1024} KiB; page cache "
            f"{'COLD (evicted before every run)' if args.cold else 'warm'} for every contender "
            f"alike; best of {rounds} interleaved runs (cat, index with 1 worker, with 2, ...)",
            flush=True,
        )
        cold = bool(args.cold) and hasattr(os, "posix_fadvise")
        results = [_time_scope(s, cat, options, work / "index.csv", rounds, cold) for s in scopes]
    return _verdict(results)


def _shape(args: argparse.Namespace) -> TreeShape:
    base = QUICK if args.quick else FULL
    big = args.big_mib * MIB if args.big_mib is not None else base.big_file_bytes
    small = args.small_files if args.small_files is not None else base.small_files
    return TreeShape(big, small, base.small_file_bytes)


def _print_crc32_speeds(implementations: tuple[Crc32Implementation, ...]) -> None:
    sizes = "   ".join(f"{_size_label(size):>8}" for size in CRC_BUFFER_SIZES)
    print(f"CRC32 on an in-memory buffer, GB/s:    {sizes}")
    names = {implementation.name for implementation in implementations}
    for implementation in implementations:
        speeds = "   ".join(
            f"{_crc32_speed(implementation, size) / 1e9:8.2f}" for size in CRC_BUFFER_SIZES
        )
        chosen = "   <- used" if implementation.name == FASTEST_CRC32.name else ""
        print(f"  {implementation.name:<36}{speeds}{chosen}", flush=True)
    for missing in ("isal", "zlib-ng", "awscrt"):
        if missing not in names:
            print(f"  {missing:<36}not installed")


def _print_thread_speedup(implementation: Crc32Implementation) -> None:
    """How much faster two threads hash than one: above 1 only if the GIL is released.

    1 MiB buffers stay in each core's cache, so this measures the GIL, not memory bandwidth.
    """
    buffers = [memoryview(os.urandom(MIB)) for _ in range(2)]
    started = time.perf_counter()
    for _ in range(100):
        implementation.function(buffers[0], 0)
    calls = max(100, int(100 * CRC_SECONDS_PER_FIGURE / (time.perf_counter() - started)))

    def hash_calls(buffer: memoryview) -> None:
        for _ in range(calls):
            implementation.function(buffer, 0)

    started = time.perf_counter()
    for buffer in buffers:
        hash_calls(buffer)
    one_thread_s = time.perf_counter() - started
    threads = [threading.Thread(target=hash_calls, args=(buffer,)) for buffer in buffers]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    two_threads_s = time.perf_counter() - started
    print(
        f"  two threads hash 1 MiB buffers {one_thread_s / two_threads_s:.2f}x as fast as one "
        f"with {implementation.name} (2.0 = the GIL is released; {os.cpu_count()} CPUs)",
        flush=True,
    )


def _crc32_speed(implementation: Crc32Implementation, size_bytes: int) -> float:
    buffer = memoryview(os.urandom(size_bytes))
    done_bytes, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < CRC_SECONDS_PER_FIGURE:
        for _ in range(max(1, (64 * MIB) // size_bytes)):
            implementation.function(buffer, 0)
        done_bytes += max(1, (64 * MIB) // size_bytes) * size_bytes
    return done_bytes / elapsed


def _size_label(size_bytes: int) -> str:
    return f"{size_bytes // MIB} MiB" if size_bytes >= MIB else f"{size_bytes // 1024} KiB"


def _build_tree(root: Path, shape: TreeShape) -> list[Scope]:
    big_folder, small_folder = root / "big", root / "small"
    big_folder.mkdir(parents=True)
    small_folder.mkdir()
    block = os.urandom(8 * MIB)
    with (big_folder / "big.bin").open("wb") as stream:
        remaining = shape.big_file_bytes
        while remaining > 0:
            stream.write(block[: min(remaining, len(block))])
            remaining -= min(remaining, len(block))
    small_names = [f"{n:05d}.bin" for n in range(shape.small_files)]
    for name in small_names:
        (small_folder / name).write_bytes(os.urandom(shape.small_file_bytes))
    small_bytes = shape.small_files * shape.small_file_bytes
    return [
        Scope(
            f"1 file of {_mib(shape.big_file_bytes)}",
            big_folder,
            ("big.bin",),
            shape.big_file_bytes,
        ),
        Scope(
            f"{shape.small_files:,} files of {shape.small_file_bytes // 1024} KiB",
            small_folder,
            tuple(small_names),
            small_bytes,
        ),
        Scope(
            "the whole tree",
            root,
            ("big/big.bin", *(f"small/{name}" for name in small_names)),
            shape.big_file_bytes + small_bytes,
        ),
    ]


def _mib(size_bytes: int) -> str:
    return f"{size_bytes / MIB:,.0f} MiB"


@dataclass(frozen=True)
class ScopeResult:
    """Best times of one part of the tree: cat, and the index with 1 and with 2 workers."""

    scope: Scope
    files: int
    best_s: dict[str, float]
    cores: dict[str, float]

    def rate(self, name: str) -> float:
        return self.scope.size_bytes / self.best_s[name]

    def ratios(self) -> tuple[float | None, float, float]:
        """(index with every worker / cat, index and hashing alone: 2 workers / 1 worker)."""
        to_cat = self.rate("index") / self.rate("cat") if "cat" in self.best_s else None
        index_scaling = self.best_s["index 1 worker"] / self.best_s["index"]
        return to_cat, index_scaling, self.best_s["hash 1 worker"] / self.best_s["hash"]


def _evict(scope: Scope) -> None:
    """Drop this tree's pages (only its own: the machine's page cache is shared) from the cache."""
    for name in scope.files:
        fd = os.open(scope.folder / name, os.O_RDONLY)
        try:
            os.fsync(fd)  # dirty pages cannot be dropped
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def _time_scope(
    scope: Scope, cat: str | None, options: IndexOptions, output: Path, rounds: int, cold: bool
) -> ScopeResult:
    def index_with(workers: int) -> Callable[[], None]:
        chosen = replace(options, workers=workers)
        return lambda: write_index(build_folder_index(scope.folder, chosen), output)

    def cat_files() -> None:
        assert cat is not None
        subprocess.run([cat, *scope.files], cwd=scope.folder, stdout=subprocess.DEVNULL, check=True)

    def hash_with(workers: int) -> Callable[[], None]:
        files = [_File(str(scope.folder / name), size) for name, size in scope.sizes()]
        return lambda: _drain(read_files(files, workers=workers, allow_processes=True))

    workers = max(2, options.workers)
    contenders: list[tuple[str, Callable[[], None]]] = [
        ("index 1 worker", index_with(1)),
        ("index", index_with(workers)),
        ("hash 1 worker", hash_with(1)),
        ("hash", hash_with(workers)),
    ]
    if cat is not None:
        contenders.insert(0, ("cat", cat_files))
    for _, contender in contenders:  # warm the page cache (and the code, the workers) alike
        contender()
    best = {name: float("inf") for name, _ in contenders}
    cores = dict.fromkeys(best, 0.0)  # in the best run: CPU seconds / wall seconds
    for _ in range(rounds):  # interleaved: a burst of load elsewhere hits every contender
        for name, contender in contenders:
            if cold:
                _evict(scope)
            cpu_before, started = cpu_seconds(), time.perf_counter()
            contender()
            elapsed_s = time.perf_counter() - started
            if elapsed_s < best[name]:
                best[name] = elapsed_s
                cores[name] = (cpu_seconds() - cpu_before) / elapsed_s
    result = ScopeResult(scope, len(scope.files), best, cores)
    _print_scope(result, max(2, options.workers))
    return result


def _print_scope(result: ScopeResult, workers: int) -> None:
    to_cat, scaling, hash_scaling = result.ratios()

    def rates(name: str) -> str:
        files_per_s = result.files / result.best_s[name]
        return (
            f"{files_per_s:9,.0f} files/s {result.rate(name) / MIB:7,.0f} MiB/s "
            f"({result.cores[name]:.2f} cores)"
        )

    cat = f"cat {rates('cat')}" if "cat" in result.best_s else "no `cat` here"
    print(f"  {result.scope.label}: {cat}", flush=True)
    print(f"    index, 1 worker   {rates('index 1 worker')}")
    print(f"    index, {workers} workers  {rates('index')}   x{scaling:.2f} the speed of 1")
    print(f"    hashing alone (no walk, no CSV), 1 worker   {rates('hash 1 worker')}")
    print(
        f"    hashing alone (no walk, no CSV), {workers} workers  {rates('hash')}   "
        f"x{hash_scaling:.2f} the speed of 1"
    )
    if to_cat is not None:
        print(f"    index/cat {to_cat:.2f}", flush=True)


@dataclass(frozen=True)
class _File:
    os_path: str
    size_bytes: int


def _drain(reads: Iterator[object]) -> None:
    for _ in reads:
        pass


def _load_average() -> str:
    try:
        one, five, _ = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} (5 min: {five:.2f})"


def _verdict(results: list[ScopeResult]) -> int:
    print(f"load average at the end: {_load_average()} on {os.cpu_count()} CPUs")
    for label, which in (("the whole index", 1), ("hashing alone", 2)):
        worst_scaling = min(result.ratios()[which] for result in results)
        goal = "goal met" if worst_scaling >= SCALING_GOAL else f"below the goal {SCALING_GOAL}"
        print(f"worst speed-up from 1 to 2 workers, {label}: x{worst_scaling:.2f} ({goal})")
    ratios = [r for r in (result.ratios()[0] for result in results) if r is not None]
    if not ratios:
        print("no ratio to cat measured")
        return 0
    worst = min(ratios)
    if worst < RATIO_FLOOR:
        print(f"FAIL: the worst index/cat {worst:.2f} is below the floor {RATIO_FLOOR}")
        return 1
    goal = "goal met" if worst >= RATIO_GOAL else f"below the goal {RATIO_GOAL}"
    print(f"ok: the worst index/cat {worst:.2f} is above the floor {RATIO_FLOOR} ({goal})")
    return 0
