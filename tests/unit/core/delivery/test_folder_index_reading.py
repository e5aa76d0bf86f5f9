"""Hashing the listed files (core.folder_index): changes, failures, threads, events, cancel."""

from __future__ import annotations

import random
import socket
import threading
import zlib
from pathlib import Path

import pytest

from tests.unit.core.delivery.test_folder_index import PERMISSIONS_BYPASSED
from uploader_gui.core.delivery.folder_index import (
    IndexCancelledError,
    IndexOptions,
    build_folder_index,
)
from uploader_gui.core.events import (
    Event,
    IndexEntrySkipped,
    IndexFinished,
    IndexProgressed,
    IndexStarted,
)

ONE_THREAD = IndexOptions(workers=1)  # files are read in path order: hooks act deterministically


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_a_file_changed_while_read_is_a_problem_and_left_out(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", b"a\n")
    write(tmp_path / "growing.log", b"line 1\n")
    write(tmp_path / "z.txt", b"z")

    def keep_writing(path: str) -> None:
        if path == "growing.log":
            with (tmp_path / path).open("ab") as stream:
                stream.write(b"line 2\n")

    index = build_folder_index(tmp_path, on_file_read=keep_writing)
    assert [f.path for f in index.files] == ["a.txt", "z.txt"]
    [problem] = index.problems
    assert problem.path == "growing.log"
    assert problem.reason.startswith("changed while it was being read (size 7 bytes, then 14")
    assert "index again" in problem.reason


def test_a_file_that_vanishes_after_listing_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", b"a")
    write(tmp_path / "b.txt", b"b")

    def delete_the_next(path: str) -> None:
        if path == "a.txt":
            (tmp_path / "b.txt").unlink()

    index = build_folder_index(tmp_path, ONE_THREAD, on_file_read=delete_the_next)
    assert [f.path for f in index.files] == ["a.txt"]
    assert [(p.path, p.reason) for p in index.problems] == [
        ("b.txt", "vanished after it was listed")
    ]


def test_a_file_that_cannot_be_opened_is_a_problem_even_for_root(tmp_path: Path) -> None:
    # After listing, b.txt is replaced by a socket, which nobody can open (ENXIO).
    write(tmp_path / "a.txt", b"a")
    write(tmp_path / "b.txt", b"b")
    with socket.socket(socket.AF_UNIX) as listener:

        def swap_for_a_socket(path: str) -> None:
            if path == "a.txt":
                (tmp_path / "b.txt").unlink()
                listener.bind(str(tmp_path / "b.txt"))

        index = build_folder_index(tmp_path, ONE_THREAD, on_file_read=swap_for_a_socket)
    assert [f.path for f in index.files] == ["a.txt"]
    [problem] = index.problems
    assert problem.path == "b.txt"
    assert problem.reason.startswith("could not be read: ")


@pytest.mark.skipif(
    PERMISSIONS_BYPASSED, reason="root reads a chmod 000 file; see the socket test instead"
)
def test_a_file_without_read_permission_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path / "secret.txt", b"s")
    (tmp_path / "secret.txt").chmod(0)
    index = build_folder_index(tmp_path)
    assert [(p.path, p.reason) for p in index.problems] == [
        ("secret.txt", "could not be read: Permission denied")
    ]


