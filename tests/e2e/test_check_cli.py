"""`uploader-gui check`: exit 0 accepted, 1 one line per problem, 2 unusable arguments."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from uploader_gui.cli import main
from uploader_gui.core.checksums.crc32 import crc32_of_bytes, crc32_to_base64

DEMO_LABEL = Path(__file__).resolve().parents[2] / "resources" / "examples" / "demo-label.yaml"
DEMO_FILES = ("images/a.fits", "images/b.fits", "catalog_2024.parquet", "README.md")


@pytest.fixture
def source(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    for relative in DEMO_FILES:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"a\n")
    return root


def write_index(tmp_path: Path, *paths: str) -> Path:
    csv_path = tmp_path / "index.csv"
    csv_path.write_text("path\n" + "".join(f"{p}\n" for p in paths), encoding="utf-8")
    return csv_path


def test_a_folder_the_archive_would_accept(
    source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(DEMO_LABEL), "--source", str(source)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "OK: dataset demo_set, delivery 0001: the archive would accept 4 files."
    assert out[1].split() == ["images", "2"]
    assert out[2].split() == ["catalogue", "1"]
    assert out[3].split() == ["readme", "1"]


def test_an_index_with_its_source_folder(
    tmp_path: Path, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_path = write_index(tmp_path, *DEMO_FILES)
    assert main(["check", str(DEMO_LABEL), "--index", str(csv_path), "--source", str(source)]) == 0
    assert "would accept 4 files" in capsys.readouterr().out


def test_an_indexed_file_missing_from_the_source_folder_is_a_problem(
    tmp_path: Path, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_path = write_index(tmp_path, *DEMO_FILES, "images/gone.fits")
    assert main(["check", str(DEMO_LABEL), "--index", str(csv_path), "--source", str(source)]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{csv_path} line 6 [path]: images/gone.fits is not in")


def test_the_label_alone(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(DEMO_LABEL)]) == 0
    assert "the label is valid (3 filetypes)" in capsys.readouterr().out


def test_files_the_archive_would_refuse_are_one_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_path = write_index(
        tmp_path, "images/a.fits", "catalog_1.parquet", "catalog_1_draft.parquet", "notes.txt"
    )
    assert main(["check", str(DEMO_LABEL), "--index", str(csv_path)]) == 1
    captured = capsys.readouterr()
    lines = [line for line in captured.out.splitlines() if not line.startswith("hint: ")]
    assert len(lines) == 3
    assert lines[0].startswith("demo-label.yaml line 27 [filetypes.readme.filename]: ")
    assert "filetype 'readme' matches no file" in lines[0]
    assert lines[1].startswith("catalog_1_draft.parquet: matches no filetype: the exclusion")
    assert lines[2].startswith("notes.txt: matches no filetype — add a filetype")
    assert "refuse this delivery: 3 problems" in captured.err


def test_a_search_style_pattern_is_explained(
    tmp_path: Path, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    label = tmp_path / "label.yaml"
    label.write_text(
        DEMO_LABEL.read_text(encoding="utf-8").replace("'.*\\.fits$'", "'\\.fits$'"),
        encoding="utf-8",
    )
    assert main(["check", str(label), "--source", str(source)]) == 1
    out = capsys.readouterr().out
    assert "label.yaml line 17 [filetypes.images.filename]: filetype 'images' matches no" in out
    assert "the archive matches each pattern from the START of the file NAME" in out
    assert "write the pattern '\\.fits$' as '.*\\.fits$'" in out
    file_lines = [line for line in out.splitlines() if line.startswith("images/")]
    assert len(file_lines) == 2
    assert all("would put it in 'images'" in line for line in file_lines)


def test_label_and_index_problems_are_all_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    label = tmp_path / "label.yaml"
    label.write_text(
        DEMO_LABEL.read_text(encoding="utf-8").replace("'0001'", "'0x1'"), encoding="utf-8"
    )
    csv_path = tmp_path / "index.csv"
    csv_path.write_text("path,size\na.fits,1\n", encoding="utf-8")
    assert main(["check", str(label), "--index", str(csv_path)]) == 1
    out = capsys.readouterr().out
    assert "label.yaml line 6 [delivery_id]: the archive reads '0x1' as the number 1" in out
    assert "index.csv" in out
    assert "size" in out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["missing.yaml"], "label file missing.yaml does not exist"),
        (["{tmp}"], "is not a file"),
        (["{label}", "--index", "nope.csv"], "index file nope.csv does not exist"),
        (["{label}", "--source", "nowhere"], "source folder nowhere does not exist"),
        (["{label}", "--source", "{label}"], "is not a folder"),
    ],
)
def test_unusable_arguments_exit_2(
    arguments: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    filled = [a.format(tmp=tmp_path, label=DEMO_LABEL) for a in arguments]
    assert main(["check", *filled]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_label_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    label = tmp_path / "label.yaml"
    label.write_bytes(DEMO_LABEL.read_bytes())
    label.chmod(0)
    assert main(["check", str(label)]) == 2
    assert "cannot read the label file" in capsys.readouterr().err


def test_the_installed_entry_point(source: Path) -> None:
    script = shutil.which("uploader-gui", path=str(Path(sys.executable).parent))
    assert script is not None, "the uploader-gui entry point is not installed in this venv"
    accepted = subprocess.run(
        [script, "check", str(DEMO_LABEL), "--source", str(source)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout.startswith("OK: dataset demo_set, delivery 0001")
    (source / "stray.bin").write_bytes(b"x")
    refused = subprocess.run(
        [script, "check", str(DEMO_LABEL), "--source", str(source)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode == 1
    assert refused.stdout.startswith("stray.bin: matches no filetype")


def test_an_index_checksum_that_does_not_match_its_file_is_a_problem(
    tmp_path: Path, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = crc32_to_base64(crc32_of_bytes(b"a\n")), crc32_to_base64(crc32_of_bytes(b"b\n"))
    csv_path = tmp_path / "index.csv"
    csv_path.write_text(
        "path,checksum\n"
        + "".join(f"{p},{bad if p == 'README.md' else good}\n" for p in DEMO_FILES)
    )
    assert main(["check", str(DEMO_LABEL), "--index", str(csv_path), "--source", str(source)]) == 1
    captured = capsys.readouterr()
    (line,) = captured.out.splitlines()
    assert line.startswith(f"{csv_path} line 5 [checksum]: the checksum of README.md is {bad}")
    assert f"Checking checksums: {len(DEMO_FILES)} of {len(DEMO_FILES)} files" in captured.err
