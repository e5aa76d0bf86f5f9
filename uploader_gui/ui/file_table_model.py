"""The table of files in the window: one row per file with its path, size, state, progress
and message (the verdict's reason or the last error).

Built for tens of thousands of rows (DESIGN.md §2.4, §7): columns are plain Python lists so
`data()` is O(1); a batch of new rows is ONE `beginInsertRows/endInsertRows`; a batch of state
changes is ONE `dataChanged` per contiguous run of rows (past `MAX_CHANGED_RUNS` runs, one
layout change, which the filter proxy handles in one pass); a path→row dict finds rows without
a scan. Sorting reorders the lists with Python's sort (a proxy model would call `data()` from C++
for every comparison, which takes seconds at 100k rows).
"""

from __future__ import annotations

import enum
import operator
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.formatting import exact_bytes_text, human_rate, human_size, state_label
from uploader_gui.ui.file_speeds import FileSpeeds
from uploader_gui.ui.state_style import StateStyle

ModelIndex = QModelIndex | QPersistentModelIndex

# The raw value behind a cell (int for sizes), used for sorting and by tests.
SORT_ROLE = int(Qt.ItemDataRole.UserRole)
# How much of the file is on the archive, 0.0 to 1.0, or None when nothing counts yet (the
# Progress column's bar; its text stays the display and accessible value).
PROGRESS_FRACTION_ROLE = SORT_ROLE + 1


class Column(enum.IntEnum):
    PATH = 0
    SIZE = 1
    STATE = 2
    PROGRESS = 3
    MESSAGE = 4


_HEADERS = {
    Column.PATH: "Path",
    Column.SIZE: "Size",
    Column.STATE: "State",
    Column.PROGRESS: "Progress",
    Column.MESSAGE: "Message",
}
_HEADER_TIPS = {
    Column.PATH: "Path of the file inside the chosen folder",
    Column.SIZE: "Size of the file (KiB, MiB, GiB are powers of 1024)",
    Column.STATE: "Where the file is in the delivery",
    Column.PROGRESS: "How much of the file is on the archive",
    Column.MESSAGE: "Why the archive refused the file, or the last error",
}
NO_PROGRESS = -1
# More runs of changed rows than this in one batch are announced as one layout change.
MAX_CHANGED_RUNS = 1_000
# More runs of removed rows than this are removed with one model reset, not run by run.
MAX_REMOVED_RUNS = 100
# States where the whole file is on the archive, and where nothing of it counts any more.
_FULLY_SENT_STATES = frozenset({FileState.DONE.value, FileState.VALID.value})
_RESET_STATES = frozenset({FileState.READY.value, FileState.HASHING.value})
_UPLOADING = FileState.TRANSFERRING.value
_NUMBER_COLUMNS = (Column.SIZE, Column.PROGRESS)
_CHANGED_ROLES = [
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.DecorationRole,
    Qt.ItemDataRole.ForegroundRole,
]
_RIGHT_ALIGNED = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT_ALIGNED = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


@dataclass(frozen=True, slots=True)
class FileRow:
    """One file as the table shows it; `state` is a `FileState` value such as `"ready"`."""

    path: str
    size_bytes: int
    state: str


@dataclass(frozen=True, slots=True)
class FileUpdate:
    """What one drain changes about one file; None leaves that cell as it is."""

    state: str | None = None
    message: str | None = None
    bytes_done: int | None = None


