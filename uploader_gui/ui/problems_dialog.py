"""The pre-flight "Details": every problem the archive would refuse, where it is and the fix
(also the list of a delivery's invalid files, with what the archive said about each).

Problems come first (each alone makes the archive refuse the delivery), then notes (hints that
refuse nothing). Each row names the file, the line and the key where there is one, so the
person can go straight to it; "Copy list" puts the rows on the clipboard for an email.
"""

from __future__ import annotations

from collections.abc import Sequence

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
_MESSAGE_COLUMN = 4


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
