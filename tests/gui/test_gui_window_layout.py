"""The window's layout: narrow (640 px) with every control whole, the table given the room on a
short screen, and the size, split and columns kept for the next window."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QWidget
from pytestqt.qtbot import QtBot

from tests.gui import delivery_run_kit
from tests.gui.conftest import INDEX_TIMEOUT_MS, WindowFactory, drop_folder, make_tree
from tests.gui.delivery_run_kit import ready_window
from tests.gui.test_gui_window_keyboard import ENDED_WITH_EVERYTHING
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.ui.app import configure_application
from uploader_gui.ui.file_table_model import Column
from uploader_gui.ui.main_window import MainWindow
from uploader_gui.ui.window_geometry import GROUP, MIN_TABLE_ROWS, app_settings

archive_factory = delivery_run_kit.archive_factory
ArchiveFactory = Callable[..., LocalArchive]
FILES = {f"file-{n:02d}.txt": b"x" * n for n in range(1, 30)}


def squeezed_controls(window: MainWindow) -> list[str]:
    """Visible controls narrower than they need, or reaching past the window's right edge."""
    found = []
    right_edge = window.width()
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, QAbstractButton | QComboBox) or not widget.isVisibleTo(window):
            continue
        if isinstance(widget, QAbstractButton) and not widget.text():
            continue  # Qt's icon-only helpers (a dock's close button)
        name = getattr(widget, "text", widget.accessibleName)() or widget.accessibleName()
        if widget.width() < widget.minimumSizeHint().width():
            found.append(f"{name}: {widget.width()} < {widget.minimumSizeHint().width()} px")
        if widget.mapTo(window, widget.rect().topRight()).x() > right_edge:
            found.append(f"{name}: past the window's edge")
    return found


def visible_rows(window: MainWindow) -> float:
    return window.table.viewport().height() / window.table.verticalHeader().defaultSectionSize()


def settle(window: MainWindow, width: int, height: int) -> None:
    window.resize(width, height)
    QApplication.processEvents()
    QApplication.processEvents()


def test_the_window_can_be_640_px_wide_with_every_control_whole(
    qtbot: QtBot, window_factory: WindowFactory, archive_factory: ArchiveFactory, tmp_path: Path
) -> None:
    window = ready_window(qtbot, window_factory, archive_factory(), tmp_path / "data")
    window.delivery_panel.set_index_path(str(tmp_path / "index.csv"))  # Build from folder shows
    assert window.minimumSizeHint().width() <= 640
    settle(window, 640, 700)
    assert window.width() == 640
    assert squeezed_controls(window) == []
    assert not window.steps_scroll.horizontalScrollBar().isVisible()
    window.transfer_bar.begin()  # the run's strip
    settle(window, 640, 700)
    assert window.minimumSizeHint().width() <= 640
    assert squeezed_controls(window) == []
    window.transfer_bar.show_end(ENDED_WITH_EVERYTHING)  # every next step of the summary
    settle(window, 640, 700)
    assert window.minimumSizeHint().width() <= 640
    assert squeezed_controls(window) == []
    assert not window.steps_scroll.horizontalScrollBar().isVisible()


def test_a_short_window_still_shows_eight_rows_of_files(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    window = window_factory()
    with qtbot.waitSignal(window.bridge.indexFinished, timeout=INDEX_TIMEOUT_MS):
        drop_folder(window, make_tree(tmp_path / "data", FILES))
    settle(window, 640, 480)
    assert window.height() == 480
    assert visible_rows(window) >= MIN_TABLE_ROWS
    window.transfer_bar.begin()  # a running delivery adds its strip above the table
    window.offline_banner.show()
    settle(window, 640, 480)
    assert visible_rows(window) >= MIN_TABLE_ROWS
    # The steps scroll instead (nothing of them is lost); the strip stays in view, whole.
    assert window.steps_scroll.verticalScrollBar().maximum() > 0
    strip = window.transfer_bar
    assert strip.visibleRegion().boundingRect().height() == strip.height()


def test_a_folder_dropped_on_a_short_window_gets_eight_rows_and_before_it_the_steps_show(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    window = window_factory()
    settle(window, 640, 480)
    # Nothing to list yet: the steps get the room, whole, without scrolling.
    assert window.steps_scroll.verticalScrollBar().maximum() == 0
    with qtbot.waitSignal(window.bridge.indexFinished, timeout=INDEX_TIMEOUT_MS):
        drop_folder(window, make_tree(tmp_path / "data", FILES))
    qtbot.waitUntil(lambda: visible_rows(window) >= MIN_TABLE_ROWS)


def test_the_size_split_and_columns_come_back_in_the_next_window(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    first = window_factory()
    with qtbot.waitSignal(first.bridge.indexFinished, timeout=INDEX_TIMEOUT_MS):
        drop_folder(first, make_tree(tmp_path / "data", FILES))
    settle(first, 700, 560)
    columns = first.table.horizontalHeader()
    columns.resizeSection(Column.SIZE, 201)
    first.table.sortByColumn(Column.SIZE, Qt.SortOrder.DescendingOrder)
    top, bottom = first.splitter.sizes()
    first.splitter.setSizes([top - 40, bottom + 40])
    split = first.splitter.sizes()
    first.close()
    second = window_factory()
    with qtbot.waitSignal(second.bridge.indexFinished, timeout=INDEX_TIMEOUT_MS):
        drop_folder(second, make_tree(tmp_path / "data", FILES))
    assert (second.width(), second.height()) == (700, 560)
    header = second.table.horizontalHeader()
    assert header.sectionSize(Column.SIZE) == 201
    assert header.sortIndicatorSection() == Column.SIZE
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert second.proxy.path_at(0) == "file-29.txt"  # the biggest first, as it was left
    assert second.splitter.sizes()[0] == split[0]  # the steps' share, as the person left it


def test_the_layout_is_kept_where_the_app_keeps_its_settings(qapp: QApplication) -> None:
    configure_application(qapp)  # as run_app does
    assert app_settings().fileName() == QSettings().fileName()


def test_a_damaged_saved_layout_leaves_the_defaults(window_factory: WindowFactory) -> None:
    settings = app_settings()
    settings.beginGroup(GROUP)
    settings.setValue("version", "1")
    for key in ("geometry", "state", "splitter", "columns"):
        settings.setValue(key, QByteArray(b"\x00garbage"))
    settings.endGroup()
    settings.sync()
    window = window_factory()
    assert (window.width(), window.height()) == (960, 600)
    header = window.table.horizontalHeader()
    assert header.sectionSize(Column.SIZE) == 110
    assert header.sortIndicatorSection() == Column.PATH
    assert not window.layout_keeper.restore()


def test_a_layout_of_an_older_version_is_not_applied(window_factory: WindowFactory) -> None:
    first = window_factory()
    first.resize(700, 500)
    first.close()
    settings = app_settings()
    settings.setValue(f"{GROUP}/version", "0")  # saved by a build with other columns
    settings.sync()
    window = window_factory()
    assert (window.width(), window.height()) == (960, 600)
