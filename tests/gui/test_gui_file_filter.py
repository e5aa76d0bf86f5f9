"""The filter bar above the file table: state groups with live counts, a path search, and
sorting and row mapping that stay right through the filter."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QPoint, Qt
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory
from uploader_gui.core.state_groups import StateGroup
from uploader_gui.ui.file_filter import FileFilterProxy
from uploader_gui.ui.file_filter_bar import SEARCH_PLACEHOLDER
from uploader_gui.ui.file_table_model import (
    MAX_CHANGED_RUNS,
    Column,
    FileRow,
    FileTableModel,
    FileUpdate,
)
from uploader_gui.ui.main_window import MainWindow

ROWS = [
    FileRow("raw/a.fits", 500, "valid"),
    FileRow("raw/b.fits", 100, "invalid"),
    FileRow("raw/c.FITS", 300, "failed"),
    FileRow("cal/d.fits", 200, "transferring"),
    FileRow("cal/e.fits", 400, "ready"),
    FileRow("cal/f.fits", 600, "paused"),
    FileRow("notes/readme.txt", 50, "pending"),
]


def table_window(window_factory: WindowFactory) -> MainWindow:
    window = window_factory()
    window.model.append_rows(ROWS)
    window.pages.setCurrentWidget(window.table_page)
    return window


def shown_paths(window: MainWindow) -> list[str]:
    """What the person reads in the Path column, top to bottom."""
    table = window.table
    model = table.model()
    return [model.index(row, Column.PATH).data() for row in range(model.rowCount())]


def button_text(window: MainWindow, group: StateGroup) -> str:
    return window.filter_bar.buttons[group].text()


def click(qtbot: QtBot, window: MainWindow, group: StateGroup) -> None:
    qtbot.mouseClick(window.filter_bar.buttons[group], Qt.MouseButton.LeftButton)


def test_buttons_show_each_groups_count(window_factory: WindowFactory, qtbot: QtBot) -> None:
    window = table_window(window_factory)
    qtbot.waitUntil(lambda: button_text(window, StateGroup.ALL) == "All (7)")
    assert button_text(window, StateGroup.PROBLEMS) == "Problems (2)"
    assert button_text(window, StateGroup.IN_PROGRESS) == "In progress (2)"
    assert button_text(window, StateGroup.WAITING) == "Waiting (2)"
    assert button_text(window, StateGroup.DONE) == "Done (1)"
    assert window.filter_bar.buttons[StateGroup.ALL].isChecked()
    assert window.filter_bar.search_box.placeholderText() == SEARCH_PLACEHOLDER


def test_clicking_problems_shows_only_invalid_and_failed_files(
    window_factory: WindowFactory, qtbot: QtBot
) -> None:
    window = table_window(window_factory)
    click(qtbot, window, StateGroup.PROBLEMS)
    assert window.filter_bar.buttons[StateGroup.PROBLEMS].isChecked()
    assert not window.filter_bar.buttons[StateGroup.ALL].isChecked()
    assert shown_paths(window) == ["raw/b.fits", "raw/c.FITS"]
    states = {window.table.model().index(r, Column.STATE).data() for r in range(2)}
    assert states == {"invalid", "failed"}
    click(qtbot, window, StateGroup.WAITING)
    assert shown_paths(window) == ["cal/e.fits", "cal/f.fits"]
    click(qtbot, window, StateGroup.ALL)
    assert len(shown_paths(window)) == len(ROWS)


def test_a_state_change_updates_counts_and_filtered_rows_live(
    window_factory: WindowFactory, qtbot: QtBot
) -> None:
    window = table_window(window_factory)
    click(qtbot, window, StateGroup.PROBLEMS)
    # The uploading file fails and a refused one is sent again: both show at once.
    window.model.apply_file_updates(
        {
            "cal/d.fits": FileUpdate(state="failed", message="connection reset"),
            "raw/b.fits": FileUpdate(state="pending"),
        }
    )
    assert shown_paths(window) == ["cal/d.fits", "raw/c.FITS"]
    qtbot.waitUntil(lambda: button_text(window, StateGroup.PROBLEMS) == "Problems (2)")
    assert button_text(window, StateGroup.IN_PROGRESS) == "In progress (2)"
    window.model.apply_file_updates({"raw/c.FITS": FileUpdate(state="pending")})
    assert shown_paths(window) == ["cal/d.fits"]
    qtbot.waitUntil(lambda: button_text(window, StateGroup.PROBLEMS) == "Problems (1)")
    assert button_text(window, StateGroup.IN_PROGRESS) == "In progress (3)"


def test_new_rows_and_a_new_folder_update_the_counts(
    window_factory: WindowFactory, qtbot: QtBot
) -> None:
    window = table_window(window_factory)
    click(qtbot, window, StateGroup.PROBLEMS)
    window.model.append_rows([FileRow("raw/z.fits", 1, "failed")])
    assert "raw/z.fits" in shown_paths(window)
    qtbot.waitUntil(lambda: button_text(window, StateGroup.PROBLEMS) == "Problems (3)")
    assert button_text(window, StateGroup.ALL) == "All (8)"
    window.model.clear()
    qtbot.waitUntil(lambda: button_text(window, StateGroup.ALL) == "All (0)")
    assert shown_paths(window) == []


def test_typing_in_search_narrows_the_rows_in_any_case(
    window_factory: WindowFactory, qtbot: QtBot
) -> None:
    window = table_window(window_factory)
    qtbot.keyClicks(window.filter_bar.search_box, "C.fits")
    qtbot.waitUntil(lambda: shown_paths(window) == ["raw/c.FITS"])
    window.filter_bar.search_box.clear()
    qtbot.waitUntil(lambda: len(shown_paths(window)) == len(ROWS))
    qtbot.keyClicks(window.filter_bar.search_box, "RAW/")
    qtbot.waitUntil(lambda: len(shown_paths(window)) == 3)
    # Search and group together: raw files that are problems.
    click(qtbot, window, StateGroup.PROBLEMS)
    assert shown_paths(window) == ["raw/b.fits", "raw/c.FITS"]


def test_sorting_by_a_header_sorts_the_filtered_rows(
    window_factory: WindowFactory, qtbot: QtBot
) -> None:
    window = table_window(window_factory)
    click(qtbot, window, StateGroup.WAITING)
    window.table.sortByColumn(Column.SIZE, Qt.SortOrder.DescendingOrder)
    assert shown_paths(window) == ["cal/f.fits", "cal/e.fits"]
    click(qtbot, window, StateGroup.ALL)
    sizes = [window.table.model().index(r, Column.SIZE).data(256) for r in range(len(ROWS))]
    assert sizes == sorted(sizes, reverse=True)
    window.table.sortByColumn(Column.PATH, Qt.SortOrder.AscendingOrder)
    assert shown_paths(window) == sorted(row.path for row in ROWS)
    # A file arriving later lands in its sorted place in the filtered view too.
    click(qtbot, window, StateGroup.WAITING)
    window.model.append_rows([FileRow("cal/a-new.fits", 1, "ready")])
    assert shown_paths(window) == ["cal/a-new.fits", "cal/e.fits", "cal/f.fits"]


def test_view_rows_map_to_the_right_files_through_the_filter(
    window_factory: WindowFactory, qtbot: QtBot
) -> None:
    window = table_window(window_factory)
    click(qtbot, window, StateGroup.PROBLEMS)
    window.table.selectRow(1)
    (selected,) = window.table.selectionModel().selectedRows()
    assert window.proxy.path_at(selected.row()) == "raw/c.FITS"
    source_row = window.proxy.source_row(selected.row())
    assert window.model.state_at(source_row) == "failed"
    # The selection follows its file when the model re-sorts underneath the filter.
    window.table.sortByColumn(Column.SIZE, Qt.SortOrder.AscendingOrder)
    (selected,) = window.table.selectionModel().selectedRows()
    assert window.proxy.path_at(selected.row()) == "raw/c.FITS"


def test_the_proxy_passes_qt_model_tester(qtmodeltester: Any) -> None:
    model = FileTableModel()
    model.append_rows(ROWS)
    proxy = FileFilterProxy(model)
    proxy.set_group(StateGroup.PROBLEMS)
    proxy.set_search("raw")
    qtmodeltester.check(proxy, force_py=True)
    assert proxy.visible_paths() == ["raw/b.fits", "raw/c.FITS"]


def test_an_empty_filter_says_so_and_ctrl_f_goes_to_search(
    window_factory: WindowFactory, qtbot: QtBot
) -> None:
    window = table_window(window_factory)
    bar = window.filter_bar
    assert bar.no_match_label.isHidden()
    click(qtbot, window, StateGroup.DONE)
    window.model.apply_file_updates({"raw/a.fits": FileUpdate(state="invalid")})
    qtbot.waitUntil(lambda: bar.no_match_label.isVisible())
    assert bar.no_match_label.text() == "No files in Done"
    click(qtbot, window, StateGroup.ALL)
    assert bar.no_match_label.isHidden()
    window.activateWindow()
    qtbot.keyClick(window.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(bar.search_box.hasFocus)
    qtbot.keyClicks(bar.search_box, "nothing-like-this")
    qtbot.waitUntil(lambda: bar.no_match_label.isVisible())
    assert bar.no_match_label.text() == "No files match “nothing-like-this”"


def test_changes_scattered_over_many_rows_refilter_once_and_keep_the_selection(
    qtbot: QtBot,
) -> None:
    count = 2 * (MAX_CHANGED_RUNS + 1)
    model = FileTableModel()
    model.append_rows(FileRow(f"f{n:05d}.fits", n, "valid") for n in range(count))
    proxy = FileFilterProxy(model)
    proxy.set_group(StateGroup.DONE)
    selection = QItemSelectionModel(proxy)
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    selection.select(proxy.index(1, 0), flags)
    (selected,) = selection.selectedRows()
    assert proxy.path_at(selected.row()) == "f00001.fits"
    every_other = {f"f{n:05d}.fits": FileUpdate(state="invalid") for n in range(0, count, 2)}
    with qtbot.waitSignal(model.layoutChanged):
        model.apply_file_updates(every_other)
    assert proxy.rowCount() == count // 2
    assert proxy.visible_paths()[:2] == ["f00001.fits", "f00003.fits"]
    (selected,) = selection.selectedRows()
    assert proxy.path_at(selected.row()) == "f00001.fits"
    proxy.set_group(StateGroup.PROBLEMS)
    assert proxy.rowCount() == count // 2


def test_clicking_a_column_header_sorts_what_the_filter_shows(
    window_factory: WindowFactory, qtbot: QtBot
) -> None:
    window = table_window(window_factory)
    click(qtbot, window, StateGroup.PROBLEMS)
    header = window.table.horizontalHeader()
    size_x = header.sectionViewportPosition(Column.SIZE) + header.sectionSize(Column.SIZE) // 2
    size_header = QPoint(size_x, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=size_header)
    first = shown_paths(window)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=size_header)
    second = shown_paths(window)
    # raw/b.fits is 100 bytes, raw/c.FITS 300: one click sorts one way, the next the other.
    assert {tuple(first), tuple(second)} == {
        ("raw/b.fits", "raw/c.FITS"),
        ("raw/c.FITS", "raw/b.fits"),
    }
    assert header.sortIndicatorSection() == Column.SIZE
