"""Which rows of the file table are shown: one state group and a path search.

`FileFilterProxy` sits between `FileTableModel` and the view. Its `filterAcceptsRow` reads the
model's path and state lists directly: Qt calls it once per row, and a `data()` call with a
`QModelIndex` for each of a million rows would triple the time a filter change takes.

Sorting stays the model's own (`FileTableModel.sort` reorders its lists with Python's sort): the
proxy passes the view's sort request on and keeps the model's order, because a proxy that sorts
compares rows through `data()` from C++, which takes seconds at 100k rows. Anything that turns a
row of the view into a file must go through `path_at` / `source_row` here, never read the model
with a view row.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from uploader_gui.core.state_groups import StateGroup, states_of
from uploader_gui.ui.file_table_model import FileTableModel

ModelIndex = QModelIndex | QPersistentModelIndex


def search_key(text: str) -> str:
    """What a search box's text is matched as: trimmed and case-folded (`" RAW/A"` → `"raw/a"`)."""
    return text.strip().casefold()


def path_matches(path: str, group_states: frozenset[str] | None, state: str, key: str) -> bool:
    """The rule `filterAcceptsRow` applies, spelled once for the benchmark's reference too."""
    if group_states is not None and state not in group_states:
        return False
    return not key or key in path.casefold()


class FileFilterProxy(QSortFilterProxyModel):
    """Shows the rows of one `StateGroup` whose path contains the search text (any case)."""

    def __init__(self, source: FileTableModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._paths, self._states = source.filter_columns()
        self._group = StateGroup.ALL
        self._group_states: frozenset[str] | None = None
        self._key = ""
        # Re-check a row when its state changes (dataChanged), whatever column it names.
        self.setDynamicSortFilter(True)
        self.setFilterKeyColumn(-1)
        self.setSourceModel(source)

    @property
    def group(self) -> StateGroup:
        return self._group

    @property
    def search_text(self) -> str:
        return self._key

    # A filter change rebuilds the row mapping (`invalidate`, one pass over the rows) rather than
    # Qt's incremental filter change, which inserts or removes each run of rows one at a time
    # and took 54 s to go from "Problems" back to "All" at a million rows.

    def set_group(self, group: StateGroup) -> None:
        if group is self._group:
            return
        self._group, self._group_states = group, states_of(group)
        self.invalidate()

    def set_search(self, text: str) -> None:
        key = search_key(text)
        if key == self._key:
            return
        self._key = key
        self.invalidate()

    def source_row(self, row: int) -> int:
        """The model's row for the view's `row`."""
        return self.mapToSource(self.index(row, 0)).row()

    def path_at(self, row: int) -> str:
        """The path of the file on the view's `row`."""
        return self._source.path_at(self.source_row(row))

    def visible_paths(self) -> list[str]:
        """Every shown path, top to bottom (for tests and for copying what is shown)."""
        return [self.path_at(row) for row in range(self.rowCount())]

    # --- what Qt asks -------------------------------------------------------------------------

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        group_states, key = self._group_states, self._key
        if group_states is not None and self._states[source_row] not in group_states:
            return False
        return not key or key in self._paths[source_row].casefold()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        # Not super().sort(): the proxy keeps the model's order (see the module docstring).
        self._source.sort(column, order)
