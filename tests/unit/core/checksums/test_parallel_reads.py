"""Reading on every core (core.checksums.parallel_reads and process_reads): big files in ranges
on threads, many small files in worker processes, with the same CRC32s and the same checks."""

from __future__ import annotations

import os
import pickle
import random
import threading
import zlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from uploader_gui.core.checksums import parallel_reads, process_reads
from uploader_gui.core.checksums.crc32 import (
    FileChangedError,
    FileOutcome,
    FileReading,
    read_files,
)

RANGE = 4096  # the range size in these tests, so that small files are split


@dataclass(frozen=True)
class ListedFile:
    os_path: str
    size_bytes: int


@pytest.fixture
def small_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel_reads, "RANGE_BYTES", RANGE)


@pytest.fixture
def processes_for_few_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel_reads, "PROCESS_MIN_FILES", 3)
    # More batches than are sent to the processes at once, so that sending resumes as they end.
    monkeypatch.setattr(parallel_reads, "_BATCH_MAX_FILES", 10)


def read_all(files: list[ListedFile], **options: object) -> dict[int, FileOutcome]:
    reads = read_files(files, **options)  # type: ignore[arg-type]
    return dict(pair for batch in reads for pair in batch)


def listed(path: Path) -> ListedFile:
    return ListedFile(str(path), path.stat().st_size)


SPLIT_SIZES = [0, 1, RANGE - 1, RANGE, RANGE + 1, 2 * RANGE, 3 * RANGE + 17, 10 * RANGE - 1]


@pytest.mark.parametrize("chunk_bytes", [1000, RANGE, 3 * RANGE])
def test_ranges_combined_give_the_whole_file_s_crc32(
    tmp_path: Path, small_ranges: None, chunk_bytes: int
) -> None:
    rng = random.Random(chunk_bytes)
    sizes = [*SPLIT_SIZES, *(rng.randrange(1, 20 * RANGE) for _ in range(12))]
    contents = [rng.randbytes(size) for size in sizes]
    files = []
    for number, data in enumerate(contents):
        (tmp_path / f"{number:02d}.bin").write_bytes(data)
        files.append(listed(tmp_path / f"{number:02d}.bin"))
    counted: list[int] = []
    outcomes = read_all(files, workers=2, chunk_bytes=chunk_bytes, on_bytes_read=counted.append)
    for number, data in enumerate(contents):
        reading = outcomes[number]
        assert isinstance(reading, FileReading), (sizes[number], reading)
        assert (reading.crc32, reading.size_bytes) == (zlib.crc32(data), len(data)), sizes[number]
    assert sum(counted) == sum(sizes)  # progress reaches 100 %


def test_one_big_file_is_read_by_two_threads_at_once(tmp_path: Path, small_ranges: None) -> None:
    path = tmp_path / "big.bin"
    data = os.urandom(8 * RANGE)
    path.write_bytes(data)
    both_reading = threading.Barrier(2, timeout=10)  # broken if one thread reads it all
    waited: set[str] = set()

    def on_bytes_read(byte_count: int) -> None:
        name = threading.current_thread().name
        if name not in waited:
            waited.add(name)
            both_reading.wait()

    [reading] = read_all([listed(path)], workers=2, on_bytes_read=on_bytes_read).values()
    assert isinstance(reading, FileReading)
    assert reading.crc32 == zlib.crc32(data)
    assert len(waited) == 2


def test_a_split_file_that_grows_while_read_is_refused(tmp_path: Path, small_ranges: None) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(5 * RANGE))

    def grow(position: int) -> None:
        with path.open("ab") as stream:
            stream.write(b"more")

    [outcome] = read_all([listed(path)], workers=2, after_read=grow).values()
    assert isinstance(outcome, FileChangedError)
    assert outcome.path == str(path)


def test_a_split_file_replaced_while_read_is_refused(tmp_path: Path, small_ranges: None) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(5 * RANGE))

    def replace(position: int) -> None:
        (tmp_path / "new.bin").write_bytes(path.read_bytes())
        os.replace(tmp_path / "new.bin", path)

    [outcome] = read_all([listed(path)], workers=2, after_read=replace).values()
    assert isinstance(outcome, FileChangedError)
    assert "replaced" in str(outcome)


