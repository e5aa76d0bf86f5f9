"""The table fills while a folder is indexed, and ends with exactly the finished index's files.

A real folder on disk and the real indexer, held at its first read (`ReadGate`) so the window
is seen mid-index without timing: every file has been found, none has been read.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.gui.conftest import (
    INDEX_TIMEOUT_MS,
    ReadGate,
    WindowFactory,
    drop_folder,
    status_text,
    table_rows,
)
from uploader_gui.core.delivery.folder_index import FOUND_BATCH_FILES
from uploader_gui.ui.file_table_model import Column
from uploader_gui.ui.main_window import MainWindow

FOLDERS = 20
FILES_PER_FOLDER = 500  # 10,000 files: five batches found, and several drains to show them
FILE_COUNT = FOLDERS * FILES_PER_FOLDER


def make_survey(root: Path) -> dict[str, int]:
    """FOLDERS folders of tiny files, sizes 0 to 6 bytes; returns path → size."""
    sizes = {}
    for folder in range(FOLDERS):
        (root / f"night-{folder:02d}").mkdir(parents=True)
        for number in range(FILES_PER_FOLDER):
            path = f"night-{folder:02d}/frame-{number:04d}.fits"
            (root / path).write_bytes(b"x" * (number % 7))
            sizes[path] = number % 7
    return sizes


def shown_paths(window: MainWindow) -> list[str]:
    return window.proxy.visible_paths()


def wait_until_every_file_is_shown(qtbot: QtBot, window: MainWindow, count: int) -> None:
    qtbot.waitUntil(lambda: window.model.rowCount() == count, timeout=INDEX_TIMEOUT_MS)


def test_rows_appear_while_the_folder_is_indexed_and_end_as_the_index(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    assert FILE_COUNT > 2 * FOUND_BATCH_FILES
    sizes = make_survey(tmp_path / "survey")
    gate = ReadGate()
    window = window_factory(index_folder=gate)
    finished: list[object] = []
    window.bridge.indexFinished.connect(finished.append)
    drop_folder(window, tmp_path / "survey")
    wait_until_every_file_is_shown(qtbot, window, FILE_COUNT)
    # Not one file has been read yet, and the table already lists every file found.
    assert gate.reading.is_set()
    assert not gate.returned.is_set()
    assert finished == []
    assert table_rows(window) == sizes
    assert window.status_area.stop_button.isVisible()
    qtbot.waitUntil(lambda: status_text(window).startswith("Listing: 10,000 files found · "))
    assert status_text(window).endswith(" files/s")
    with qtbot.waitSignal(window.bridge.indexFinished, timeout=INDEX_TIMEOUT_MS):
        gate.released.set()
    assert window.folder_index is not None
    assert table_rows(window) == {f.path: f.size_bytes for f in window.folder_index.files}
    assert window.model.rowCount() == FILE_COUNT
    assert status_text(window).startswith("10,000 files · ")


def test_rows_streaming_in_stay_sorted_by_the_chosen_column(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    make_survey(tmp_path / "survey")
    gate = ReadGate()
    window = window_factory(index_folder=gate)
    # The walk finds folders last-first and files in the file system's order.
    header = window.table.horizontalHeader()
    header.setSortIndicator(Column.PATH, Qt.SortOrder.DescendingOrder)
    drop_folder(window, tmp_path / "survey")
    wait_until_every_file_is_shown(qtbot, window, FILE_COUNT)
    paths = shown_paths(window)
    assert paths == sorted(paths, reverse=True)
    assert len(paths) == FILE_COUNT
    with qtbot.waitSignal(window.bridge.indexFinished, timeout=INDEX_TIMEOUT_MS):
        gate.released.set()
    assert shown_paths(window) == paths


def test_a_file_found_then_changed_while_read_is_not_left_in_the_table(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    sizes = make_survey(tmp_path / "survey")
    changing = "night-07/frame-0042.fits"
    gate = ReadGate(change_when_read=changing)
    window = window_factory(index_folder=gate)
    drop_folder(window, tmp_path / "survey")
    wait_until_every_file_is_shown(qtbot, window, FILE_COUNT)
    assert changing in table_rows(window)  # found, and shown, before it was read
    with qtbot.waitSignal(window.bridge.indexFinished, timeout=INDEX_TIMEOUT_MS):
        gate.released.set()
    del sizes[changing]
    assert table_rows(window) == sizes
    assert window.folder_index is not None
    assert [entry.path for entry in window.folder_index.problems] == [changing]
    assert "1 problem to fix" in status_text(window)


def test_a_stopped_index_leaves_no_rows_behind(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    make_survey(tmp_path / "survey")
    gate = ReadGate()
    window = window_factory(index_folder=gate)
    drop_folder(window, tmp_path / "survey")
    wait_until_every_file_is_shown(qtbot, window, FILE_COUNT)
    with qtbot.waitSignal(window.bridge.indexCancelled, timeout=INDEX_TIMEOUT_MS):
        qtbot.mouseClick(window.status_area.stop_button, Qt.MouseButton.LeftButton)
    assert window.model.rowCount() == 0
    assert shown_paths(window) == []
    qtbot.waitUntil(lambda: window.runner.thread_count == 0, timeout=INDEX_TIMEOUT_MS)
    window.bridge.drain_now()  # nothing of the stopped run arrives late
    assert window.model.rowCount() == 0
    assert "stopped" in status_text(window)
