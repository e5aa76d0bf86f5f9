"""What the folder walk lists, skips and reports (core.folder_index): paths, junk, names."""

from __future__ import annotations

import os
import socket
import tempfile
import zlib
from pathlib import Path

import pytest

from uploader_gui.core.checksums.crc32 import crc32_from_base64
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.delivery.folder_index import (
    FolderIndex,
    IndexOptions,
    SkippedEntry,
    build_folder_index,
)
from uploader_gui.core.errors import UserInputError


def _permissions_are_bypassed() -> bool:
    """Whether this process reads a chmod 000 file anyway (root, or CAP_DAC_OVERRIDE)."""
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / "probe"
        probe.write_bytes(b"")
        probe.chmod(0)
        try:
            probe.open("rb").close()
        except PermissionError:
            return False
        return True


PERMISSIONS_BYPASSED = _permissions_are_bypassed()


def make_files(root: Path, files: dict[str, bytes]) -> None:
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def skipped_by_path(index: FolderIndex) -> dict[str, SkippedEntry]:
    return {entry.path: entry for entry in index.skipped}


def test_lists_regular_files_as_sorted_relative_posix_paths(tmp_path: Path) -> None:
    make_files(
        tmp_path,
        {"b.txt": b"a\n", "a/z.fits": b"zz", "a/b/c.dat": b"", "A.txt": b"x", "é.txt": b"e"},
    )
    index = build_folder_index(tmp_path)
    assert [f.path for f in index.files] == ["A.txt", "a/b/c.dat", "a/z.fits", "b.txt", "é.txt"]
    by_path = {f.path: f for f in index.files}
    stat = (tmp_path / "b.txt").stat()
    assert by_path["b.txt"] == FileFingerprint(
        "b.txt", 2, stat.st_mtime_ns, crc32_from_base64("3eqhBw==")
    )
    assert by_path["a/z.fits"].crc32 == zlib.crc32(b"zz")
    assert by_path["a/b/c.dat"].crc32_base64 == "AAAAAA=="
    assert index.root == tmp_path
    assert index.bytes_total == 6
    assert index.has_checksums
    assert index.skipped == ()
    assert index.problems == ()


def test_without_checksums_files_are_listed_with_none(tmp_path: Path) -> None:
    make_files(tmp_path, {"a.txt": b"a\n"})
    index = build_folder_index(tmp_path, IndexOptions(compute_checksums=False))
    assert [(f.path, f.size_bytes, f.crc32) for f in index.files] == [("a.txt", 2, None)]
    assert not index.has_checksums


@pytest.mark.parametrize(
    ("name", "what"),
    [
        (".DS_Store", "Finder"),
        ("Thumbs.db", "thumbnail"),
        ("thumbs.db", "thumbnail"),
        ("desktop.ini", "Windows folder settings"),
        ("Desktop.ini", "Windows folder settings"),
        ("._photo.jpg", "AppleDouble"),
        ("~$report.docx", "Office lock"),
        ("Icon\r", "custom folder icon"),
    ],
)
def test_junk_files_are_skipped_and_said_so(tmp_path: Path, name: str, what: str) -> None:
    make_files(tmp_path, {"data.fits": b"d", f"sub/{name}": b"junk"})
    index = build_folder_index(tmp_path)
    assert [f.path for f in index.files] == ["data.fits"]
    [entry] = index.skipped
    assert entry.is_junk
    assert not entry.is_problem
    assert what in entry.reason
    assert entry.path.startswith("sub/")


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("frame_0001.fits~", "editor backup"),
        ("notes.txt~", "editor backup"),
        ("#notes.txt#", "Emacs auto-save"),
        (".#notes.txt", "Emacs lock"),
        (".frame_0001.fits.swp", "Vim swap"),
        (".notes.txt.swo", "Vim swap"),
    ],
)
def test_editor_leftovers_are_junk_not_problems(tmp_path: Path, name: str, what: str) -> None:
    make_files(tmp_path, {"raw/frame_0001.fits": b"d", f"raw/{name}": b"old"})
    index = build_folder_index(tmp_path)
    assert [f.path for f in index.files] == ["raw/frame_0001.fits"]
    assert index.problems == ()
    [entry] = index.skipped
    assert (entry.path, entry.is_junk, entry.is_problem) == (f"raw/{name}", True, False)
    assert what in entry.reason


