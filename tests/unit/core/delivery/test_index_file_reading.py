"""Reading a provider's index as strictly as the archive will (core.index_file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.core.delivery.test_folder_index import PERMISSIONS_BYPASSED
from uploader_gui.core.checksums.crc32 import crc32_from_base64
from uploader_gui.core.delivery.index_file import IndexEntry, ProviderIndex, read_provider_index
from uploader_gui.core.delivery.problems import Problem, ProblemsFound


def index_file(tmp_path: Path, content: bytes | str) -> Path:
    path = tmp_path / "index.csv"
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def problems_of(path: Path, source_root: Path | None = None) -> list[Problem]:
    with pytest.raises(ProblemsFound) as caught:
        read_provider_index(path, source_root)
    assert all(problem.file == str(path) for problem in caught.value.problems)
    return list(caught.value.problems)


def only_problem(path: Path, source_root: Path | None = None) -> Problem:
    [problem] = problems_of(path, source_root)
    return problem


def test_a_path_only_index_is_read(tmp_path: Path) -> None:
    path = index_file(tmp_path, "path\na.txt\ndir/b c.fits\n")
    assert read_provider_index(path) == ProviderIndex(
        path, (IndexEntry("a.txt", None, 2), IndexEntry("dir/b c.fits", None, 3)), False
    )


def test_a_checksummed_index_with_quotes_is_read(tmp_path: Path) -> None:
    path = index_file(tmp_path, 'path,checksum\n"x,y.txt",3eqhBw==\n"say ""hi""",AAAAAA==')
    index = read_provider_index(path)
    assert index.has_checksums
    assert index.entries == (
        IndexEntry("x,y.txt", crc32_from_base64("3eqhBw=="), 2),
        IndexEntry('say "hi"', crc32_from_base64("AAAAAA=="), 3),
    )


def test_excel_csv_utf8_with_bom_and_crlf_is_read(tmp_path: Path) -> None:
    path = index_file(tmp_path, b"\xef\xbb\xbfpath,checksum\r\n\xc3\xa9.txt,3eqhBw==\r\n")
    assert read_provider_index(path).entries == (
        IndexEntry("é.txt", crc32_from_base64("3eqhBw=="), 2),
    )


def test_blank_lines_are_skipped_and_line_numbers_stay_true(tmp_path: Path) -> None:
    path = index_file(tmp_path, "path\n\na.txt\n\n\n../b.txt\n")
    problem = only_problem(path)
    assert problem.line == 6
    assert "'..'" in problem.message


@pytest.mark.parametrize(
    ("content", "message_part"),
    [
        (b"", "the index is empty"),
        (b"\xef\xbb\xbf", "the index is empty"),
        (b"\n\n", "the index is empty"),
        (b"path\n", "lists no files"),
    ],
)
def test_an_index_without_files_is_refused(
    tmp_path: Path, content: bytes, message_part: str
) -> None:
    problem = only_problem(index_file(tmp_path, content))
    assert message_part in problem.message
    assert problem.fix


def test_a_missing_index_file_is_one_clear_problem(tmp_path: Path) -> None:
    problem = only_problem(tmp_path / "nope.csv")
    assert problem.message == "the index file does not exist"
    assert problem.file == str(tmp_path / "nope.csv")


def test_a_folder_instead_of_an_index_is_refused(tmp_path: Path) -> None:
    assert "folder" in only_problem(tmp_path).message


def test_non_utf8_lines_are_each_reported_with_the_fix(tmp_path: Path) -> None:
    path = index_file(tmp_path, b"path\nok.txt\ncaf\xe9.txt\nna\xefve.txt\n")
    first, second = problems_of(path)
    assert (first.line, second.line) == (3, 4)
    assert "byte 0xe9 at column 4" in first.message
    assert "CSV UTF-8" in first.fix


@pytest.mark.parametrize(
    ("header", "message_part"),
    [
        ("Path", "must be named exactly 'path'"),
        ("path;checksum", "separated by ';'"),
        ("path\tchecksum", "separated by tabs"),
        ("checksum,path", "`path` must be the first column"),
        ("path,checksum,filetypes", "not 'filetypes'"),
        ("path,will_transfer", "`will_transfer` is the uploader's"),
        ("path,path", "appears twice"),
        ("a.txt", "not a header naming a `path` column"),
    ],
)
def test_a_header_the_archive_would_refuse_is_reported(
    tmp_path: Path, header: str, message_part: str
) -> None:
    problems = problems_of(index_file(tmp_path, f"{header}\na.txt\n"))
    assert any(message_part in p.message and p.line == 1 and p.fix for p in problems), problems


