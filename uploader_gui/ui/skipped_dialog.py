"""The "Skipped" list: every path the index left out, with the reason, and a way to copy it.

Junk (`.DS_Store`, `Thumbs.db`, …) is left out on purpose; problems (unreadable files, names
the archive cannot take) are what the person has to fix, so they are listed first.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
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

from uploader_gui.core.formatting import count_text
from uploader_gui.ui.engine_bridge import SkippedItem
from uploader_gui.ui.text_table_model import TextTableModel

_HEADERS = ("Path", "Why it was skipped", "Kind")


def kind_text(item: SkippedItem) -> str:
    if item.is_problem:
        return "Problem to fix"
    return "Junk file" if item.is_junk else "Excluded"


class SkippedTableModel(TextTableModel):
    """Read-only rows of skipped paths; problems first, then the rest in path order."""

    def __init__(self, items: Sequence[SkippedItem], parent: QWidget | None = None) -> None:
        self._items = sorted(items, key=lambda item: (not item.is_problem, item.path))
        rows = [(item.path, item.reason, kind_text(item)) for item in self._items]
        super().__init__(_HEADERS, rows, parent)

    @property
    def items(self) -> tuple[SkippedItem, ...]:
        return tuple(self._items)


class SkippedDialog(QDialog):
    """A small non-modal window listing skipped paths."""

    def __init__(self, items: Sequence[SkippedItem], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Skipped files")
        self.resize(720, 360)
        self.model = SkippedTableModel(items, self)
        problems = sum(1 for item in items if item.is_problem)
        summary = f"{count_text(len(items), 'path')} left out of the index"
        if problems:
            summary += f", {count_text(problems, 'problem')} to fix"
        self.summary_label = QLabel(summary + ".")
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().resizeSection(1, 260)
        copy_button = QPushButton("&Copy list")
        copy_button.setToolTip("Copy every skipped path and reason, tab-separated")
        copy_button.clicked.connect(self.copy_to_clipboard)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.copy_button = copy_button
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.table.addAction(self._copy_action())

    def _copy_action(self) -> QAction:
        action = QAction("Copy", self.table)
        action.setShortcut(QKeySequence.StandardKey.Copy)
        action.triggered.connect(self.copy_to_clipboard)
        return action

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self.model.as_tsv())
