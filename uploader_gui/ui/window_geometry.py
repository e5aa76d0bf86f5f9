"""The main window's size, place and layout, kept between runs, and a layout that gives the
file table the room.

The delivery steps sit in a scroll area with the delivery strip under it, above the table, in
a vertical splitter: on a short screen (or once a delivery's strip shows) the steps scroll,
while the strip stays in view and the table keeps at least `MIN_TABLE_ROWS` rows; the person
can drag the split. The window geometry and state (docks), the split, and the
table's columns (widths, order, sort) are saved in the app's settings (`QSettings`, in the
app's config folder, so `UPLOADER_GUI_HOME` moves them) when the window goes, and restored
by the next window; a missing, damaged or outdated entry leaves the defaults.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QHeaderView,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from uploader_gui.app_dirs import APP_AUTHOR, APP_NAME, app_dirs

MIN_TABLE_ROWS = 8
STEPS_GLIMPSE_PX = 56  # of the steps above the strip: enough to see there is more to scroll
_REFIT_EVENTS = (QEvent.Type.LayoutRequest, QEvent.Type.Resize, QEvent.Type.Show)
GROUP = "main-window"
# Bump when the table's columns change: an old header state would restore the wrong widths.
LAYOUT_VERSION = 1
_KEYS = ("geometry", "state", "splitter", "columns")


def app_settings() -> QSettings:
    """The app's settings file: the one `configure_application` makes `QSettings()` use,
    named explicitly so a window made without it (tests) still uses the app's config dir."""
    path = Path(app_dirs().config_dir) / APP_AUTHOR / f"{APP_NAME}.ini"
    return QSettings(str(path), QSettings.Format.IniFormat)


def table_min_height(table: QTableView, rows: int = MIN_TABLE_ROWS) -> int:
    """The height that shows the header and `rows` rows (fixed row heights)."""
    header = table.horizontalHeader().sizeHint().height()
    # The columns can be wider than a narrow window: room for the scroll bar under them too.
    scroll_bar = table.horizontalScrollBar().sizeHint().height()
    frame = 2 * table.frameWidth()
    return header + rows * table.verticalHeader().defaultSectionSize() + scroll_bar + frame


def split_layout(
    scrolled: QWidget, always_shown: Sequence[QWidget], bottom: QWidget
) -> tuple[QSplitter, QScrollArea]:
    """`scrolled` in a scroll area, `always_shown` under it, then `bottom`, in a splitter
    that favours `bottom`."""
    scroll = QScrollArea()
    scroll.setWidget(scrolled)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    top = QWidget()
    layout = QVBoxLayout(top)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(scroll, 1)
    for widget in always_shown:
        layout.addWidget(widget)
    splitter = QSplitter(Qt.Orientation.Vertical)
    splitter.setObjectName("main-split")
    StripFit(top, scroll, always_shown, splitter)
    splitter.addWidget(top)
    splitter.addWidget(bottom)
    splitter.setChildrenCollapsible(False)
    splitter.setStretchFactor(0, 0)
    splitter.setStretchFactor(1, 1)
    return splitter, scroll


