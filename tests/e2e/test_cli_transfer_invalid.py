"""Files the archive's validator declares invalid: reasons in the receipt, listed, exit 1."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.transfer_cli_kit import Workspace, receipt, running_archive
from uploader_gui import __version__
from uploader_gui.sandbox.archive import LocalArchive

FILES = {
    "good/a.fits": b"a good image\n",
    "bad_one.fits": b"an image with the wrong units\n",
    "bad_two.fits": b"another one\n",
    "table.csv": b"id\n1\n",
}
REASON = "HDU 1/BUNIT: value 'adu' does not match 'electron/s'"


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with running_archive(invalid_globs=("bad_*",)) as archive:
        yield archive


def test_invalid_files_are_listed_with_their_reasons_and_exit_1(
    archive: LocalArchive, tmp_path: Path
) -> None:
    workspace = Workspace(archive, tmp_path)
    receipts = tmp_path / "my receipts"
    run = workspace.run(workspace.folder(FILES), "--receipt", str(receipts))

    assert run.exit_status == 1, run.out + run.err
    assert "finished with invalid or failed files" in run.out
    for path in ("bad_one.fits", "bad_two.fits"):
        assert f"  invalid: {path}: {REASON}" in run.out
    data = receipt(run)
    assert data["delivery"]["outcome"] == "finished with invalid or failed files"
    assert data["written_by"] == {"app": "uploader-gui", "version": __version__}
    states = {entry["path"]: (entry["state"], entry["message"]) for entry in data["files"]}
    assert states["good/a.fits"] == ("valid", "")
    assert states["table.csv"] == ("valid", "")
    for path in ("bad_one.fits", "bad_two.fits"):
        assert states[path] == ("invalid", REASON + "\n")  # the validator's YAML, verbatim
    (csv_path,) = receipts.glob("*.csv")
    rows = list(csv.reader(io.StringIO(csv_path.read_text("utf-8"))))
    assert rows[0] == ["file", "state", "message"]
    by_file = {row[0]: row[1:] for row in rows[1:]}
    assert by_file["bad_one.fits"] == ["invalid", REASON]
    assert by_file["bad_two.fits"] == ["invalid", REASON]
    assert by_file["good/a.fits"] == ["valid", ""]
    assert sorted(p.suffix for p in receipts.iterdir()) == [".csv", ".json"]
