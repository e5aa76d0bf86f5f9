"""The file table model: correct cells, and batched signals that keep 50k rows responsive."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from uploader_gui.ui.file_table_model import (
    MAX_REMOVED_RUNS,
    SORT_ROLE,
    Column,
    FileRow,
    FileTableModel,
    contiguous_ranges,
)


def rows(count: int, state: str = "ready") -> list[FileRow]:
    return [FileRow(f"dir/file-{i:06d}.dat", i * 1000, state) for i in range(count)]


class SignalLog:
    """Records every emission of the model's change signals with their arguments."""

    def __init__(self, model: FileTableModel) -> None:
        self.inserted: list[tuple[int, int]] = []
        self.changed: list[tuple[int, int, int, int]] = []
        model.rowsInserted.connect(self._on_inserted)
        model.dataChanged.connect(self._on_changed)

    def _on_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        self.inserted.append((first, last))

    def _on_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, *_: Any) -> None:
        self.changed.append(
            (top_left.row(), bottom_right.row(), top_left.column(), bottom_right.column())
        )


def cell(model: FileTableModel, row: int, column: Column, role: int = 0) -> Any:
    return model.data(model.index(row, column), role or Qt.ItemDataRole.DisplayRole)


def test_the_model_passes_qt_model_tester_with_rows(qtmodeltester: Any) -> None:
    model = FileTableModel()
    model.append_rows(rows(20))
    model.update_states({"dir/file-000003.dat": "pending", "dir/file-000004.dat": "failed"})
    qtmodeltester.check(model, force_py=True)


def test_cells_show_path_human_size_right_aligned_and_state_label() -> None:
    model = FileTableModel()
    model.append_rows([FileRow("raw/a.fits", 3 * 1024 * 1024, "pending")])
    assert cell(model, 0, Column.PATH) == "raw/a.fits"
    assert cell(model, 0, Column.SIZE) == "3.00 MiB"
    assert cell(model, 0, Column.SIZE, SORT_ROLE) == 3 * 1024 * 1024
    assert cell(model, 0, Column.SIZE, Qt.ItemDataRole.ToolTipRole) == "3,145,728 bytes"
    alignment = cell(model, 0, Column.SIZE, Qt.ItemDataRole.TextAlignmentRole)
    assert alignment & int(Qt.AlignmentFlag.AlignRight)
    assert cell(model, 0, Column.STATE) == "queued"  # FileState.PENDING's label
    header = model.headerData(Column.SIZE, Qt.Orientation.Horizontal)
    assert header == "Size"
    assert model.total_size_bytes == 3 * 1024 * 1024


def test_a_batch_of_50000_rows_is_one_insert() -> None:
    model = FileTableModel()
    log = SignalLog(model)
    added = model.append_rows(rows(50_000))
    assert added == 50_000
    assert log.inserted == [(0, 49_999)]
    assert model.rowCount() == 50_000
    assert model.row_of("dir/file-049999.dat") == 49_999
    assert cell(model, 49_999, Column.PATH) == "dir/file-049999.dat"


def test_a_second_batch_is_appended_after_the_first_in_one_insert() -> None:
    model = FileTableModel()
    model.append_rows(rows(3))
    log = SignalLog(model)
    model.append_rows([FileRow("z/new.txt", 1, "ready"), FileRow("z/other.txt", 2, "ready")])
    assert log.inserted == [(3, 4)]


def test_state_changes_emit_one_data_changed_per_contiguous_range() -> None:
    model = FileTableModel()
    model.append_rows(rows(12))
    log = SignalLog(model)
    changed = model.update_states(
        [(f"dir/file-{i:06d}.dat", "transferring") for i in (5, 3, 4, 9, 10, 0)]
    )
    assert changed == 6
    state = int(Column.STATE)
    assert log.changed == [(0, 0, state, state), (3, 5, state, state), (9, 10, state, state)]
    assert [cell(model, r, Column.STATE) for r in (3, 4, 5, 6)] == [
        "uploading",
        "uploading",
        "uploading",
        "ready",
    ]


def test_state_changes_that_change_nothing_emit_nothing() -> None:
    model = FileTableModel()
    model.append_rows(rows(4))
    log = SignalLog(model)
    changed = model.update_states({"dir/file-000001.dat": "ready", "not/in/table.txt": "done"})
    assert changed == 0
    assert log.changed == []


def test_an_unknown_state_value_is_shown_as_it_is() -> None:
    model = FileTableModel()
    model.append_rows([FileRow("a.txt", 1, "mystery-state")])
    assert cell(model, 0, Column.STATE) == "mystery-state"


def test_appending_a_path_already_shown_updates_it_instead_of_duplicating() -> None:
    model = FileTableModel()
    model.append_rows([FileRow("a.txt", 10, "hashing"), FileRow("b.txt", 20, "hashing")])
    log = SignalLog(model)
    added = model.append_rows([FileRow("b.txt", 25, "ready"), FileRow("c.txt", 5, "ready")])
    assert added == 1
    assert model.rowCount() == 3
    assert (model.size_at(1), model.state_at(1)) == (25, "ready")
    assert log.inserted == [(2, 2)]
    assert model.total_size_bytes == 10 + 25 + 5