class StripFit(QObject):
    """Keeps the pane above the table tall enough for the strip's texts at the pane's width.

    A splitter sizes its panes by their minimum sizes, and a minimum size knows nothing of
    wrapped text: when the end summary's lines appeared, the split stayed where it was and the
    lines were drawn over each other. So whenever the strip changes (a label's new text, a
    banner shown), the pane's minimum becomes what the strip needs at the pane's width, plus a
    glimpse of the steps; the splitter then moves the split down, the table keeping its rows.
    """

    def __init__(
        self, top: QWidget, scroll: QScrollArea, strip: Sequence[QWidget], parent: QObject
    ) -> None:
        super().__init__(parent)
        self._top, self._scroll, self._strip = top, scroll, tuple(strip)
        self._is_due = False
        for widget in (top, *self._strip):
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _REFIT_EVENTS and not self._is_due:
            self._is_due = True
            QTimer.singleShot(0, self, self.fit)  # once per burst of layout changes
        return False

    def fit(self) -> None:
        self._is_due = False
        width = self._top.width()
        layout = self._top.layout()
        spacing = max(0, layout.spacing()) if layout is not None else 0
        steps = self._scroll.widget()
        glimpse_px = min(STEPS_GLIMPSE_PX, steps.sizeHint().height()) if steps is not None else 0
        # Never less than the scroll area itself takes (its frame and arrows), or the strip
        # is pushed under the split.
        needed = max(glimpse_px, self._scroll.minimumSizeHint().height())
        for widget in self._strip:
            if not widget.isVisibleTo(self._top):
                continue
            # Its own minimum too: else the pane's layout shrinks it, not the steps' scroll.
            height = height_at(widget, width)
            if widget.minimumHeight() != height:
                widget.setMinimumHeight(height)
            needed += height + spacing
        if needed != self._top.minimumHeight():
            self._top.setMinimumHeight(needed)
        splitter = self.parent()
        if isinstance(splitter, QSplitter) and self._top.height() < needed:
            # A splitter honours a grown minimum only at its next resize: move the split now.
            top_px, bottom_px = splitter.sizes()
            splitter.setSizes([needed, max(0, top_px + bottom_px - needed)])


def height_at(widget: QWidget, width: int) -> int:
    """The height `widget` needs at `width`, wrapped text included."""
    layout = widget.layout()
    if layout is not None and layout.hasHeightForWidth():
        return layout.totalHeightForWidth(width)
    if widget.hasHeightForWidth():
        return widget.heightForWidth(width)
    return widget.sizeHint().height()


def keep_table_rows(pages: QStackedWidget, table: QTableView) -> None:
    """While the table's page shows, it keeps `MIN_TABLE_ROWS` rows (the steps scroll
    instead); before a folder is chosen the steps get the room."""

    def follow(index: int) -> None:
        page = pages.widget(index)
        is_table = page is not None and (page is table or page.isAncestorOf(table))
        table.setMinimumHeight(table_min_height(table) if is_table else 0)

    pages.currentChanged.connect(follow)
    follow(pages.currentIndex())


class WindowGeometry:
    """Saves and restores one window's geometry, dock state, split and table columns."""

    def __init__(self, window: QMainWindow, header: QHeaderView, splitter: QSplitter) -> None:
        self._window, self._header, self._splitter = window, header, splitter

    def restore(self) -> bool:
        """Apply the saved layout; False (defaults kept) if none or it is not usable."""
        settings = app_settings()
        settings.beginGroup(GROUP)
        try:
            if settings.value("version") != str(LAYOUT_VERSION):
                return False
            saved = {key: settings.value(key) for key in _KEYS}
        finally:
            settings.endGroup()
        if not all(isinstance(value, QByteArray) for value in saved.values()):
            return False
        header_state = QByteArray(self._header.saveState())
        if not self._header.restoreState(saved["columns"]):
            self._header.restoreState(header_state)  # a damaged entry: the defaults stand
            return False
        self._sort_as_shown()
        restored = self._window.restoreGeometry(saved["geometry"])
        restored = self._window.restoreState(saved["state"], LAYOUT_VERSION) and restored
        return self._splitter.restoreState(saved["splitter"]) and restored

    def save(self) -> None:
        settings = app_settings()
        settings.beginGroup(GROUP)
        settings.setValue("version", str(LAYOUT_VERSION))
        settings.setValue("geometry", self._window.saveGeometry())
        settings.setValue("state", self._window.saveState(LAYOUT_VERSION))
        settings.setValue("splitter", self._splitter.saveState())
        settings.setValue("columns", self._header.saveState())
        settings.endGroup()
        settings.sync()

    def _sort_as_shown(self) -> None:
        # The header's arrow came back; the table must sort by it too.
        view = self._header.parent()
        if isinstance(view, QTableView) and view.isSortingEnabled():
            view.sortByColumn(
                self._header.sortIndicatorSection(), self._header.sortIndicatorOrder()
            )
