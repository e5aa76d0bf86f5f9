"""The History view's table: one row per past delivery, newest first, in plain words.

A flat, read-only model over `HistoryEntry` values read off the GUI thread; a new read replaces
every row at once (a model reset: the list is short, a few hundred deliveries at most).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from uploader_gui.ui.history_text import (
    duration_of,
    folder_name,
    local_time_text,
    outcome_words,
)

if TYPE_CHECKING:
    from uploader_gui.wiring.delivery_history import HistoryEntry

ModelIndex = QModelIndex | QPersistentModelIndex


class HistoryColumn(enum.IntEnum):
    DATASET = 0
    ARCHIVE = 1
    FOLDER = 2
    STARTED = 3
    DURATION = 4
    OUTCOME = 5
    VALID = 6
    INVALID = 7


_HEADERS = {
    HistoryColumn.DATASET: "Dataset",
    HistoryColumn.ARCHIVE: "Archive",
    HistoryColumn.FOLDER: "Folder",
    HistoryColumn.STARTED: "Started",
    HistoryColumn.DURATION: "Duration",
    HistoryColumn.OUTCOME: "Outcome",
    HistoryColumn.VALID: "Valid",
    HistoryColumn.INVALID: "Invalid",
}
_NUMBERS = frozenset({HistoryColumn.VALID, HistoryColumn.INVALID, HistoryColumn.DURATION})


def cell_text(entry: HistoryEntry, column: HistoryColumn) -> str:
    """What one cell says."""
    summary = entry.summary
    record = summary.record
    if column is HistoryColumn.DATASET:
        return f"{record.dataset}-{record.delivery_id} ({record.transfer_type})"
    if column is HistoryColumn.ARCHIVE:
        return record.profile_name
    if column is HistoryColumn.FOLDER:
        return folder_name(entry)
    if column is HistoryColumn.STARTED:
        return local_time_text(record.started_at or record.created_at)
    if column is HistoryColumn.DURATION:
        return duration_of(entry)
    if column is HistoryColumn.OUTCOME:
        return outcome_words(entry)
    if column is HistoryColumn.VALID:
        return f"{summary.files_valid:,}"
    return f"{summary.files_invalid:,}"


def _tooltip(entry: HistoryEntry, column: HistoryColumn) -> str:
    record = entry.summary.record
    if column is HistoryColumn.FOLDER:
        return record.source_root
    if column is HistoryColumn.DATASET and record.label_path:
        return f"Label: {record.label_path}"
    return cell_text(entry, column)


class HistoryModel(QAbstractTableModel):
    """Past deliveries (read-only); `entry_at(row)` gives the delivery behind a row."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[HistoryEntry] = []

    def set_entries(self, entries: Sequence[HistoryEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def row_of(self, delivery_key: int) -> int | None:
        rows = [r for r, e in enumerate(self._entries) if e.summary.key == delivery_key]
        return rows[0] if rows else None

    def mark_discarded(self, delivery_key: int) -> None:
        """Show the delivery as discarded (no longer resumable) without reading the store again;
        the time is this computer's now, close to the store's, until the next read replaces it."""
        row = self.row_of(delivery_key)
        if row is None:
            return
        entry = self._entries[row]
        if entry.summary.is_discarded:
            return
        now = datetime.now(UTC).isoformat(timespec="seconds")
        record = dataclasses.replace(entry.summary.record, discarded_at=now)
        summary = dataclasses.replace(entry.summary, record=record)
        self._entries[row] = dataclasses.replace(entry, summary=summary, is_resumable=False)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(HistoryColumn) - 1))

    def entry_at(self, row: int) -> HistoryEntry | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's API
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's API
        return 0 if parent.isValid() else len(HistoryColumn)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        if not 0 <= index.column() < len(HistoryColumn):
            return None
        entry, column = self._entries[index.row()], HistoryColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(entry, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in _NUMBERS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(HistoryColumn):
            return _HEADERS[HistoryColumn(section)]
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._entries):
            return str(section + 1)
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
