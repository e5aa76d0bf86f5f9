"""The pre-flight "Details": every problem the archive would refuse, where it is and the fix
(also the list of a delivery's invalid files, with what the archive said about each).

Problems come first (each alone makes the archive refuse the delivery), then notes (hints that
refuse nothing). Each row names the file, the line and the key where there is one, so the
person can go straight to it; "Copy list" puts the rows on the clipboard for an email.

The file and the fix are what the person acts on, so they are shown in full: the cells wrap
(a path may break after a slash) and the rows grow to fit, for lists up to `WRAP_MAX_ROWS`
rows (measuring more would freeze the window, DESIGN.md §7); every cell's tooltip holds its
whole text, and the columns can be widened.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from uploader_gui.core.delivery.problems import Problem
from uploader_gui.ui.text_table_model import TextTableModel

HEADERS = ("Kind", "File", "Line", "Key", "What is wrong", "How to fix it")
PROBLEM_KIND, NOTE_KIND = "Problem", "Note"
_KIND_COLUMN, _FILE_COLUMN, _LINE_COLUMN, _KEY_COLUMN, _MESSAGE_COLUMN, _FIX_COLUMN = range(6)
WRAP_MAX_ROWS = 500
_FILE_COLUMN_WIDTH_PX = 220
_ZERO_WIDTH_SPACE = "\u200b"


class ProblemsTableModel(TextTableModel):
    """Read-only rows: (kind, problem), problems before notes, each in the order found."""

    def __init__(
        self,
        problems: Sequence[Problem],
        notes: Sequence[Problem] = (),
        parent: QWidget | None = None,
    ) -> None:
        rows = [(PROBLEM_KIND, p) for p in problems] + [(NOTE_KIND, n) for n in notes]
        super().__init__(HEADERS, [_cells(kind, problem) for kind, problem in rows], parent)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        text = super().data(index, role)
        if role == Qt.ItemDataRole.DisplayRole and index.column() == _FILE_COLUMN and text:
            # A path has no spaces: let it wrap after each slash (shown only, never copied).
            return str(text).replace("/", "/" + _ZERO_WIDTH_SPACE)
        return text


def _cells(kind: str, problem: Problem) -> tuple[str, ...]:
    line = "" if problem.line is None else str(problem.line)
    return (kind, problem.file, line, problem.key or "", problem.message, problem.fix)


class ProblemsDialog(QDialog):
    """A non-modal window listing a pre-flight's problems and notes."""

    def __init__(
        self,
        headline: str,
        problems: Sequence[Problem],
        notes: Sequence[Problem] = (),
        parent: QWidget | None = None,
        *,
        title: str = "Pre-flight check",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(900, 380)
        self.model = ProblemsTableModel(problems, notes, self)
        self.headline_label = QLabel(headline)
        self.headline_label.setWordWrap(True)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Problems found by the pre-flight check")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self._fit_table()
        self.copy_button = QPushButton("&Copy list")
        self.copy_button.setToolTip("Copy every problem and fix, tab-separated")
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline_label)
        layout.addWidget(self.table)
        layout.addWidget(buttons)

    def _fit_table(self) -> None:
        table = self.table
        table.verticalHeader().setVisible(False)
        columns = table.horizontalHeader()
        columns.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column in (_KIND_COLUMN, _LINE_COLUMN, _KEY_COLUMN):
            columns.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        columns.resizeSection(_FILE_COLUMN, _FILE_COLUMN_WIDTH_PX)
        for column in (_MESSAGE_COLUMN, _FIX_COLUMN):
            columns.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        is_small = self.model.rowCount() <= WRAP_MAX_ROWS
        table.setWordWrap(is_small)
        table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        rows = QHeaderView.ResizeMode.ResizeToContents if is_small else QHeaderView.ResizeMode.Fixed
        table.verticalHeader().setSectionResizeMode(rows)

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self.model.as_tsv())