def test_without_checksums_an_unopenable_file_is_still_found(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", b"a")
    write(tmp_path / "b.txt", b"b")
    with socket.socket(socket.AF_UNIX) as listener:

        def swap_for_a_socket(path: str) -> None:
            if path == "a.txt":
                (tmp_path / "b.txt").unlink()
                listener.bind(str(tmp_path / "b.txt"))

        options = IndexOptions(compute_checksums=False, workers=1)
        index = build_folder_index(tmp_path, options, on_file_read=swap_for_a_socket)
    assert [(f.path, f.crc32) for f in index.files] == [("a.txt", None)]
    assert [p.path for p in index.problems] == ["b.txt"]


def test_many_threads_give_the_same_index_as_one(tmp_path: Path) -> None:
    rng = random.Random(7)
    expected = {}
    for number in range(700):  # several batches, and files larger than a read chunk
        size = rng.choice([0, 1, 100, 5000, 70_000])
        data = rng.randbytes(size)
        relative = f"d{number % 7}/f{number:04d}.bin"
        write(tmp_path / relative, data)
        expected[relative] = zlib.crc32(data)
    small_chunks = IndexOptions(workers=1, chunk_bytes=4096)
    one = build_folder_index(tmp_path, small_chunks)
    many = build_folder_index(tmp_path, IndexOptions(workers=4, chunk_bytes=4096))
    assert one.files == many.files
    assert {f.path: f.crc32 for f in many.files} == expected
    assert [f.path for f in many.files] == sorted(expected)


def test_events_tell_the_whole_story_in_order(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", b"a\n")
    write(tmp_path / "b.bin", b"b" * 1000)
    write(tmp_path / ".DS_Store", b"junk")
    write(tmp_path / "bad\\name", b"x")
    events: list[Event] = []
    index = build_folder_index(tmp_path, emit=events.append)
    assert events[0] == IndexStarted(str(tmp_path))
    skipped = [e for e in events if isinstance(e, IndexEntrySkipped)]
    assert sorted((e.path, e.is_junk) for e in skipped) == [
        (".DS_Store", True),
        ("bad\\name", False),
    ]
    progress = [e for e in events if isinstance(e, IndexProgressed)]
    last = progress[-1]
    assert (last.files_done, last.files_total) == (2, 2)
    assert (last.bytes_done, last.bytes_total) == (1002, 1002)
    assert events[-1] == IndexFinished(str(tmp_path), 2, 1002, skipped=2, problems=1)
    assert index.bytes_total == 1002


class SteppingClock:
    """A fake clock that moves only when told."""

    def __init__(self) -> None:
        self.now_s = 1000.0

    def __call__(self) -> float:
        return self.now_s


def test_progress_is_throttled(tmp_path: Path) -> None:
    for number in range(300):
        write(tmp_path / f"d{number}/f.txt", b"x")  # 300 folders: 300 chances to report
    clock = SteppingClock()
    events: list[Event] = []
    build_folder_index(tmp_path, ONE_THREAD, emit=events.append, clock=clock)
    progress = [e for e in events if isinstance(e, IndexProgressed)]
    # The clock never moves: one report when listing starts, one when every file is found
    # (before reading), and the final one.
    assert len(progress) == 3
    assert (progress[1].is_listing, progress[1].files_total, progress[1].files_done) == (
        True,
        300,
        0,
    )
    assert progress[-1].files_done == 300


def test_progress_reports_bytes_and_rate_by_the_clock(tmp_path: Path) -> None:
    write(tmp_path / "big.bin", b"x" * 40_000)
    clock = SteppingClock()
    events: list[Event] = []

    def one_second_per_file(path: str) -> None:
        clock.now_s += 1.0

    build_folder_index(
        tmp_path,
        IndexOptions(chunk_bytes=4096),
        emit=events.append,
        clock=clock,
        on_file_read=one_second_per_file,
    )
    last = [e for e in events if isinstance(e, IndexProgressed)][-1]
    assert last.bytes_done == last.bytes_total == 40_000
    assert last.rate_bytes_per_s == pytest.approx(40_000.0)  # 40,000 bytes in one fake second


def test_cancelling_stops_reading_and_returns_no_partial_index(tmp_path: Path) -> None:
    for number in range(2000):
        write(tmp_path / f"f{number:04d}.txt", b"x")
    reading_started = threading.Event()
    cancel_seen = threading.Event()
    read: list[str] = []

    def on_file_read(path: str) -> None:
        read.append(path)
        reading_started.set()
        cancel_seen.wait(timeout=30)

    def is_cancelled() -> bool:
        if reading_started.is_set():
            cancel_seen.set()
            return True
        return False

    with pytest.raises(IndexCancelledError):
        build_folder_index(
            tmp_path, ONE_THREAD, is_cancelled=is_cancelled, on_file_read=on_file_read
        )
    assert cancel_seen.is_set()
    assert 1 <= len(read) < 2000


def test_cancelling_during_the_walk_stops_it(tmp_path: Path) -> None:
    write(tmp_path / "a/b.txt", b"x")
    events: list[Event] = []
    with pytest.raises(IndexCancelledError):
        build_folder_index(tmp_path, emit=events.append, is_cancelled=lambda: True)
    assert not any(isinstance(e, IndexFinished) for e in events)
