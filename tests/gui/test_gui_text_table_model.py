"""The read-only lists (pre-flight problems, skipped paths) behave as proper Qt models."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester

from uploader_gui.ui.text_table_model import TextTableModel


def test_rows_headers_and_copy_text(qtmodeltester: ModelTester) -> None:
    model = TextTableModel(("Path", "Why"), [("a.fits", "junk"), ("bad\udcff.fits", "name")])
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    assert model.columnCount() == 2
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Why"
    assert model.index(1, 0).data() == "bad\\udcff.fits"  # undecodable bytes shown, not dropped
    assert model.as_tsv() == "Path\tWhy\na.fits\tjunk\nbad\\udcff.fits\tname\n"