def test_a_split_file_that_vanished_is_reported(tmp_path: Path, small_ranges: None) -> None:
    [outcome] = read_all([ListedFile(str(tmp_path / "gone.bin"), 5 * RANGE)], workers=2).values()
    assert isinstance(outcome, FileNotFoundError)


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts /proc/self/fd")
def test_stopping_during_split_reads_leaves_no_file_open(
    tmp_path: Path, small_ranges: None
) -> None:
    files = []
    for number in range(20):
        (tmp_path / f"{number}.bin").write_bytes(os.urandom(50 * RANGE))
        files.append(listed(tmp_path / f"{number}.bin"))
    before = open_descriptors()
    reads = read_files(files, workers=2, chunk_bytes=1024, wait_s=0.001)
    next(reads)
    reads.close()  # what cancelling the index does
    assert open_descriptors() == before


def grow_file(target: int, path: str, pid_log: str, position: int) -> None:
    """A hook sent to a worker process: notes which process read, grows one file after it."""
    with open(pid_log, "a") as log:
        log.write(f"{os.getpid()}\n")
    if position == target:
        with open(path, "ab") as stream:
            stream.write(b"more")


def test_in_worker_processes_every_file_has_its_crc32_and_changes_are_caught(
    tmp_path: Path, processes_for_few_files: None
) -> None:
    rng = random.Random(3)
    contents = [rng.randbytes(rng.choice([0, 1, 100, 70_000])) for _ in range(600)]
    files = []
    for number, data in enumerate(contents):
        (tmp_path / f"{number:03d}.bin").write_bytes(data)
        files.append(listed(tmp_path / f"{number:03d}.bin"))
    files.append(ListedFile(str(tmp_path / "missing"), 5))
    pid_log = tmp_path / "pids.txt"
    hook = partial(grow_file, 17, files[17].os_path, str(pid_log))
    counted: list[int] = []
    outcomes = read_all(
        files, workers=2, after_read=hook, on_bytes_read=counted.append, allow_processes=True
    )
    readers = set(pid_log.read_text().split())
    assert str(os.getpid()) not in readers
    assert len(readers) == 2  # both worker processes read
    changed = outcomes.pop(17)
    assert isinstance(changed, FileChangedError)
    assert changed.path == files[17].os_path
    assert isinstance(outcomes.pop(600), FileNotFoundError)
    for number, reading in outcomes.items():
        assert isinstance(reading, FileReading)
        assert reading.crc32 == zlib.crc32(contents[number])
    assert sum(counted) == sum(f.size_bytes for f in files)


def test_a_hook_that_cannot_go_to_a_process_keeps_reading_here(tmp_path: Path) -> None:
    assert process_reads.shared_pool(2, lambda position: None) is None
    assert process_reads.shared_pool(2, None) is not None


def test_a_changed_file_error_survives_the_trip_from_a_worker() -> None:
    sent = pickle.dumps(FileChangedError("/data/a.fits", "size 1 bytes, then 2"))
    error = pickle.loads(sent)  # noqa: S301 - our own bytes, as a worker's answer is
    assert isinstance(error, FileChangedError)
    assert (error.path, error.detail) == ("/data/a.fits", "size 1 bytes, then 2")
    assert str(error) == "/data/a.fits changed while it was being read (size 1 bytes, then 2)"


def die_in_a_worker(parent_pid: int, position: int) -> None:
    """A hook that kills the worker process reading position 5 (as the OOM killer might)."""
    if position == 5 and os.getpid() != parent_pid:
        os._exit(1)


def test_a_worker_process_that_dies_loses_no_file(
    tmp_path: Path, processes_for_few_files: None
) -> None:
    contents = [os.urandom(100 + number) for number in range(300)]
    files = []
    for number, data in enumerate(contents):
        (tmp_path / f"{number:03d}.bin").write_bytes(data)
        files.append(listed(tmp_path / f"{number:03d}.bin"))
    hook = partial(die_in_a_worker, os.getpid())
    outcomes = read_all(files, workers=2, after_read=hook, allow_processes=True)
    assert sorted(outcomes) == list(range(300))
    for number, reading in outcomes.items():
        assert isinstance(reading, FileReading)
        assert reading.crc32 == zlib.crc32(contents[number])
    again = read_all(files, workers=2, allow_processes=True)  # a new pool
    assert again == outcomes