class FileTableModel(QAbstractTableModel):
    """Rows of files, changed only in batches (see the module docstring)."""

    def __init__(
        self, parent: QObject | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """`clock` times each uploading file's speed (tests pass a fake one)."""
        super().__init__(parent)
        self._speeds = FileSpeeds(clock)
        self._paths: list[str] = []
        self._sizes: list[int] = []
        self._size_texts: list[str] = []
        self._states: list[str] = []
        self._bytes_done: list[int] = []
        self._messages: list[str] = []
        self._state_counts: Counter[str] = Counter()
        self._row_by_path: dict[str, int] = {}
        self._total_size_bytes = 0
        self._sort_column: int = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._state_style = StateStyle()

    # --- what Qt asks -------------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._paths)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == Column.PATH:
                return self._paths[row]
            if column == Column.SIZE:
                return self._size_texts[row]
            if column == Column.STATE:
                return state_label(self._states[row])
            if column == Column.PROGRESS:
                return self._progress_text(row)
            return self._messages[row].replace("\n", "; ")
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT_ALIGNED if column in _NUMBER_COLUMNS else _LEFT_ALIGNED
        if column == Column.STATE:
            # An icon of its own shape and a colour, always beside the word (never colour alone).
            if role == Qt.ItemDataRole.DecorationRole:
                return self._state_style.icon(self._states[row])
            if role == Qt.ItemDataRole.ForegroundRole:
                return self._state_style.text_colour(self._states[row])
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == SORT_ROLE:
            return self._sort_value(row, column)
        if role == PROGRESS_FRACTION_ROLE and column == Column.PROGRESS:
            return self._progress_fraction(row)
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return super().headerData(section, orientation, role)
        if role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS[Column(section)]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _HEADER_TIPS[Column(section)]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT_ALIGNED if section in _NUMBER_COLUMNS else _LEFT_ALIGNED
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort_column, self._sort_order = column, order
        if 0 <= column < len(Column) and self._paths:
            self._apply_sort()

    # --- what the window and the bridge call --------------------------------------------------

    @property
    def sorts_by_path(self) -> bool:
        """Sorted by path (either way): rows that continue the order are simply appended."""
        return self._sort_column == Column.PATH

    @property
    def total_size_bytes(self) -> int:
        return self._total_size_bytes

    def row_of(self, path: str) -> int | None:
        return self._row_by_path.get(path)

    def path_at(self, row: int) -> str:
        return self._paths[row]

    def size_at(self, row: int) -> int:
        return self._sizes[row]

    def state_at(self, row: int) -> str:
        return self._states[row]

    def message_at(self, row: int) -> str:
        return self._messages[row]

    def filter_columns(self) -> tuple[Sequence[str], Sequence[str]]:
        """The path and state columns themselves, for a filter that reads a million rows without
        a `data()` call per row. They are the same list objects for the model's whole life
        (sorting and clearing change them in place), so a filter may keep them."""
        return self._paths, self._states

    def state_counts(self) -> dict[str, int]:
        """How many files are in each state (kept up to date, not counted on each call)."""
        return {state: count for state, count in self._state_counts.items() if count}

    def clear(self) -> None:
        """Forget every row (a new folder was chosen)."""
        self.beginResetModel()
        for column in self._columns():
            column.clear()
        self._state_counts.clear()
        self._row_by_path.clear()
        self._speeds.clear()
        self._total_size_bytes = 0
        self.endResetModel()

    def append_rows(self, rows: Iterable[FileRow]) -> int:
        """Add new paths in ONE insert; a path already shown has its size and state updated.

        Returns how many rows were added.
        """
        new_rows: list[FileRow] = []
        updates: dict[str, FileRow] = {}
        pending_paths: set[str] = set()
        for row in rows:
            if row.path in self._row_by_path:
                updates[row.path] = row
            elif row.path not in pending_paths:
                pending_paths.add(row.path)
                new_rows.append(row)
        if updates:
            self._update_rows(updates.values())
        if new_rows:
            if self._sort_column == Column.PATH and self._follow_path_order(new_rows):
                self._insert(new_rows)  # after every row shown: no re-sort, no layout change
            else:
                self._insert(new_rows)
                if 0 <= self._sort_column < len(Column):
                    self._apply_sort()
        return len(new_rows)

    def _follow_path_order(self, new_rows: list[FileRow]) -> bool:
        """Put `new_rows` in the table's path order; True if they all sort after the last row.

        An index lists depth-first, so each batch usually continues where the last one
        stopped: then the rows are simply appended, and the view and the filter see one insert
        at the end instead of a re-sorted million rows (seconds of the GUI thread per batch).
        """
        is_descending = self._sort_order == Qt.SortOrder.DescendingOrder
        new_rows.sort(key=_path_of, reverse=is_descending)
        if not self._paths:
            return True
        first_new, last_shown = new_rows[0].path, self._paths[-1]
        return first_new < last_shown if is_descending else first_new > last_shown

    def retain_paths(self, keep: Collection[str]) -> int:
        """Remove every row whose path is not in `keep` (a finished index drops files found
        early); ONE `beginRemoveRows` per contiguous run, or one reset when they are scattered.

        Returns how many rows were removed; the order of the others is kept.
        """
        doomed = [row for row, path in enumerate(self._paths) if path not in keep]
        if not doomed:
            return 0
        for row in doomed:
            self._state_counts[self._states[row]] -= 1
            self._total_size_bytes -= self._sizes[row]
            self._speeds.forget(self._paths[row])
        runs = contiguous_ranges(doomed)
        if len(runs) > MAX_REMOVED_RUNS:
            self.beginResetModel()
            doomed_rows = set(doomed)
            for column in self._columns():
                column[:] = [value for row, value in enumerate(column) if row not in doomed_rows]
            self._row_by_path = {path: row for row, path in enumerate(self._paths)}
            self.endResetModel()
            return len(doomed)
        for start, stop in reversed(runs):
            self.beginRemoveRows(QModelIndex(), start, stop)
            for column in self._columns():
                del column[start : stop + 1]
            self.endRemoveRows()
        self._row_by_path = {path: row for row, path in enumerate(self._paths)}
        return len(doomed)

    def update_states(self, changes: Mapping[str, str] | Iterable[tuple[str, str]]) -> int:
        """Set states by path; ONE `dataChanged` per contiguous run of changed rows.

        Unknown paths are ignored (an event can outlive the folder it was about). Returns how many
        rows changed.
        """
        items = changes.items() if isinstance(changes, Mapping) else changes
        changed_rows: list[int] = []
        for path, state in items:
            row = self._row_by_path.get(path)
            if row is not None and self._states[row] != state:
                self._set_state(row, state)
                changed_rows.append(row)
        self._emit_changed(changed_rows, Column.STATE, Column.STATE)
        return len(changed_rows)

    def apply_file_updates(self, updates: Mapping[str, FileUpdate]) -> int:
        """Set states, messages and progress by path; ONE `dataChanged` (State to Message) per
        contiguous run of changed rows. Unknown paths are ignored; returns rows changed."""
        changed_rows: list[int] = []
        for path, update in updates.items():
            row = self._row_by_path.get(path)
            if row is not None and self._apply_update(row, update):
                changed_rows.append(row)
        self._emit_changed(changed_rows, Column.STATE, Column.MESSAGE)
        return len(changed_rows)

    # --- internals ----------------------------------------------------------------------------

    def _columns(self) -> tuple[list[Any], ...]:
        return (
            self._paths,
            self._sizes,
            self._size_texts,
            self._states,
            self._bytes_done,
            self._messages,
        )

    def _set_state(self, row: int, state: str) -> None:
        if state != _UPLOADING:
            self._speeds.forget(self._paths[row])
        self._state_counts[self._states[row]] -= 1
        self._state_counts[state] += 1
        self._states[row] = state
        if state in _FULLY_SENT_STATES:
            self._bytes_done[row] = self._sizes[row]
        elif state in _RESET_STATES:
            self._bytes_done[row] = NO_PROGRESS

    def _apply_update(self, row: int, update: FileUpdate) -> bool:
        path = self._paths[row]
        before = (self._states[row], self._messages[row], self._bytes_done[row])
        rate_before = self._speeds.rate(path)
        if update.bytes_done is not None:
            self._bytes_done[row] = min(update.bytes_done, self._sizes[row])
        if update.state is not None and update.state != self._states[row]:
            self._set_state(row, update.state)
        if update.message is not None:
            self._messages[row] = update.message
        if update.bytes_done is not None and self._states[row] == _UPLOADING:
            self._speeds.record(path, self._bytes_done[row])
        after = (self._states[row], self._messages[row], self._bytes_done[row])
        return before != after or rate_before != self._speeds.rate(path)

    def _progress_fraction(self, row: int) -> float | None:
        done, size = self._bytes_done[row], self._sizes[row]
        if done == NO_PROGRESS:
            return None
        return 1.0 if size == 0 else min(1.0, done / size)

    def _progress_text(self, row: int) -> str:
        done, size = self._bytes_done[row], self._sizes[row]
        if done == NO_PROGRESS:
            return ""
        text = f"{100 if size == 0 else done * 100 // size} %"
        rate = self._speeds.rate(self._paths[row]) if self._states[row] == _UPLOADING else None
        return text if rate is None else f"{text} · {human_rate(rate)}"

    def _insert(self, new_rows: Sequence[FileRow]) -> None:
        first = len(self._paths)
        paths = [row.path for row in new_rows]
        sizes = [row.size_bytes for row in new_rows]
        states = [row.state for row in new_rows]
        self.beginInsertRows(QModelIndex(), first, first + len(new_rows) - 1)
        # Whole columns at a time (extend, map, zip run in C), not a Python loop per row: this
        # runs on the GUI thread for every drain's batch of rows.
        self._paths.extend(paths)
        self._sizes.extend(sizes)
        self._size_texts.extend(map(human_size, sizes))
        self._states.extend(states)
        self._bytes_done.extend([NO_PROGRESS] * len(paths))
        self._messages.extend([""] * len(paths))
        self._state_counts.update(states)
        self._row_by_path.update(zip(paths, range(first, first + len(paths)), strict=True))
        self._total_size_bytes += sum(sizes)
        self.endInsertRows()

    def _update_rows(self, rows: Iterable[FileRow]) -> None:
        changed_rows: list[int] = []
        for row in rows:
            index = self._row_by_path[row.path]
            self._total_size_bytes += row.size_bytes - self._sizes[index]
            self._sizes[index] = row.size_bytes
            self._size_texts[index] = human_size(row.size_bytes)
            self._set_state(index, row.state)
            self._bytes_done[index] = NO_PROGRESS
            self._messages[index] = ""
            changed_rows.append(index)
        self._emit_changed(changed_rows, Column.SIZE, Column.MESSAGE)

    def _emit_changed(self, rows: list[int], first_column: Column, last_column: Column) -> None:
        runs = contiguous_ranges(rows)
        if len(runs) > MAX_CHANGED_RUNS:
            # Changes scattered everywhere (a resume's loaded states, a burst of verdicts): the
            # filter proxy rebuilds once on a layout change, O(rows), where it would insert or
            # remove run by run, O(runs × rows): 4.4 s for 10k changes at a million rows.
            self.layoutAboutToBeChanged.emit()
            self.layoutChanged.emit()
            return
        for start, stop in runs:
            self.dataChanged.emit(
                self.index(start, first_column),
                self.index(stop, last_column),
                _CHANGED_ROLES,
            )

    def _apply_sort(self) -> None:
        new_order = self._sorted_rows()
        if new_order == list(range(len(new_order))):
            return
        self.layoutAboutToBeChanged.emit()
        old_indexes = self.persistentIndexList()
        old_paths = [self._paths[index.row()] for index in old_indexes]
        # C-level passes (itemgetter, zip) rather than comprehensions; even so, reordering a
        # million rows costs about a second of the GUI thread (`bench window`).
        take = operator.itemgetter(*new_order)
        for column in self._columns():
            column[:] = take(column)
        self._row_by_path = dict(zip(self._paths, range(len(self._paths)), strict=True))
        # Persistent indexes (the view's current row, a selection) follow their file's path,
        # so no inverse permutation of every row is needed for the few there are.
        new_indexes = [
            self.index(self._row_by_path[path], index.column())
            for path, index in zip(old_paths, old_indexes, strict=True)
        ]
        self.changePersistentIndexList(old_indexes, new_indexes)
        self.layoutChanged.emit()

    def _sorted_rows(self) -> list[int]:
        is_descending = self._sort_order == Qt.SortOrder.DescendingOrder
        rows = range(len(self._paths))
        column = Column(self._sort_column)
        if column == Column.PATH:
            # Paths are unique and usually arrive sorted, where Timsort is linear.
            return sorted(rows, key=self._paths.__getitem__, reverse=is_descending)
        columns: dict[Column, Sequence[int | str]] = {
            Column.SIZE: self._sizes,
            Column.STATE: self._states,
            Column.PROGRESS: self._bytes_done,
            Column.MESSAGE: self._messages,
        }
        keys = columns[column]
        # Ties keep path order, so equal sizes or states still read alphabetically.
        return sorted(rows, key=lambda r: (keys[r], self._paths[r]), reverse=is_descending)

    def _tooltip(self, row: int, column: int) -> str:
        if column == Column.PATH:
            return self._paths[row]
        if column == Column.SIZE:
            return exact_bytes_text(self._sizes[row])
        if column == Column.STATE:
            return f"State: {state_label(self._states[row])}"
        if column == Column.PROGRESS:
            done = self._bytes_done[row]
            if done == NO_PROGRESS:
                return ""
            rate = self._speeds.rate(self._paths[row])
            speed = "" if rate is None else f" at {human_rate(rate)}"
            return f"{exact_bytes_text(done)} of {exact_bytes_text(self._sizes[row])} sent{speed}"
        return self._messages[row]

    def _sort_value(self, row: int, column: int) -> str | int:
        values: tuple[Sequence[str | int], ...] = (
            self._paths,
            self._sizes,
            self._states,
            self._bytes_done,
            self._messages,
        )
        return values[column][row]


def _path_of(row: FileRow) -> str:
    return row.path


def contiguous_ranges(rows: Iterable[int]) -> list[tuple[int, int]]:
    """`[7, 3, 4, 5, 9]` → `[(3, 5), (7, 7), (9, 9)]`: inclusive runs of consecutive rows."""
    ranges: list[tuple[int, int]] = []
    for row in sorted(set(rows)):
        if ranges and row == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], row)
        else:
            ranges.append((row, row))
    return ranges
