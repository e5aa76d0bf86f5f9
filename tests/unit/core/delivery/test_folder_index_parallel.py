"""Indexing on every core (core.folder_index with parallel_reads): the index written is the same
byte for byte as one read serially, and the problems found are the same."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from uploader_gui.core.checksums import parallel_reads
from uploader_gui.core.delivery.folder_index import IndexOptions, build_folder_index
from uploader_gui.core.delivery.index_file import write_index
from uploader_gui.core.events import Event, IndexProgressed

RANGE = 8192


@pytest.fixture(autouse=True)
def parallel_even_for_a_small_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ranges and worker processes for a tree small enough for a unit test."""
    monkeypatch.setattr(parallel_reads, "RANGE_BYTES", RANGE)
    monkeypatch.setattr(parallel_reads, "PROCESS_MIN_FILES", 10)


def make_tree(root: Path) -> None:
    rng = random.Random(11)
    for number in range(400):
        size = rng.choice([0, 1, 100, 5000, RANGE, RANGE + 1, 7 * RANGE + 3])
        path = root / f"d{number % 5}" / f"f{number:03d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rng.randbytes(size))


def test_a_parallel_index_is_byte_for_byte_the_serial_one(tmp_path: Path) -> None:
    make_tree(tmp_path / "tree")
    serial, parallel = tmp_path / "serial.csv", tmp_path / "parallel.csv"
    write_index(build_folder_index(tmp_path / "tree", IndexOptions(workers=1)), serial)
    options = IndexOptions(workers=2, chunk_bytes=4096)
    write_index(build_folder_index(tmp_path / "tree", options), parallel)
    assert parallel.read_bytes() == serial.read_bytes()
    assert serial.read_bytes().count(b"\n") == 401  # a header and every file


def test_a_split_file_changed_while_read_is_a_problem(tmp_path: Path) -> None:
    make_tree(tmp_path)
    (tmp_path / "growing.bin").write_bytes(os.urandom(5 * RANGE))

    def keep_writing(path: str) -> None:
        if path == "growing.bin":
            with (tmp_path / path).open("ab") as stream:
                stream.write(b"more")

    index = build_folder_index(tmp_path, IndexOptions(workers=2), on_file_read=keep_writing)
    [problem] = index.problems
    assert problem.path == "growing.bin"
    assert problem.reason.startswith(f"changed while it was being read (size {5 * RANGE} bytes")
    assert len(index.files) == 400


def test_a_file_gone_before_a_worker_process_reads_it_is_a_problem(tmp_path: Path) -> None:
    make_tree(tmp_path)
    gone = tmp_path / "d3" / "f003.bin"

    def delete_once_listed(event: Event) -> None:
        # The snapshot of every file found comes after the walk, before the first read.
        is_listed = isinstance(event, IndexProgressed) and event.files_total == 400
        if is_listed and event.files_done == 0 and gone.exists():
            gone.unlink()

    index = build_folder_index(tmp_path, IndexOptions(workers=2), emit=delete_once_listed)
    assert [(p.path, p.reason) for p in index.problems] == [
        ("d3/f003.bin", "vanished after it was listed")
    ]
    assert len(index.files) == 399
