"""The Progress column: a bar filled from the model's fraction, the words still in the cell,
and an uploading file's speed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPalette
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory
from uploader_gui.ui.file_table_model import (
    PROGRESS_FRACTION_ROLE,
    Column,
    FileRow,
    FileTableModel,
    FileUpdate,
)
from uploader_gui.ui.main_window import MainWindow
from uploader_gui.ui.progress_delegate import ProgressDelegate

MIB = 1024 * 1024


class FakeClock:
    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


def progress(model: FileTableModel, path: str, role: int = Qt.ItemDataRole.DisplayRole) -> object:
    row = model.row_of(path)
    assert row is not None
    return model.index(row, Column.PROGRESS).data(role)


def test_the_model_gives_the_fraction_sent_and_none_before_any_byte() -> None:
    model = FileTableModel()
    model.append_rows([FileRow("a.fits", 4 * MIB, "ready"), FileRow("b.fits", 4 * MIB, "ready")])
    assert progress(model, "a.fits", PROGRESS_FRACTION_ROLE) is None
    model.apply_file_updates({"a.fits": FileUpdate(state="transferring", bytes_done=MIB)})
    assert progress(model, "a.fits", PROGRESS_FRACTION_ROLE) == 0.25
    assert progress(model, "a.fits") == "25 %"
    model.apply_file_updates({"b.fits": FileUpdate(state="valid")})
    assert progress(model, "b.fits", PROGRESS_FRACTION_ROLE) == 1.0


def test_an_uploading_file_shows_its_speed_until_it_stops() -> None:
    clock = FakeClock()
    model = FileTableModel(clock=clock)
    model.append_rows([FileRow("big.fits", 100 * MIB, "pending")])
    model.apply_file_updates({"big.fits": FileUpdate(state="transferring", bytes_done=0)})
    clock.now_s += 0.3
    model.apply_file_updates({"big.fits": FileUpdate(bytes_done=MIB)})
    assert progress(model, "big.fits") == "1 %"  # too short a time to call a speed
    clock.now_s += 1.7
    model.apply_file_updates({"big.fits": FileUpdate(bytes_done=10 * MIB)})
    assert progress(model, "big.fits") == "10 % · 5.00 MiB/s"
    tip = progress(model, "big.fits", Qt.ItemDataRole.ToolTipRole)
    assert tip == "10,485,760 bytes of 104,857,600 bytes sent at 5.00 MiB/s"
    model.apply_file_updates({"big.fits": FileUpdate(state="paused")})
    assert progress(model, "big.fits") == "10 %"


def filled_width(image: QImage, highlight: QColor) -> int:
    """How many pixels across the middle of a cell are the bar's fill colour."""
    y = image.height() // 2
    near = 0
    for x in range(image.width()):
        pixel = image.pixelColor(x, y)
        distance = (
            abs(pixel.red() - highlight.red())
            + abs(pixel.green() - highlight.green())
            + abs(pixel.blue() - highlight.blue())
        )
        near += distance < 90
    return near


def cell_image(window: MainWindow, path: str) -> QImage:
    proxy = window.proxy
    row = next(r for r in range(proxy.rowCount()) if proxy.path_at(r) == path)
    rect = window.table.visualRect(proxy.index(row, Column.PROGRESS))
    return window.table.viewport().grab(rect).toImage()


def test_the_progress_column_is_drawn_as_a_bar_that_fills(
    window_factory: WindowFactory, qtbot: QtBot
) -> None:
    window = window_factory()
    assert isinstance(window.table.itemDelegateForColumn(Column.PROGRESS), ProgressDelegate)
    window.model.append_rows(
        [
            FileRow("a-tenth.fits", 10 * MIB, "ready"),
            FileRow("b-most.fits", 10 * MIB, "ready"),
            FileRow("c-none.fits", 10 * MIB, "ready"),
        ]
    )
    window.model.apply_file_updates(
        {
            "a-tenth.fits": FileUpdate(state="transferring", bytes_done=MIB),
            "b-most.fits": FileUpdate(state="transferring", bytes_done=9 * MIB),
        }
    )
    window.pages.setCurrentWidget(window.table_page)
    qtbot.waitExposed(window.table)
    highlight = window.table.palette().color(QPalette.ColorRole.Highlight)
    tenth = filled_width(cell_image(window, "a-tenth.fits"), highlight)
    most = filled_width(cell_image(window, "b-most.fits"), highlight)
    none = filled_width(cell_image(window, "c-none.fits"), highlight)
    assert none == 0
    assert 0 < tenth < most
    # The words stay the cell's value for screen readers and copying.
    assert window.proxy.index(1, Column.PROGRESS).data() == "90 %"