def test_editor_rules_leave_folders_and_look_alike_data_alone(tmp_path: Path) -> None:
    make_files(
        tmp_path,
        {"old~/frame.fits": b"a", "#1.fits": b"b", "run.swp": b"c", "a#b#.fits": b"d"},
    )
    index = build_folder_index(tmp_path)
    assert [f.path for f in index.files] == ["#1.fits", "a#b#.fits", "old~/frame.fits", "run.swp"]
    assert index.skipped == ()


def test_editor_leftovers_are_indexed_when_junk_is_kept(tmp_path: Path) -> None:
    make_files(tmp_path, {"a.fits": b"a", "a.fits~": b"b"})
    index = build_folder_index(tmp_path, IndexOptions(skip_junk=False))
    assert [f.path for f in index.files] == ["a.fits", "a.fits~"]


@pytest.mark.parametrize("folder", [".Trashes", ".Spotlight-V100", "$RECYCLE.BIN"])
def test_os_junk_folders_are_skipped_whole(tmp_path: Path, folder: str) -> None:
    make_files(tmp_path, {"data.fits": b"d", f"{folder}/deep/file": b"x"})
    index = build_folder_index(tmp_path)
    assert [f.path for f in index.files] == ["data.fits"]
    assert [(e.path, e.is_junk) for e in index.skipped] == [(f"{folder}/", True)]


def test_junk_is_indexed_when_asked(tmp_path: Path) -> None:
    make_files(tmp_path, {".DS_Store": b"x", "._a": b"y", "a": b"z"})
    index = build_folder_index(tmp_path, IndexOptions(skip_junk=False))
    assert [f.path for f in index.files] == [".DS_Store", "._a", "a"]
    assert index.skipped == ()


def test_excludes_match_the_relative_path_or_the_name(tmp_path: Path) -> None:
    make_files(
        tmp_path,
        {
            "keep.fits": b"k",
            "deep/er/scratch.tmp": b"t",
            "raw/1.dat": b"r",
            "raw/2.dat": b"r",
            "logs/run.log": b"l",
            "other/run.log": b"l",
            "UPPER.TMP": b"u",
        },
    )
    options = IndexOptions(excludes=("*.tmp", "raw/", "logs/*.log"))
    index = build_folder_index(tmp_path, options)
    # *.tmp is case-sensitive; logs/*.log matches only under logs/; raw is skipped whole.
    assert [f.path for f in index.files] == ["UPPER.TMP", "keep.fits", "other/run.log"]
    reasons = {e.path: e.reason for e in index.skipped}
    assert reasons == {
        "deep/er/scratch.tmp": "excluded by the pattern '*.tmp'",
        "logs/run.log": "excluded by the pattern 'logs/*.log'",
        "raw/": "excluded by the pattern 'raw'",
    }
    assert not any(e.is_problem or e.is_junk for e in index.skipped)


def test_symlinks_are_never_followed_so_a_loop_ends(tmp_path: Path) -> None:
    make_files(tmp_path, {"data/a.txt": b"a\n"})
    (tmp_path / "data" / "loop").symlink_to(tmp_path)
    (tmp_path / "link.txt").symlink_to(tmp_path / "data" / "a.txt")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    index = build_folder_index(tmp_path)
    assert [f.path for f in index.files] == ["data/a.txt"]
    skipped = skipped_by_path(index)
    assert set(skipped) == {"dangling", "data/loop", "link.txt"}
    for entry in skipped.values():
        assert entry.reason == "symbolic link, not followed"
        assert not entry.is_problem  # upstream skips links too; the person is told, not stopped


def test_special_files_are_noted_not_read(tmp_path: Path) -> None:
    make_files(tmp_path, {"a.txt": b"a"})
    os.mkfifo(tmp_path / "pipe")
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(tmp_path / "sock"))
        index = build_folder_index(tmp_path)  # would hang if it opened the pipe
    reasons = {e.path: (e.reason, e.is_problem) for e in index.skipped}
    assert reasons == {
        "pipe": ("not a regular file (a named pipe)", False),
        "sock": ("not a regular file (a socket)", False),
    }


