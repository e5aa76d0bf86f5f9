"""Reading local files for upload: refusals, reads into the reused buffer, paced bodies."""

from __future__ import annotations

import os
import zlib
from pathlib import Path

import pytest

from uploader_gui.core.checksums.crc32 import ReadStopped
from uploader_gui.transfer.source_reading import (
    BodyHooks,
    FileRangeBody,
    MemoryBody,
    PartReader,
    SourceFile,
    body_for,
)
from uploader_gui.transfer.transfer_errors import SourceChangedError, SourceFileError


def write(path: Path, data: bytes) -> os.stat_result:
    path.write_bytes(data)
    return path.stat()


def open_as_indexed(path: Path, stat: os.stat_result) -> SourceFile:
    return SourceFile.open(str(path), path.name, size_bytes=stat.st_size, mtime_ns=stat.st_mtime_ns)


def test_a_missing_file_is_refused_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match="no longer exists"):
        SourceFile.open(str(tmp_path / "gone"), "gone", size_bytes=1, mtime_ns=1)


def test_a_symlink_or_folder_in_place_of_the_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "target"
    write(target, b"data")
    (tmp_path / "link").symlink_to(target)
    (tmp_path / "folder").mkdir()

    with pytest.raises(SourceFileError, match="cannot be opened"):
        SourceFile.open(str(tmp_path / "link"), "link", size_bytes=4, mtime_ns=0)
    with pytest.raises(SourceFileError):
        SourceFile.open(str(tmp_path / "folder"), "folder", size_bytes=0, mtime_ns=0)


def test_a_file_changed_since_it_was_indexed_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.fits"
    stat = write(path, b"old")
    write(path, b"newer")

    with pytest.raises(SourceChangedError, match=r"since it was indexed.*3 bytes, now 5"):
        open_as_indexed(path, stat)


@pytest.mark.parametrize("change", ["grown", "replaced", "deleted"])
def test_a_change_while_sending_is_noticed(tmp_path: Path, change: str) -> None:
    path = tmp_path / "a.fits"
    stat = write(path, b"content")
    with open_as_indexed(path, stat) as source:
        if change == "grown":
            with path.open("ab") as appending:
                appending.write(b"+")
        elif change == "replaced":
            replacement = tmp_path / "other"
            write(replacement, b"content")
            replacement.replace(path)
        else:
            path.unlink()

        with pytest.raises(SourceChangedError, match="while it was being uploaded"):
            source.check_unchanged()


def test_a_range_is_read_into_the_reused_buffer_with_its_crc32(tmp_path: Path) -> None:
    data = os.urandom(10_000)
    path = tmp_path / "a.fits"
    stat = write(path, data)
    reader = PartReader(chunk_bytes=1000, buffer_limit_bytes=8000)

    with open_as_indexed(path, stat) as source:
        first = reader.load(source, 1000, 5000, should_stop=lambda: False)
        first_view = first.view
        second = reader.load(source, 6000, 4000, should_stop=lambda: False)

    assert second.view is not None
    assert bytes(second.view) == data[6000:]
    assert second.crc32 == zlib.crc32(data[6000:])
    assert first.crc32 == zlib.crc32(data[1000:6000])
    assert first_view is not None
    assert first_view.obj is second.view.obj  # one buffer, reused


def test_a_range_above_the_buffer_limit_is_only_hashed(tmp_path: Path) -> None:
    data = os.urandom(5000)
    path = tmp_path / "a.fits"
    stat = write(path, data)
    reader = PartReader(chunk_bytes=1024, buffer_limit_bytes=1000)

    with open_as_indexed(path, stat) as source:
        loaded = reader.load(source, 0, 5000, should_stop=lambda: False)

    assert loaded.view is None
    assert loaded.crc32 == zlib.crc32(data)


def test_a_pause_stops_the_read_before_the_next_chunk(tmp_path: Path) -> None:
    path = tmp_path / "a.fits"
    stat = write(path, os.urandom(4096))
    reader = PartReader(chunk_bytes=1024)
    checks: list[int] = []

    def stop_on_third_check() -> bool:
        checks.append(1)
        return len(checks) == 3

    with open_as_indexed(path, stat) as source, pytest.raises(ReadStopped):
        reader.load(source, 0, 4096, should_stop=stop_on_third_check)
    assert len(checks) == 3


def test_a_file_shorter_than_indexed_is_noticed_while_reading(tmp_path: Path) -> None:
    path = tmp_path / "a.fits"
    stat = write(path, b"x" * 100)
    with open_as_indexed(path, stat) as source:
        os.truncate(path, 50)

        with pytest.raises(SourceChangedError, match="shorter"):
            PartReader().load(source, 0, 100, should_stop=lambda: False)


class Recorder:
    def __init__(self) -> None:
        self.paced: list[int] = []
        self.counted: list[int] = []
        self.abort = False

    def hooks(self) -> BodyHooks:
        return BodyHooks(self.paced.append, self.counted.append, lambda: self.abort)


def read_all(body: MemoryBody | FileRangeBody, block: int) -> bytes:
    out = b""
    while chunk := body.read(block):
        out += bytes(chunk)
    return out


def test_a_memory_body_is_paced_and_counted_once_even_when_re_read() -> None:
    recorder = Recorder()
    body = MemoryBody(memoryview(b"abcdefghij"), recorder.hooks())

    assert len(body) == 10
    assert read_all(body, 4) == b"abcdefghij"
    body.seek(0)
    assert read_all(body, 4) == b"abcdefghij"

    assert sum(recorder.paced) == 20  # the bandwidth limit sees every byte sent
    assert sum(recorder.counted) == 10  # progress counts each byte once
    assert body.counted_bytes == 10


def test_a_file_body_streams_its_range(tmp_path: Path) -> None:
    data = os.urandom(700_000)
    path = tmp_path / "a.fits"
    stat = write(path, data)
    recorder = Recorder()

    with open_as_indexed(path, stat) as source:
        body = body_for(source, 100_000, 500_000, None, recorder.hooks())
        assert isinstance(body, FileRangeBody)
        sent = read_all(body, 128 * 1024)

    assert sent == data[100_000:600_000]
    assert sum(recorder.counted) == 500_000


def test_a_cancel_cuts_a_body_short_and_is_remembered() -> None:
    recorder = Recorder()
    body = MemoryBody(memoryview(b"0123456789"), recorder.hooks())
    body.read(3)
    recorder.abort = True

    with pytest.raises(ReadStopped):
        body.read(3)
    assert isinstance(body.failure, ReadStopped)
