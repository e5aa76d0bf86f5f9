"""The main window with real widgets offscreen: choose or drop a folder, see its files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHeaderView
from pytestqt.qtbot import QtBot

import uploader_gui
from tests.gui.conftest import (
    INDEX_TIMEOUT_MS,
    GatedIndexer,
    WindowFactory,
    drop_folder,
    make_tree,
    mime_for,
    send_drag_enter,
    send_drag_move,
    send_drop,
    status_text,
    table_rows,
)
from uploader_gui.core.errors import UserInputError
from uploader_gui.core.events import IndexProgressed
from uploader_gui.ui.main_window import PLACEHOLDER_TEXT, MainWindow

FILES = {"a.txt": b"hello", "sub/b.bin": b"x" * 2000, "sub/deeper/c.csv": b"1,2\n"}


def index_and_wait(qtbot: QtBot, window: MainWindow, folder: Path) -> None:
    with qtbot.waitSignal(window.bridge.indexFinished, timeout=INDEX_TIMEOUT_MS):
        drop_folder(window, folder)


def test_the_window_opens_with_the_empty_state(window_factory: WindowFactory) -> None:
    window = window_factory()
    assert window.pages.currentWidget() is window.placeholder
    assert PLACEHOLDER_TEXT in window.placeholder.text()
    assert window.placeholder.isVisible()
    assert window.status_area.skipped_button.isHidden()
    assert window.status_area.progress_bar.isHidden()
    assert "Ctrl+O" in window.choose_button.toolTip()
    assert window.model.rowCount() == 0
    # Fitting rows to contents takes about a minute at 100k rows (DESIGN.md §7).
    rows = window.table.verticalHeader()
    assert rows.sectionResizeMode(0) == QHeaderView.ResizeMode.Fixed
    assert rows.defaultSectionSize() > 0


def test_dropping_a_folder_lists_its_files_with_sizes(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    folder = make_tree(tmp_path / "survey-2024", FILES)
    window = window_factory()
    index_and_wait(qtbot, window, folder)
    assert table_rows(window) == {"a.txt": 5, "sub/b.bin": 2000, "sub/deeper/c.csv": 4}
    assert window.pages.currentWidget() is window.table_page
    assert window.table.isVisible()
    assert window.windowTitle() == "survey-2024"
    assert window.folder_label.text() == str(folder)
    row = window.model.row_of("sub/b.bin")
    assert row is not None
    assert window.model.index(row, 1).data() == "1.95 KiB"
    assert window.model.index(row, 2).data() == "ready"
    assert status_text(window).startswith("3 files · ")
    assert window.status_area.progress_bar.isHidden()
    assert window.folder_index is not None
    assert len(window.folder_index.files) == 3


def test_drag_of_a_single_folder_is_accepted_and_of_a_file_refused(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    folder = make_tree(tmp_path / "data", FILES)
    window = window_factory()
    assert send_drag_enter(window, mime_for(folder))
    assert send_drag_move(window, mime_for(folder))

    file_mime = mime_for(folder / "a.txt")
    # Entering only reads the URL; the type is looked at off the GUI thread, then refused.
    send_drag_enter(window, file_mime)
    qtbot.waitUntil(lambda: "is a file" in status_text(window))
    assert "“a.txt” is a file" in status_text(window)
    assert not send_drag_move(window, file_mime)
    assert not send_drop(window, file_mime)
    assert window.pages.currentWidget() is window.placeholder
    assert window.model.rowCount() == 0


def test_drag_of_several_items_is_refused_with_a_message(
    window_factory: WindowFactory, tmp_path: Path
) -> None:
    one = make_tree(tmp_path / "one", {"a": b"1"})
    two = make_tree(tmp_path / "two", {"b": b"2"})
    window = window_factory()
    mime = mime_for(one, two)
    assert not send_drag_enter(window, mime)
    assert "one folder at a time" in status_text(window)
    assert not send_drop(window, mime)
    assert window.model.rowCount() == 0


def test_drag_of_a_web_link_or_text_is_refused(window_factory: WindowFactory) -> None:
    window = window_factory()
    web = QMimeData()
    web.setUrls([QUrl("https://example.org/data/")])
    assert not send_drag_enter(window, web)
    assert "on this computer" in status_text(window)
    text = QMimeData()
    text.setText("/some/folder")
    assert not send_drag_enter(window, text)
    assert "Only folders" in status_text(window)


def test_choose_folder_path_indexes_the_chosen_folder(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    folder = make_tree(tmp_path / "chosen", FILES)
    window = window_factory()
    with qtbot.waitSignal(window.bridge.indexFinished, timeout=INDEX_TIMEOUT_MS):
        window.open_folder(str(folder))
    assert set(table_rows(window)) == set(FILES)


def test_a_cancelled_choose_dialog_changes_nothing(window_factory: WindowFactory) -> None:
    window = window_factory()
    before = status_text(window)
    window.open_folder("")
    assert status_text(window) == before
    assert window.pages.currentWidget() is window.placeholder


def test_choosing_a_file_or_a_missing_path_is_refused(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    folder = make_tree(tmp_path / "data", FILES)
    window = window_factory()
    window.open_folder(str(folder / "a.txt"))
    qtbot.waitUntil(lambda: "is a file" in status_text(window))
    window.open_folder(str(tmp_path / "gone"))
    qtbot.waitUntil(lambda: "does not exist" in status_text(window))
    assert window.model.rowCount() == 0
    assert window.folder is None


def test_progress_shows_files_bytes_and_rate(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    folder = make_tree(tmp_path / "data", FILES)
    gate = GatedIndexer(folder)
    window = window_factory(index_folder=gate)
    window.open_folder(str(folder))
    qtbot.waitUntil(gate.started.is_set)
    assert "Indexing “data”" in status_text(window)
    progress = IndexProgressed(5, 10, 512 * 1024, 1024 * 1024, 2 * 1024 * 1024)
    with qtbot.waitSignal(window.bridge.indexProgressed):
        window.bridge.emitter_for(window.bridge.generation)(progress)
    assert status_text(window) == "Indexing: 5 of 10 files · 512 KiB of 1.00 MiB · 2.00 MiB/s"
    assert window.status_area.progress_bar.value() == 500
    assert window.status_area.progress_bar.isVisible()
    assert window.status_area.stop_button.isVisible()
    with qtbot.waitSignal(window.bridge.indexFinished, timeout=INDEX_TIMEOUT_MS):
        gate.released.set()
    assert window.status_area.progress_bar.isHidden()


def test_skipped_junk_is_counted_and_listed_with_reasons(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    folder = make_tree(tmp_path / "data", {**FILES, ".DS_Store": b"junk", "sub/Thumbs.db": b"j"})
    window = window_factory()
    index_and_wait(qtbot, window, folder)
    assert set(table_rows(window)) == set(FILES)
    button = window.status_area.skipped_button
    assert button.isVisible()
    assert button.text().replace("&", "") == "Skipped (2)"
    assert "2 skipped (2 junk)" in status_text(window)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = window.skipped_dialog
    assert dialog is not None
    assert dialog.isVisible()
    items = {item.path: item for item in dialog.model.items}
    assert set(items) == {".DS_Store", "sub/Thumbs.db"}
    assert all(item.is_junk and item.reason for item in items.values())
    assert dialog.model.index(0, 2).data() == "Junk file"
    dialog.copy_to_clipboard()
    assert "sub/Thumbs.db\t" in QGuiApplication.clipboard().text()


def test_problems_are_listed_first_and_called_problems(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    folder = make_tree(tmp_path / "data", {**FILES, ".DS_Store": b"j", "bad\\name.txt": b"x"})
    window = window_factory()
    index_and_wait(qtbot, window, folder)
    assert "1 problem to fix" in status_text(window)
    window.show_skipped()
    dialog = window.skipped_dialog
    assert dialog is not None
    first = dialog.model.items[0]
    assert first.is_problem
    assert "name.txt" in first.path
    assert dialog.model.index(0, 2).data() == "Problem to fix"
    assert "1 problem to fix" in dialog.summary_label.text()


def test_dropping_a_second_folder_replaces_the_first(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    first = make_tree(tmp_path / "first", {**FILES, ".DS_Store": b"junk"})
    second = make_tree(tmp_path / "second", {"only.txt": b"abc"})
    window = window_factory()
    index_and_wait(qtbot, window, first)
    index_and_wait(qtbot, window, second)
    assert table_rows(window) == {"only.txt": 3}
    assert window.windowTitle() == "second"
    assert window.bridge.skipped == ()
    assert window.status_area.skipped_button.isHidden()


def test_a_folder_dropped_while_another_is_indexing_cancels_it_and_ignores_its_late_events(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    first = make_tree(tmp_path / "first", {**FILES, ".DS_Store": b"junk"})
    second = make_tree(tmp_path / "second", {"only.txt": b"abc"})
    # The first indexer notices the cancel late: it indexes everything after it is released.
    gate = GatedIndexer(first, honours_cancel=False)
    window = window_factory(index_folder=gate)
    drop_folder(window, first)
    qtbot.waitUntil(gate.started.is_set)
    index_and_wait(qtbot, window, second)
    gate.released.set()
    qtbot.waitUntil(lambda: window.runner.thread_count == 0, timeout=INDEX_TIMEOUT_MS)
    window.bridge.drain_now()
    assert gate.saw_cancel
    assert table_rows(window) == {"only.txt": 3}
    assert window.bridge.skipped == ()
    assert status_text(window).startswith("1 file · ")


def test_stop_cancels_indexing_and_says_so(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    folder = make_tree(tmp_path / "data", FILES)
    gate = GatedIndexer(folder)
    window = window_factory(index_folder=gate)
    window.open_folder(str(folder))
    qtbot.waitUntil(gate.started.is_set)
    with qtbot.waitSignal(window.bridge.indexCancelled, timeout=INDEX_TIMEOUT_MS):
        qtbot.mouseClick(window.status_area.stop_button, Qt.MouseButton.LeftButton)
    assert gate.saw_cancel
    assert "stopped" in status_text(window)
    assert window.model.rowCount() == 0
    assert window.status_area.stop_button.isHidden()


def test_closing_mid_index_cancels_and_joins_the_thread(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    folder = make_tree(tmp_path / "data", FILES)
    gate = GatedIndexer(folder)
    window = window_factory(index_folder=gate)
    window.open_folder(str(folder))
    qtbot.waitUntil(gate.started.is_set)
    assert window.runner.is_running
    window.close()
    assert gate.returned.is_set()
    assert gate.saw_cancel
    assert window.runner.thread_count == 0
    assert not window.runner.is_running


def test_an_unreadable_folder_shows_the_reason(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    folder = make_tree(tmp_path / "data", FILES)

    def refusing_indexer(root: Path, options: object, **_: object) -> object:
        raise UserInputError(f"{root} cannot be read: permission denied", path=str(root))

    window = window_factory(index_folder=refusing_indexer)
    with qtbot.waitSignal(window.bridge.indexFailed, timeout=INDEX_TIMEOUT_MS):
        window.open_folder(str(folder))
    assert status_text(window) == f"Cannot index: {folder} cannot be read: permission denied"
    assert window.model.rowCount() == 0


def test_a_bug_in_the_indexer_is_reported_not_swallowed(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    folder = make_tree(tmp_path / "data", FILES)

    def broken_indexer(root: Path, options: object, **_: object) -> object:
        raise RuntimeError("walk exploded")

    window = window_factory(index_folder=broken_indexer)
    with qtbot.waitSignal(window.bridge.indexFailed, timeout=INDEX_TIMEOUT_MS):
        window.open_folder(str(folder))
    assert "internal error" in status_text(window)
    assert "RuntimeError: walk exploded" in status_text(window)


def test_help_about_shows_the_one_version_without_blocking_the_window(
    window_factory: WindowFactory, qtbot: QtBot
) -> None:
    window = window_factory()
    (help_menu,) = [
        action.menu() for action in window.menuBar().actions() if action.text() == "&Help"
    ]
    assert window.about_action in help_menu.actions()
    window.about_action.trigger()
    box = window.about_box
    assert box is not None
    qtbot.waitUntil(box.isVisible)
    assert f"FAST Uploader {uploader_gui.__version__}" in box.text()
    assert not box.isModal()
    window.about_action.trigger()  # a second About raises the same box
    assert window.about_box is box
