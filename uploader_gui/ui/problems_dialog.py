"""The pre-flight "Details": every problem the archive would refuse, where it is and the fix.

Problems come first (each alone makes the archive refuse the delivery), then notes (hints that
refuse nothing). Each row names the file, the line and the key where there is one, so the
person can go straight to it; "Copy list" puts the rows on the clipboard for an email.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
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

from uploader_gui.core.problems import Problem

HEADERS = ("Kind", "File", "Line", "Key", "What is wrong", "How to fix it")
PROBLEM_KIND, NOTE_KIND = "Problem", "Note"
_MESSAGE_COLUMN = 4


def _printable(text: str) -> str:
    """Undecodable file names (surrogate escapes) shown as \\x escapes, never a Qt error."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class ProblemsTableModel(QAbstractTableModel):
    """Read-only rows: (kind, problem), problems before notes, each in the order found."""

    def __init__(
        self,
        problems: Sequence[Problem],
        notes: Sequence[Problem] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._rows = [(PROBLEM_KIND, p) for p in problems] + [(NOTE_KIND, n) for n in notes]

    def row_texts(self, row: int) -> tuple[str, ...]:
        kind, problem = self._rows[row]
        line = "" if problem.line is None else str(problem.line)
        cells = (kind, problem.file, line, problem.key or "", problem.message, problem.fix)
        return tuple(_printable(cell) for cell in cells)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        return self.row_texts(index.row())[index.column()]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(HEADERS)
        ):
            return HEADERS[section]
        return super().headerData(section, orientation, role)

    def as_tsv(self) -> str:
        lines = ["\t".join(HEADERS)]
        lines += ["\t".join(self.row_texts(row)) for row in range(len(self._rows))]
        return "\n".join(lines) + "\n"


class ProblemsDialog(QDialog):
    """A non-modal window listing a pre-flight's problems and notes."""

    def __init__(
        self,
        headline: str,
        problems: Sequence[Problem],
        notes: Sequence[Problem] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Pre-flight check")
        self.resize(900, 380)
        self.model = ProblemsTableModel(problems, notes, self)
        self.headline_label = QLabel(headline)
        self.headline_label.setWordWrap(True)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Problems found by the pre-flight check")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        columns = self.table.horizontalHeader()
        columns.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        columns.setSectionResizeMode(_MESSAGE_COLUMN, QHeaderView.ResizeMode.Stretch)
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

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self.model.as_tsv())
