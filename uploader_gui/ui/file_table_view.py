"""The window's file table: a view on the filter proxy, built to stay quick at 1,000,000 rows.

Rows have one fixed height (measuring 100k rows to fit their contents takes about a minute),
the path column stretches and the others start wide enough for their usual texts; the person
can resize them, and the window keeps their widths (`window_geometry`).
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from uploader_gui.ui.file_table_model import Column
from uploader_gui.ui.progress_delegate import ProgressDelegate

COLUMN_WIDTHS_PX = {
    Column.SIZE: 110,
    Column.STATE: 130,
    Column.PROGRESS: 160,  # room for "42 % · 3.1 MiB/s"
    Column.MESSAGE: 260,
}


def build_file_table(model: QAbstractItemModel) -> QTableView:
    """A sortable, row-selecting table on `model`, per-file progress drawn as bars."""
    table = QTableView()
    table.setModel(model)
    table.setItemDelegateForColumn(Column.PROGRESS, ProgressDelegate(table))
    table.setAccessibleName("Files in the folder")
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    rows = table.verticalHeader()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(table.fontMetrics().height() + 8)
    rows.setVisible(False)
    columns = table.horizontalHeader()
    columns.setStretchLastSection(False)
    columns.setSectionResizeMode(Column.PATH, QHeaderView.ResizeMode.Stretch)
    for column, width_px in COLUMN_WIDTHS_PX.items():
        columns.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        columns.resizeSection(column, width_px)
    table.setSortingEnabled(True)
    table.sortByColumn(Column.PATH, Qt.SortOrder.AscendingOrder)
    return table
