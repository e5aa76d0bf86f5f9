"""Pre-flight puts label, files and the archive's matching together into one verdict."""

from __future__ import annotations

from pathlib import Path

from tests.unit.core.delivery.label_texts import make_label
from uploader_gui.core.delivery.index_file import read_provider_index
from uploader_gui.core.delivery.label import Label
from uploader_gui.core.delivery.preflight import read_label_and_index, run_preflight

FILETYPES = """\
images: {filename: '.*\\.fits$', standard: fits}
readme: {filename: 'README.*'}
"""


def demo_label() -> Label:
    return make_label(FILETYPES)


def make_files(root: Path, *relative_paths: str) -> Path:
    for relative in relative_paths:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"a\n")
    return root


def test_an_index_the_archive_would_accept(tmp_path: Path) -> None:
    csv_path = tmp_path / "index.csv"
    csv_path.write_text("path\nimg/a.fits\nimg/b.fits\nREADME.md\n", encoding="utf-8")
    report = run_preflight(demo_label(), read_provider_index(csv_path), None)
    assert report.is_accepted
    assert report.source == str(csv_path)
    assert report.paths == ("img/a.fits", "img/b.fits", "README.md")
    assert report.files_by_filetype() == [("images", 2), ("readme", 1)]


def test_an_index_with_a_file_of_no_filetype_is_refused(tmp_path: Path) -> None:
    csv_path = tmp_path / "index.csv"
    csv_path.write_text("path\nimg/a.fits\nREADME\nnotes.txt\n", encoding="utf-8")
    report = run_preflight(demo_label(), read_provider_index(csv_path), tmp_path / "unused")
    assert not report.is_accepted
    (problem,) = report.problems
    assert (problem.file, problem.message) == ("notes.txt", "matches no filetype")
    assert report.files_by_filetype() == [("images", 1), ("readme", 1), (None, 1)]


def test_a_folder_is_walked_without_its_junk(tmp_path: Path) -> None:
    root = make_files(tmp_path / "data", "img/a.fits", "README.txt", ".DS_Store", "img/._a.fits")
    report = run_preflight(demo_label(), None, root)
    assert report.is_accepted
    assert set(report.paths) == {"img/a.fits", "README.txt"}
    (junk,) = report.hints
    assert junk.file == str(root)
    assert "2 system or junk files left out of the delivery" in junk.message


def test_a_folder_file_that_cannot_be_delivered_is_a_problem(tmp_path: Path) -> None:
    root = make_files(tmp_path / "data", "img/a.fits", "README", "img/bad\\name.fits")
    report = run_preflight(demo_label(), None, root)
    assert not report.is_accepted
    (problem,) = report.problems
    assert "bad" in problem.file
    assert "move it out of the folder" in problem.fix


def test_an_empty_folder_has_nothing_to_deliver(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    report = run_preflight(demo_label(), None, root)
    messages = [p.message for p in report.problems]
    assert "there are no files to deliver" in messages
    assert "filetype 'images' matches no file" in messages


def test_the_label_alone_is_checked_without_files() -> None:
    report = run_preflight(demo_label(), None, None)
    assert report.is_accepted
    assert report.match is None
    assert report.files_by_filetype() == []


def test_with_the_archive_bucket_stem_a_too_long_name_is_refused() -> None:
    report = run_preflight(demo_label(), None, None, bucket_stem="archive-" * 5)
    (problem,) = report.problems
    assert problem.key == "dataset"
    assert "S3 allows 63" in problem.message


def test_label_and_index_problems_are_reported_together(tmp_path: Path) -> None:
    label = tmp_path / "label.yaml"
    label.write_text("dataset: demo_set\n", encoding="utf-8")
    index = tmp_path / "index.csv"
    index.write_text("path,checksum\n../escape.fits,3eqhBw==\n", encoding="utf-8")

    files = read_label_and_index(label, index, None)

    assert files.label is None
    assert files.index is None
    reported = {Path(problem.file).name for problem in files.problems}
    assert reported == {"label.yaml", "index.csv"}
    assert any(problem.line == 2 for problem in files.problems if problem.file.endswith(".csv"))


def test_good_label_without_index_reads_cleanly() -> None:
    example = Path(__file__).resolve().parents[4] / "resources/examples/demo-label.yaml"

    files = read_label_and_index(example, None, None)

    assert files.problems == ()
    assert files.label is not None
    assert files.label.delivery_id == "0001"
    assert files.index is None
