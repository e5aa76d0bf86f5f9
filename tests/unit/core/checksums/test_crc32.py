"""CRC32 as the archive checks it, and reading files that must hold still (core.crc32)."""

from __future__ import annotations

import errno
import os
import random
import socket
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from uploader_gui.core.checksums.crc32 import (
    FASTEST_CRC32,
    FileChangedError,
    FileReading,
    ReadStopped,
    available_crc32_implementations,
    crc32_from_base64,
    crc32_of_bytes,
    crc32_of_file,
    crc32_to_base64,
    read_file,
    read_files,
)
from uploader_gui.core.errors import PermanentError


def test_a_newline_file_has_the_protocol_s_example_checksum(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"a\n")
    crc, size_bytes = crc32_of_file(path)
    assert (crc, size_bytes) == (0xDDEAA107, 2)
    assert crc32_to_base64(crc) == "3eqhBw=="


def test_an_empty_file_has_crc_zero(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.write_bytes(b"")
    assert crc32_of_file(path) == (0, 0)
    assert crc32_to_base64(0) == "AAAAAA=="


def test_the_fast_implementation_is_preferred_and_zlib_is_always_there() -> None:
    names = [implementation.name for implementation in available_crc32_implementations()]
    assert "zlib" in names
    assert FASTEST_CRC32.name == names[0]
    # isal is a dependency (pyproject.toml): without it hashing would be ~10x slower.
    assert FASTEST_CRC32.name == "isal"


@pytest.mark.parametrize("chunk_bytes", [1, 7, 4096, 1 << 20])
def test_every_implementation_and_chunking_agree_with_zlib(
    tmp_path: Path, chunk_bytes: int
) -> None:
    data = random.Random(chunk_bytes).randbytes(20_000)
    path = tmp_path / "data.bin"
    path.write_bytes(data)
    for implementation in available_crc32_implementations():
        crc, size_bytes = crc32_of_file(
            path, chunk_bytes=chunk_bytes, implementation=implementation
        )
        assert (crc, size_bytes) == (zlib.crc32(data), len(data)), implementation.name
    assert crc32_of_bytes(data) == zlib.crc32(data)


@pytest.mark.parametrize("crc", [0, 1, 0xDDEAA107, 0xFFFFFFFF, 0x80000000])
def test_base64_round_trips(crc: int) -> None:
    assert crc32_from_base64(crc32_to_base64(crc)) == crc


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("3eqhBw=", "not base64"),
        ("3eqhBw", "not base64"),
        ("3eqh Bw==", "not base64"),
        ("3eqhBw==\n", "not base64"),
        ("not base64!", "not base64"),
        ("é", "not base64"),
        ("AAAA", "3 bytes"),
        ("AAAAAAA=", "5 bytes"),
        ("3eqhBx==", "not written the way S3 writes it"),
        ("", "0 bytes"),
    ],
)
def test_anything_but_canonical_base64_of_4_bytes_is_refused(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        crc32_from_base64(text)


def test_reading_reports_size_and_mtime_and_counts_every_byte(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * 10_000)
    counted: list[int] = []
    reading = read_file(path, buffer=memoryview(bytearray(4096)), on_bytes_read=counted.append)
    assert reading == FileReading(zlib.crc32(b"x" * 10_000), 10_000, path.stat().st_mtime_ns)
    assert counted == [4096, 4096, 1808]


def test_without_crc32_the_file_is_only_opened(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"abc")
    assert read_file(path, crc32=None) == FileReading(None, 3, path.stat().st_mtime_ns)


def test_a_file_that_grows_while_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "growing.log"
    path.write_bytes(b"first line\n")

    def append() -> None:
        with path.open("ab") as stream:
            stream.write(b"second line\n")

    with pytest.raises(FileChangedError, match="size 11 bytes, then 23 bytes") as caught:
        read_file(path, after_read=append)
    assert isinstance(caught.value, PermanentError)  # the transfer engine fails just that file


def test_a_file_touched_while_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "touched.txt"
    path.write_bytes(b"same size")
    mtime_ns = path.stat().st_mtime_ns

    def touch() -> None:
        os.utime(path, ns=(mtime_ns + 1_000_000_000, mtime_ns + 1_000_000_000))

    with pytest.raises(FileChangedError, match="modification time"):
        read_file(path, after_read=touch)


def test_a_file_replaced_by_rename_while_read_is_refused(tmp_path: Path) -> None:
    # Editors save by writing a new file and renaming it over the old one.
    path = tmp_path / "doc.txt"
    path.write_bytes(b"old")

    def save_as_editor() -> None:
        replacement = tmp_path / "doc.txt.new"
        replacement.write_bytes(b"new")
        os.replace(replacement, path)

    with pytest.raises(FileChangedError, match="replaced"):
        read_file(path, after_read=save_as_editor)


def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(FileChangedError, match="no longer a regular file"):
        read_file(fifo)


def test_a_symlink_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "target").write_bytes(b"x")
    (tmp_path / "link").symlink_to(tmp_path / "target")
    with pytest.raises(OSError, match=os.strerror(errno.ELOOP)):  # O_NOFOLLOW refuses the link
        read_file(tmp_path / "link")


def test_should_stop_stops_between_chunks(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * 100)
    counted: list[int] = []
    with pytest.raises(ReadStopped):
        read_file(
            path,
            buffer=memoryview(bytearray(10)),
            on_bytes_read=counted.append,
            should_stop=lambda: len(counted) >= 3,
        )
    assert counted == [10, 10, 10]


@dataclass(frozen=True)
class ListedFile:
    os_path: str
    size_bytes: int


def test_read_files_reports_each_outcome_by_position(tmp_path: Path) -> None:
    files = []
    for number in range(600):  # more than one batch
        path = tmp_path / f"{number:03d}.bin"
        path.write_bytes(bytes([number % 256]) * number)
        files.append(ListedFile(str(path), number))
    files.append(ListedFile(str(tmp_path / "missing"), 5))
    counted: list[int] = []
    lock = threading.Lock()

    def count(byte_count: int) -> None:
        with lock:
            counted.append(byte_count)

    outcomes = dict(
        pair for batch in read_files(files, workers=3, on_bytes_read=count) for pair in batch
    )
    assert sorted(outcomes) == list(range(601))
    for number in range(600):
        reading = outcomes[number]
        assert isinstance(reading, FileReading)
        assert reading.crc32 == zlib.crc32(bytes([number % 256]) * number)
    assert isinstance(outcomes[600], FileNotFoundError)
    assert sum(counted) == sum(f.size_bytes for f in files)  # progress reaches 100 %


def test_read_files_reports_an_unopenable_file_even_as_root(tmp_path: Path) -> None:
    # Opening a socket fails for every user (ENXIO), unlike a chmod 000 file that root can read.
    path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))
        reads = read_files([ListedFile(str(path), 0)])
        [(position, outcome)] = [pair for batch in reads for pair in batch]
    assert position == 0
    assert isinstance(outcome, OSError)
