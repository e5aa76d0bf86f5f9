"""`uploader-gui index` as a person runs it: files written, messages, exit codes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from uploader_gui.cli import build_parser, main
from uploader_gui.commands.index import _ProgressPrinter, format_bytes, run_index
from uploader_gui.core.events import IndexProgressed, IndexStarted


def make_source(root: Path) -> Path:
    source = root / "source"
    (source / "sub").mkdir(parents=True)
    (source / "a.txt").write_bytes(b"a\n")
    (source / "sub" / "b,c.fits").write_bytes(b"")
    (source / ".DS_Store").write_bytes(b"junk")
    return source


def run_cli(*args: str | Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["index", *(str(a) for a in args)])
    captured = capsys.readouterr()
    assert captured.out == ""  # everything a person reads goes to stderr
    return code, captured.err


def test_writes_the_index_with_checksums_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = make_source(tmp_path)
    out = tmp_path / "index.csv"
    code, err = run_cli(source, "-o", out, capsys=capsys)
    assert code == 0
    assert out.read_bytes() == b'path,checksum\na.txt,3eqhBw==\n"sub/b,c.fits",AAAAAA==\n'
    assert ".DS_Store — junk: macOS Finder folder settings" in err
    assert f"wrote {out}: 2 files, 2 B, with checksums" in err


def test_the_default_output_is_index_csv_in_the_current_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = make_source(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    code, _ = run_cli(source, capsys=capsys)
    assert code == 0
    assert (work / "index.csv").read_text().startswith("path,checksum\n")


def test_the_default_output_is_refused_inside_the_source(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = make_source(tmp_path)
    monkeypatch.chdir(source / "sub")
    code, err = run_cli("..", capsys=capsys)
    assert code == 2
    assert "inside SOURCE" in err
    assert "-o" in err
    assert not (source / "sub" / "index.csv").exists()


def test_an_explicit_output_inside_the_source_never_lists_itself(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = make_source(tmp_path)
    out = source / "index.csv"
    assert run_cli(source, "-o", out, capsys=capsys)[0] == 0
    first = out.read_text()
    code, err = run_cli(source, "-o", out, capsys=capsys)  # now it exists inside SOURCE
    assert code == 0
    assert out.read_text() == first
    assert "index.csv" not in first
    assert "index.csv — the index file this run writes" in err


def test_a_data_file_inside_the_source_is_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = make_source(tmp_path)
    code, err = run_cli(source, "-o", source / "a.txt", capsys=capsys)
    assert code == 2
    assert "not an index: it will not be overwritten" in err
    assert (source / "a.txt").read_bytes() == b"a\n"


def test_no_checksums_writes_only_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = make_source(tmp_path)
    out = tmp_path / "index.csv"
    code, err = run_cli(source, "-o", out, "--no-checksums", capsys=capsys)
    assert code == 0
    assert out.read_text() == 'path\na.txt\n"sub/b,c.fits"\n'
    assert "without checksums" in err


def test_excludes_repeat(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = make_source(tmp_path)
    (source / "scratch.tmp").write_bytes(b"t")
    out = tmp_path / "index.csv"
    code, err = run_cli(source, "-o", out, "--exclude", "*.tmp", "--exclude", "sub", capsys=capsys)
    assert code == 0
    assert out.read_text() == "path,checksum\na.txt,3eqhBw==\n"
    assert "scratch.tmp — excluded by the pattern '*.tmp'" in err
    assert "sub/ — excluded by the pattern 'sub'" in err


def test_problems_stop_the_index_unless_skips_are_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = make_source(tmp_path)
    with open(os.path.join(os.fsencode(source), b"caf\xe9.txt"), "wb") as stream:
        stream.write(b"x")
    (source / "back\\slash").write_bytes(b"x")
    out = tmp_path / "index.csv"
    code, err = run_cli(source, "-o", out, capsys=capsys)
    assert code == 1
    assert not out.exists()
    assert "PROBLEM caf\\xe9.txt — the name is not valid UTF-8" in err
    assert "PROBLEM back\\slash — the path contains a backslash" in err
    assert "index NOT written: 2 problems" in err
    assert "--allow-skips" in err

    code, err = run_cli(source, "-o", out, "--allow-skips", capsys=capsys)
    assert code == 0
    assert out.read_text() == 'path,checksum\na.txt,3eqhBw==\n"sub/b,c.fits",AAAAAA==\n'
    assert "PROBLEM caf\\xe9.txt" in err  # still listed
    assert "2 files with problems left out" in err


def test_an_empty_folder_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "Thumbs.db").write_bytes(b"junk only")
    code, err = run_cli(tmp_path / "empty", "-o", tmp_path / "index.csv", capsys=capsys)
    assert code == 1
    assert "no files to list" in err
    assert not (tmp_path / "index.csv").exists()


@pytest.mark.parametrize(
    ("arguments", "message_part"),
    [
        (("{tmp}/missing",), "does not exist"),
        (("{tmp}/source/a.txt",), "is not a folder"),
        (("{tmp}/source", "-o", "{tmp}/no/such/folder/index.csv"), "does not exist"),
        (("{tmp}/source", "-o", "{tmp}"), "is a folder"),
        (("{tmp}/source", "-o", "{tmp}/i.csv", "--workers", "0"), "at least 1"),
        (("{tmp}/source", "-o", "{tmp}/i.csv", "--exclude", ""), "non-empty GLOB"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    arguments: tuple[str, ...],
    message_part: str,
) -> None:
    make_source(tmp_path)
    code, err = run_cli(*(a.format(tmp=tmp_path) for a in arguments), capsys=capsys)
    assert code == 2
    assert err.startswith("uploader-gui index: error: ")
    assert message_part in err
    assert not (tmp_path / "i.csv").exists()


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_an_output_folder_nobody_can_write_to_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = make_source(tmp_path)
    code, err = run_cli(source, "-o", "/proc/index.csv", capsys=capsys)  # even root cannot
    assert code == 1
    assert "index NOT written: cannot write /proc/index.csv" in err


def test_interrupting_writes_nothing_and_exits_130(tmp_path: Path) -> None:
    source = make_source(tmp_path)
    out = tmp_path / "index.csv"
    calls = [0]

    def clock_until_ctrl_c() -> float:  # Ctrl-C arrives while the folder is being read
        calls[0] += 1
        if calls[0] > 3:
            raise KeyboardInterrupt
        return 0.0

    args = build_parser().parse_args(["index", str(source), "-o", str(out)])
    stderr = io.StringIO()
    assert run_index(args, stderr=stderr, clock=clock_until_ctrl_c) == 130
    assert "interrupted: nothing written" in stderr.getvalue()
    assert not out.exists()


def test_progress_on_a_terminal_rewrites_one_line() -> None:
    stream = io.StringIO()
    printer = _ProgressPrinter(stream, lambda: 0.0, is_tty=True)
    printer(IndexStarted("/x"))
    printer(IndexProgressed(5, 10, 1024, 2048, 1536.0))
    printer(IndexProgressed(10, 10, 2048, 2048, 2048.0))
    printer.end_line()
    lines = stream.getvalue().split("\r")
    assert lines[1].startswith("5/10 files, 1.0 KiB/2.0 KiB, 1.5 KiB/s")
    assert lines[2].rstrip() == "10/10 files, 2.0 KiB/2.0 KiB, 2.0 KiB/s"
    assert stream.getvalue().endswith("\n")


def test_progress_in_a_log_is_a_line_every_few_seconds() -> None:
    stream = io.StringIO()
    now = [0.0]
    printer = _ProgressPrinter(stream, lambda: now[0], is_tty=False)
    printer(IndexProgressed(1, 10, 1, 10, 1.0))  # a quick run prints nothing
    now[0] = 6.0
    printer(IndexProgressed(2, 10, 2, 10, 1.0))
    now[0] = 7.0
    printer(IndexProgressed(3, 10, 3, 10, 1.0))
    assert stream.getvalue() == "2/10 files, 2 B/10 B, 1 B/s\n"


@pytest.mark.parametrize(
    ("count", "shown"),
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1536, "1.5 KiB"),
        (5 * 1024**3, "5.0 GiB"),
        (3 * 1024**4, "3.0 TiB"),
    ],
)
def test_byte_counts_read_well(count: int, shown: str) -> None:
    assert format_bytes(count) == shown


def test_the_installed_command_runs_end_to_end(tmp_path: Path) -> None:
    source = make_source(tmp_path)
    out = tmp_path / "index.csv"
    result = subprocess.run(
        [sys.executable, "-m", "uploader_gui", "index", str(source), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_text().splitlines()[1] == "a.txt,3eqhBw=="


def test_the_benchmark_runs_on_a_tiny_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tiny = ["--dir", str(tmp_path), "--big-mib", "1", "--small-files", "20", "--rounds", "1"]
    code = main(["bench", "index", *tiny])
    out = capsys.readouterr().out
    assert code in (0, 1)  # a ratio on a tiny tree says nothing; the figures must be there
    assert "<- used" in out
    assert "1 file of 1 MiB" in out
    assert "20 files of 16 KiB" in out
    assert "index/cat" in out
    assert os.listdir(tmp_path) == []  # the temporary tree is gone
