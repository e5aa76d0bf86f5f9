"""The pre-flight Details: the file and the fix are what the person acts on, so a long one is
shown whole (the row grows to it), and its tooltip holds the whole text."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from pytestqt.qtbot import QtBot

from uploader_gui.core.delivery.problems import Problem
from uploader_gui.ui.problems_dialog import WRAP_MAX_ROWS, ProblemsDialog

LONG_FIX = (
    "Set instrument.filters to the list of filter names used in the observing run, exactly as "
    "they appear in the FITS headers (FILTER keyword), one per line, then choose the label "
    "again so the pre-flight check runs once more."
)
LONG_FILE = "survey-2024/raw/night-03/detector-07/exposures/calibrated/labels/run-label.yaml"


def test_a_long_fix_and_file_are_shown_in_full(qtbot: QtBot) -> None:
    problem = Problem(LONG_FILE, "instrument.filters is missing", line=12, fix=LONG_FIX)
    dialog = ProblemsDialog("✗ 1 problem", [problem])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    table = dialog.table
    fix_index = dialog.model.index(0, 5)
    assert fix_index.data(Qt.ItemDataRole.ToolTipRole) == LONG_FIX
    one_line = table.fontMetrics().height()
    for column, text in ((5, LONG_FIX), (1, LONG_FILE)):
        width = table.columnWidth(column) - 8  # the cell's margins
        needed = table.fontMetrics().boundingRect(
            QRect(0, 0, width, 10_000), int(Qt.TextFlag.TextWrapAnywhere), text
        )
        assert needed.height() > one_line, "the text is long enough to need wrapping"
        assert table.rowHeight(0) >= needed.height(), f"column {column} is cut"
    assert dialog.model.row_texts(0)[1] == LONG_FILE  # copied as it is, without wrap marks


def test_a_very_long_list_keeps_fixed_rows(qtbot: QtBot) -> None:
    problems = [Problem(f"f{n}.fits", "invalid", fix=LONG_FIX) for n in range(WRAP_MAX_ROWS + 1)]
    dialog = ProblemsDialog("many", problems)
    qtbot.addWidget(dialog)
    assert not dialog.table.wordWrap()  # measuring every row would freeze the window
    assert dialog.model.index(0, 5).data(Qt.ItemDataRole.ToolTipRole) == LONG_FIX