def test_sorting_by_size_reorders_rows_and_keeps_paths_and_selections_right() -> None:
    model = FileTableModel()
    model.append_rows(
        [
            FileRow("a.txt", 300, "ready"),
            FileRow("b.txt", 100, "ready"),
            FileRow("c.txt", 200, "ready"),
        ]
    )
    held = QPersistentModelIndex(model.index(0, Column.PATH))  # a.txt, as a selection holds it
    model.sort(Column.SIZE, Qt.SortOrder.DescendingOrder)
    assert [model.path_at(r) for r in range(3)] == ["a.txt", "c.txt", "b.txt"]
    model.sort(Column.SIZE, Qt.SortOrder.AscendingOrder)
    assert [model.path_at(r) for r in range(3)] == ["b.txt", "c.txt", "a.txt"]
    assert held.row() == 2
    assert held.data() == "a.txt"
    model.update_states({"c.txt": "done"})
    assert cell(model, model.row_of("c.txt") or 0, Column.STATE) == "uploaded"
    assert model.row_of("c.txt") == 1


def test_rows_appended_while_sorted_land_in_sorted_place() -> None:
    model = FileTableModel()
    model.sort(Column.PATH, Qt.SortOrder.AscendingOrder)
    model.append_rows([FileRow("m.txt", 1, "ready"), FileRow("z.txt", 1, "ready")])
    model.append_rows([FileRow("a.txt", 1, "ready")])
    assert [model.path_at(r) for r in range(3)] == ["a.txt", "m.txt", "z.txt"]
    assert model.row_of("a.txt") == 0


@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
def test_a_batch_that_continues_the_path_order_is_added_at_the_end_without_a_re_sort(
    order: Qt.SortOrder,
) -> None:
    # An index lists depth-first, so at a million rows each batch usually follows the last:
    # re-sorting (a layout change the view and the filter redo every row for) would freeze it.
    model = FileTableModel()
    model.sort(Column.PATH, order)
    first, second = ["b/2.txt", "a/1.txt"], ["d/4.txt", "c/3.txt"]
    if order == Qt.SortOrder.DescendingOrder:
        first, second = second, first
    model.append_rows([FileRow(path, 1, "ready") for path in first])
    log = SignalLog(model)
    layouts: list[bool] = []
    model.layoutChanged.connect(lambda *_: layouts.append(True))
    model.append_rows([FileRow(path, 1, "ready") for path in second])
    expected = sorted(first + second, reverse=order == Qt.SortOrder.DescendingOrder)
    assert [model.path_at(r) for r in range(4)] == expected
    assert log.inserted == [(2, 3)]
    assert layouts == []
    assert [model.row_of(path) for path in expected] == [0, 1, 2, 3]


def test_retain_paths_removes_the_rest_in_one_removal_per_run(qtmodeltester: Any) -> None:
    model = FileTableModel()
    qtmodeltester.check(model, force_py=True)  # keeps checking every signal from here on
    model.append_rows(rows(10))
    model.update_states({"dir/file-000008.dat": "failed"})
    removed: list[tuple[int, int]] = []
    model.rowsRemoved.connect(lambda _parent, first, last: removed.append((first, last)))
    gone = {f"dir/file-{i:06d}.dat" for i in (2, 3, 4, 8)}
    keep = {row.path for row in rows(10)} - gone
    assert model.retain_paths(keep) == 4
    assert sorted(removed) == [(2, 4), (8, 8)]
    assert [model.path_at(r) for r in range(model.rowCount())] == sorted(keep)
    assert model.row_of("dir/file-000009.dat") == 5
    assert model.row_of("dir/file-000003.dat") is None
    assert model.total_size_bytes == sum(i * 1000 for i in (0, 1, 5, 6, 7, 9))
    assert model.state_counts() == {"ready": 6}
    assert model.retain_paths(keep) == 0


def test_retain_paths_of_scattered_rows_resets_once_and_keeps_the_order() -> None:
    model = FileTableModel()
    model.sort(Column.SIZE, Qt.SortOrder.DescendingOrder)
    count = 4 * MAX_REMOVED_RUNS
    model.append_rows(rows(count))
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    keep = {f"dir/file-{i:06d}.dat" for i in range(0, count, 2)}
    assert model.retain_paths(keep) == count // 2
    assert resets == [True]
    paths = [model.path_at(r) for r in range(model.rowCount())]
    assert paths == sorted(keep, reverse=True)
    assert all(model.row_of(path) == row for row, path in enumerate(paths))
    assert model.total_size_bytes == sum(i * 1000 for i in range(0, count, 2))


def test_clear_empties_the_table() -> None:
    model = FileTableModel()
    model.append_rows(rows(5))
    model.clear()
    assert model.rowCount() == 0
    assert model.row_of("dir/file-000001.dat") is None
    assert model.total_size_bytes == 0


@pytest.mark.parametrize(
    ("changed_rows", "expected"),
    [
        ([], []),
        ([4], [(4, 4)]),
        ([7, 3, 4, 5, 9], [(3, 5), (7, 7), (9, 9)]),
        ([1, 1, 2], [(1, 2)]),
    ],
)
def test_contiguous_ranges(changed_rows: list[int], expected: list[tuple[int, int]]) -> None:
    assert contiguous_ranges(changed_rows) == expected
