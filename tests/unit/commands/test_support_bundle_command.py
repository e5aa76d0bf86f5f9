"""`uploader-gui support-bundle [ID] -o FILE` through the real command line, on a real store."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tests.unit.wiring.test_support_bundle import VERDICT, delivered_with_one_invalid
from uploader_gui.cli import main
from uploader_gui.wiring.support_bundle import BundleSources


def test_the_command_saves_the_bundle_of_the_named_delivery(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "state.sqlite3"
    key, _ = delivered_with_one_invalid(BundleSources(store_path=store), tmp_path / "receipts")
    target = tmp_path / "bundle.zip"

    code = main(["support-bundle", str(key), "-o", str(target), "--store", str(store)])

    assert code == 0
    assert capsys.readouterr().out.strip() == f"Support bundle saved: {target}"
    with zipfile.ZipFile(target) as bundle:
        summary = json.loads(bundle.read("delivery.json"))
        assert "receipts/receipt-from-store.json" in bundle.namelist()
    assert summary["files_not_valid"][0]["verdict_message"] == VERDICT


def test_an_unknown_delivery_is_refused_with_where_to_look(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "state.sqlite3"
    delivered_with_one_invalid(BundleSources(store_path=store), tmp_path / "receipts")
    target = tmp_path / "bundle.zip"

    code = main(["support-bundle", "99", "-o", str(target), "--store", str(store)])

    assert code == 1
    assert "no delivery 99; see `uploader-gui deliveries`" in capsys.readouterr().err
    assert not target.exists()


def test_an_unwritable_target_says_the_file_and_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("a file", "utf-8")
    target = not_a_folder / "bundle.zip"

    code = main(["support-bundle", "-o", str(target), "--store", str(tmp_path / "none.sqlite3")])

    assert code == 3
    err = capsys.readouterr().err
    assert str(target) in err
    assert "choose a folder you can write to" in err