@pytest.mark.parametrize(
    ("raw_name", "shown", "reason_part"),
    [
        (b"caf\xe9.txt", "caf\\xe9.txt", "not valid UTF-8"),
        (b"two\nlines.txt", "two\\nlines.txt", "line break"),
        (b"car\rriage.txt", "car\\rriage.txt", "line break"),
        (b"back\\slash.txt", "back\\slash.txt", "backslash"),
        (b"bell\x07.txt", "bell\\x07.txt", "control character U+0007"),
        (b"NA", "NA", "missing value"),
    ],
)
def test_names_that_cannot_be_delivered_are_problems(
    tmp_path: Path, raw_name: bytes, shown: str, reason_part: str
) -> None:
    make_files(tmp_path, {"ok.txt": b"ok"})
    with open(os.path.join(os.fsencode(tmp_path), raw_name), "wb") as stream:
        stream.write(b"data")
    index = build_folder_index(tmp_path)
    assert [f.path for f in index.files] == ["ok.txt"]
    [problem] = index.problems
    assert problem.path == shown
    assert reason_part in problem.reason
    assert not problem.is_junk


def test_a_file_in_a_non_utf8_folder_is_a_problem(tmp_path: Path) -> None:
    folder = os.path.join(os.fsencode(tmp_path), b"r\xe9sultats")
    os.mkdir(folder)
    Path(os.fsdecode(os.path.join(folder, b"a.txt"))).write_bytes(b"x")
    index = build_folder_index(tmp_path)
    assert index.files == ()
    [problem] = index.problems
    assert problem.path == "r\\xe9sultats/a.txt"


def test_a_path_longer_than_the_archive_allows_is_a_problem(tmp_path: Path) -> None:
    relative = "/".join(["d" * 200] * 5) + "/" + "f" * 30  # 1,035 bytes
    make_files(tmp_path, {relative: b"x"})
    [problem] = build_folder_index(tmp_path).problems
    assert "1035 bytes" in problem.reason


def test_a_folder_that_cannot_be_listed_is_a_problem_even_for_root(tmp_path: Path) -> None:
    # Deeper than PATH_MAX (4,096 bytes) no one can list a folder by its path (on Windows the
    # limit is far lower): built with dir_fd, one level at a time.
    make_files(tmp_path, {"ok.txt": b"ok"})
    name = "n" * 250
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        for _ in range(18):
            os.mkdir(name, dir_fd=fd)
            child = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
    finally:
        os.close(fd)
    index = build_folder_index(tmp_path)
    assert [f.path for f in index.files] == ["ok.txt"]
    [problem] = index.problems
    assert problem.reason.startswith("folder could not be read:")
    assert "too long" in problem.reason
    assert problem.path.endswith("/")


@pytest.mark.skipif(
    PERMISSIONS_BYPASSED, reason="root lists any folder; see the PATH_MAX test instead"
)
def test_a_folder_without_permission_is_a_problem(tmp_path: Path) -> None:
    make_files(tmp_path, {"ok.txt": b"ok", "secret/a.txt": b"a"})
    (tmp_path / "secret").chmod(0)
    try:
        index = build_folder_index(tmp_path)
    finally:
        (tmp_path / "secret").chmod(0o755)
    [problem] = index.problems
    assert problem.path == "secret/"
    assert "ermission denied" in problem.reason


def test_the_index_being_written_is_left_out(tmp_path: Path) -> None:
    make_files(tmp_path, {"a.txt": b"a", "index.csv": b"path\na.txt\n"})
    options = IndexOptions(leave_out=(tmp_path / "index.csv", tmp_path.parent / "elsewhere.csv"))
    index = build_folder_index(tmp_path, options)
    assert [f.path for f in index.files] == ["a.txt"]
    assert [(e.path, e.reason) for e in index.skipped] == [
        ("index.csv", "the index file this run writes")
    ]


@pytest.mark.parametrize("what", ["missing", "file"])
def test_a_root_that_is_not_a_folder_is_refused(tmp_path: Path, what: str) -> None:
    root = tmp_path / "root"
    if what == "file":
        root.write_bytes(b"")
    with pytest.raises(UserInputError, match="does not exist" if what == "missing" else "not a"):
        build_folder_index(root)


def test_skipped_entries_are_sorted_and_problems_are_the_blocking_ones(tmp_path: Path) -> None:
    make_files(tmp_path, {"z/.DS_Store": b"", "a\\b": b"", "m.txt": b"m"})
    (tmp_path / "b-link").symlink_to(tmp_path / "m.txt")
    index = build_folder_index(tmp_path)
    assert [e.path for e in index.skipped] == ["a\\b", "b-link", "z/.DS_Store"]
    assert [e.path for e in index.problems] == ["a\\b"]