@pytest.mark.parametrize(
    ("row", "message_part"),
    [
        ('""', "empty"),
        ("/abs/a.txt", "absolute"),
        ("../a.txt", "'..'"),
        ("dir\\a.txt", "backslash"),
        ('"two\nlines.txt"', "line break"),
        ('"car\rriage.txt"', "line break"),
        ("dir//a.txt", "empty folder name"),
        ("NA", "missing value"),
        ("null", "missing value"),
    ],
)
def test_each_bad_path_is_reported_with_its_line(
    tmp_path: Path, row: str, message_part: str
) -> None:
    problem = only_problem(index_file(tmp_path, f"path\nok.txt\n{row}\n"))
    assert problem.line == 3
    assert message_part in problem.message
    assert problem.key == "path"
    assert problem.fix


def test_a_duplicate_names_both_lines(tmp_path: Path) -> None:
    problem = only_problem(index_file(tmp_path, "path\na.txt\nb.txt\na.txt\n"))
    assert (problem.line, problem.message) == (4, "a.txt is listed twice (first on line 2)")


def test_an_unquoted_comma_makes_too_many_cells(tmp_path: Path) -> None:
    problem = only_problem(index_file(tmp_path, "path,checksum\nx,y.txt,3eqhBw==\n"))
    assert problem.line == 2
    assert "3 cells; the header has 2" in problem.message
    assert "double quotes" in problem.fix


@pytest.mark.parametrize(
    ("cell", "message_part"),
    [
        ("", "checksum cell is empty"),
        ("3eqhBw", "not a CRC32"),
        ("AAAA", "3 bytes"),
        ("3eqhBx==", "not written the way S3 writes it"),
        ("deadbeef", "not a CRC32"),
    ],
)
def test_a_bad_checksum_cell_is_reported(tmp_path: Path, cell: str, message_part: str) -> None:
    problem = only_problem(index_file(tmp_path, f"path,checksum\na.txt,3eqhBw==\nb.txt,{cell}\n"))
    assert problem.line == 3
    assert problem.key == "checksum"
    assert message_part in problem.message


def test_a_line_with_too_few_cells_is_reported(tmp_path: Path) -> None:
    problem = only_problem(index_file(tmp_path, "path,checksum\na.txt,3eqhBw==\nb.txt\n"))
    assert (problem.line, problem.message) == (3, "the line has 1 cell; the header has 2")
    assert "every column" in problem.fix


def test_every_problem_is_collected_in_one_go(tmp_path: Path) -> None:
    content = "path,checksum\n/abs,3eqhBw==\nok.txt,\n../up,AAAAAA==\nok.txt,AAAAAA==\nc.txt,zz\n"
    problems = problems_of(index_file(tmp_path, content))
    assert [p.line for p in problems] == [2, 3, 4, 5, 6]
    text = str(ProblemsFound(problems))
    assert f"{tmp_path / 'index.csv'} line 4 [path]" in text


def test_paths_are_checked_against_the_source_folder(tmp_path: Path) -> None:
    source = tmp_path / "data"
    (source / "sub").mkdir(parents=True)
    (source / "here.txt").write_bytes(b"x")
    path = index_file(tmp_path, "path\nhere.txt\nsub\nmissing.txt\nHERE.TXT\n")
    problems = problems_of(path, source)
    assert [(p.line, p.message) for p in problems] == [
        (3, "sub is a folder, not a file"),
        (4, f"missing.txt is not in {source}"),
        (5, f"HERE.TXT is not in {source}"),
    ]
    good = index_file(tmp_path, "path\nhere.txt\n")
    assert read_provider_index(good, source).entries == (IndexEntry("here.txt", None, 2),)


def test_a_missing_source_folder_is_one_problem(tmp_path: Path) -> None:
    path = index_file(tmp_path, "path\na.txt\nb.txt\n")
    problem = only_problem(path, tmp_path / "gone")
    assert "does not exist" in problem.message


def test_a_cell_too_large_for_csv_is_reported_not_raised(tmp_path: Path) -> None:
    path = index_file(tmp_path, "path\nok.txt\n" + "x" * 200_000 + "\n")
    problem = only_problem(path)
    assert problem.line == 3
    assert "cannot be read as CSV" in problem.message


@pytest.mark.skipif(PERMISSIONS_BYPASSED, reason="root reads a chmod 000 file")
def test_an_unreadable_index_is_one_problem(tmp_path: Path) -> None:
    path = index_file(tmp_path, "path\na.txt\n")
    path.chmod(0)
    assert only_problem(path).message == "the index could not be read: Permission denied"
