"""Writing the index CSV byte for byte as `mast-upload index` does (core.index_file)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from uploader_gui.core.checksums.crc32 import crc32_from_base64
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.delivery.folder_index import FolderIndex, SkippedEntry
from uploader_gui.core.delivery.index_file import (
    IndexEntry,
    format_index_csv,
    write_index,
    write_text_atomically,
)
from uploader_gui.core.delivery.problems import ProblemsFound

# Paths that exercise quoting, with what pandas 3.1 `DataFrame.to_csv(index=None)` wrote for
# them on Linux (compared byte for byte when this test was written).
TRICKY_PATHS = (
    "a.txt",
    "dir/b c.fits",
    "x,y.txt",
    'say "hi".txt',
    "tab\there.txt",
    "é/ü.txt",
    " lead",
    "trail ",
    "semi;colon",
    "'single'",
    "#hash",
    "=formula",
    "001",
    'multi,comma,"q"',
)
CHECKSUMS = ("3eqhBw==", "AAAAAA==", "/////w==", "+/+/+w==")
PANDAS_OUTPUT = (
    "path,checksum\n"
    "a.txt,3eqhBw==\n"
    "dir/b c.fits,AAAAAA==\n"
    '"x,y.txt",/////w==\n'
    '"say ""hi"".txt",+/+/+w==\n'
    "tab\there.txt,3eqhBw==\n"
    "é/ü.txt,AAAAAA==\n"
    " lead,/////w==\n"
    "trail ,+/+/+w==\n"
    "semi;colon,3eqhBw==\n"
    "'single',AAAAAA==\n"
    "#hash,/////w==\n"
    "=formula,+/+/+w==\n"
    "001,3eqhBw==\n"
    '"multi,comma,""q""",AAAAAA==\n'
)


def entries(with_checksums: bool = True) -> list[IndexEntry]:
    return [
        IndexEntry(path, crc32_from_base64(CHECKSUMS[n % 4]) if with_checksums else None, n + 2)
        for n, path in enumerate(TRICKY_PATHS)
    ]


def test_the_format_is_pandas_to_csv_byte_for_byte() -> None:
    assert format_index_csv(entries()) == PANDAS_OUTPUT


def test_without_checksums_only_the_path_column_is_written() -> None:
    text = format_index_csv(entries(with_checksums=False))
    assert text.startswith('path\na.txt\ndir/b c.fits\n"x,y.txt"\n')
    assert "," not in text.splitlines()[0]


def test_folder_index_files_format_like_entries() -> None:
    files = [
        FileFingerprint("a.txt", 2, 1, crc32_from_base64("3eqhBw==")),
        FileFingerprint("b,c", 0, 1, crc32_from_base64("AAAAAA==")),
    ]
    assert format_index_csv(files) == 'path,checksum\na.txt,3eqhBw==\n"b,c",AAAAAA==\n'


def test_a_mix_of_rows_with_and_without_checksum_is_refused() -> None:
    mixed = [IndexEntry("a", crc32_from_base64("3eqhBw=="), 2), IndexEntry("b", None, 3)]
    with pytest.raises(ValueError, match="all or none"):
        format_index_csv(mixed)


def test_the_control_bucket_copy_adds_will_transfer() -> None:
    rows = [
        IndexEntry("a.txt", crc32_from_base64("3eqhBw=="), 2),
        IndexEntry("b.txt", crc32_from_base64("AAAAAA=="), 3),
    ]
    text = format_index_csv(rows, will_transfer={"a.txt": True, "b.txt": False})
    assert text == "path,checksum,will_transfer\na.txt,3eqhBw==,True\nb.txt,AAAAAA==,False\n"


def test_an_empty_list_is_a_bare_header() -> None:
    assert format_index_csv([]) == "path\n"


def folder_index(root: Path, *, with_problem: bool = False) -> FolderIndex:
    files = (
        FileFingerprint("a.txt", 2, 1, crc32_from_base64("3eqhBw==")),
        FileFingerprint("d/b.txt", 1, 1, crc32_from_base64("AAAAAA==")),
    )
    skipped: tuple[SkippedEntry, ...] = (
        SkippedEntry(".DS_Store", "junk: macOS Finder folder settings", True, False),
    )
    if with_problem:
        skipped += (SkippedEntry("bad\\name", "the path contains a backslash", False, True),)
    return FolderIndex(root, files, skipped)


def test_write_index_writes_the_bytes_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "out" / "index.csv"
    out.parent.mkdir()
    write_index(folder_index(tmp_path), out)
    assert out.read_bytes() == b"path,checksum\na.txt,3eqhBw==\nd/b.txt,AAAAAA==\n"
    assert os.listdir(out.parent) == ["index.csv"]
    assert out.stat().st_mode & 0o777 == 0o644  # an ordinary file, not mkstemp's 0600


def test_write_index_replaces_an_older_index_and_keeps_its_mode(tmp_path: Path) -> None:
    out = tmp_path / "index.csv"
    out.write_text("path\nold.txt\n")
    out.chmod(0o640)
    write_index(folder_index(tmp_path), out)
    assert out.read_text().splitlines()[1] == "a.txt,3eqhBw=="
    assert out.stat().st_mode & 0o777 == 0o640


def test_an_index_with_problems_is_not_written(tmp_path: Path) -> None:
    out = tmp_path / "index.csv"
    with pytest.raises(ProblemsFound) as caught:
        write_index(folder_index(tmp_path, with_problem=True), out)
    assert not out.exists()
    [problem] = caught.value.problems
    assert problem.file == str(tmp_path / "bad\\name")
    assert "backslash" in problem.message


def test_allowing_skips_writes_the_index_without_the_problem_files(tmp_path: Path) -> None:
    out = tmp_path / "index.csv"
    write_index(folder_index(tmp_path, with_problem=True), out, allow_skips=True)
    assert out.read_text() == "path,checksum\na.txt,3eqhBw==\nd/b.txt,AAAAAA==\n"


def test_a_failed_write_keeps_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    out = tmp_path / "index.csv"
    out.write_text("path\nold.txt\n")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomically(out, "path\nlone\udce9surrogate\n")
    assert out.read_text() == "path\nold.txt\n"
    assert os.listdir(tmp_path) == ["index.csv"]


def test_writing_into_a_missing_folder_fails_cleanly(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        write_index(folder_index(tmp_path), tmp_path / "missing" / "index.csv")
    assert os.listdir(tmp_path) == []
