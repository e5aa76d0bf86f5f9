"""`--receipt PATH`: a folder gets both files inside it, a file path gets the JSON there."""

from __future__ import annotations

from pathlib import Path

from uploader_gui.wiring.receipt_writer import receipt_paths


def test_an_existing_folder_holds_both_files(tmp_path: Path) -> None:
    assert receipt_paths(tmp_path, "r") == (tmp_path / "r.json", tmp_path / "r.csv")


def test_a_new_path_without_a_suffix_is_a_folder(tmp_path: Path) -> None:
    target = tmp_path / "receipts"
    assert receipt_paths(target, "r") == (target / "r.json", target / "r.csv")


def test_a_new_json_path_is_the_json_file_with_the_csv_beside_it(tmp_path: Path) -> None:
    target = tmp_path / "new" / "out.json"
    assert receipt_paths(target, "r") == (target, tmp_path / "new" / "out.csv")


def test_a_csv_path_is_the_csv_file_with_the_json_beside_it(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    assert receipt_paths(target, "r") == (tmp_path / "out.json", target)


def test_an_existing_file_without_a_suffix_is_overwritten_as_the_json(tmp_path: Path) -> None:
    target = tmp_path / "receipt"
    target.write_text("old", "utf-8")
    assert receipt_paths(target, "r") == (target, tmp_path / "receipt.csv")
