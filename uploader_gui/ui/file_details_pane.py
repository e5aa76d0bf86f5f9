"""The details of the file selected in the table: its facts and its timeline, copyable.

Selecting a row (or Enter / double-click, which also reopens a closed pane) shows that file.
Once a delivery has opened its record in the state store (`SessionPlanned.delivery_key`), the
file's record and journal are read by `FileDetailsReader` on a worker thread (DESIGN.md §2: no
SQLite on the GUI thread) and come back by signal with the request id; an answer for an earlier
selection is dropped. Before that there is no journal, and the pane shows what the table knows.

While a delivery runs, a change to the selected row re-reads it at most every
`REFRESH_INTERVAL_MS`, so a busy delivery does not keep the store busy for the pane.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from uploader_gui.core.events import SessionPlanned
from uploader_gui.core.file_timeline import FileDetails, details_text
from uploader_gui.ui.engine_bridge import EngineBridge
from uploader_gui.ui.file_filter import FileFilterProxy
from uploader_gui.ui.file_table_model import FileTableModel

log = logging.getLogger(__name__)

REFRESH_INTERVAL_MS = 300
NOTHING_SELECTED_TEXT = "Select a file in the table to see its details and history."
COPIED_TEXT = "Copied"
ModelIndex = QModelIndex | QPersistentModelIndex
# (store path or None for the app's, delivery key, file path) → its details, or None if unknown.
ReadDetails = Callable[[Path | None, int, str], FileDetails | None]


def _read_with_store(store_path: Path | None, delivery_key: int, path: str) -> FileDetails | None:
    # Imported here: the wiring brings the state store, needed only once a file is selected.
    from uploader_gui.wiring.file_details import read_file_details

    return read_file_details(store_path, delivery_key, path)


class FileDetailsReader(QObject):
    """Reads one file's details on a worker thread; `read(request id, details, error)`."""

    read = Signal(int, object, str)  # request id, FileDetails or None, why it failed ("" if not)

    def __init__(self, parent: QObject | None = None, *, reader: ReadDetails = _read_with_store):
        super().__init__(parent)
        self._reader = reader
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="file-details")
        self._request_ids = itertools.count(1)
        self._is_shut_down = False

    def request(self, store_path: Path | None, delivery_key: int, path: str) -> int:
        request_id = next(self._request_ids)
        if not self._is_shut_down:
            self._executor.submit(self._read, request_id, store_path, delivery_key, path)
        return request_id

    def shutdown(self) -> None:
        self._is_shut_down = True
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _read(self, request_id: int, store_path: Path | None, key: int, path: str) -> None:
        try:
            details = self._reader(store_path, key, path)
        except Exception as error:  # a damaged store, or a bug: said in the pane, logged here
            log.exception("reading the details of %s failed", path)
            self.read.emit(request_id, None, str(error) or type(error).__name__)
            return
        self.read.emit(request_id, details, "")


class FileDetailsPane(QWidget):
    """The pane's widgets: the details as read-only text and a Copy button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Details of the selected file")
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.copy_button = QPushButton("Cop&y")
        self.copy_button.setToolTip("Copy these details as plain text, e.g. into an email")
        self.copied_label = QLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.copied_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)
        self.copy_button.clicked.connect(self.copy)
        self.show_text(NOTHING_SELECTED_TEXT, can_copy=False)

    def show_text(self, text: str, *, can_copy: bool = True) -> None:
        if text != self.text.toPlainText():
            scroll = self.text.verticalScrollBar()
            position = scroll.value()
            self.text.setPlainText(text)
            scroll.setValue(position)  # a refresh keeps the place the person was reading
            self.copied_label.clear()
        self.copy_button.setEnabled(can_copy)

    @Slot()
    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())
        self.copied_label.setText(COPIED_TEXT)


class FileDetailsView(QObject):
    """Follows the table's selection and the delivery; fills the pane in a dock of `window`."""

    def __init__(
        self,
        window: QMainWindow,
        table: QTableView,
        proxy: FileFilterProxy,
        model: FileTableModel,
        bridge: EngineBridge,
        *,
        store_path: Path | None = None,
        read_details: ReadDetails | None = None,
    ) -> None:
        """`read_details`: how a file's details are read (tests hold it back); by default from
        the state store at `store_path` (None: the app's own)."""
        super().__init__(window)
        self._table, self._proxy, self._model = table, proxy, model
        self._store_path = store_path
        self.delivery_key: int | None = None  # the state store's, once a delivery opened it
        self.path: str | None = None  # the selected file's
        self._request_id = 0
        self._has_opened = False
        self.reader = FileDetailsReader(self, reader=read_details or _read_with_store)
        self.pane = FileDetailsPane()
        self.dock = QDockWidget("File details", window)
        self.dock.setObjectName("file-details")
        self.dock.setWidget(self.pane)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()  # opens with the first selection
        self.view_menu = QMenu("&View", window)
        self.view_menu.addAction(self.dock.toggleViewAction())
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_INTERVAL_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self.reader.read.connect(self._on_read)
        table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        table.activated.connect(self._on_activated)  # Enter, or a double-click
        model.dataChanged.connect(self._on_data_changed)
        model.layoutChanged.connect(self._on_layout_changed)
        model.modelReset.connect(self._on_model_reset)
        bridge.sessionPlanned.connect(self._on_planned)
        bridge.sessionEnded.connect(self._on_session_ended)
        bridge.indexStarted.connect(self._on_new_folder)

    def shutdown(self) -> None:
        self._refresh_timer.stop()
        self.reader.shutdown()

    @Slot()
    def refresh(self) -> None:
        """Show the selected file again: from the store once a delivery knows it."""
        path = self.path
        if path is None:
            self.pane.show_text(NOTHING_SELECTED_TEXT, can_copy=False)
            return
        if self.delivery_key is None:
            self._show_table_facts(path)
            return
        self._request_id = self.reader.request(self._store_path, self.delivery_key, path)

    # --- what the person does -----------------------------------------------------------------

    @Slot(QModelIndex, QModelIndex)
    def _on_current_row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        self.path = self._proxy.path_at(current.row()) if current.isValid() else None
        if self.path is not None and not self._has_opened:
            self._has_opened = True
            self.dock.show()
        self.refresh()

    @Slot(QModelIndex)
    def _on_activated(self, index: QModelIndex) -> None:
        self.dock.show()
        self.dock.raise_()
        path = self._proxy.path_at(index.row())
        if path != self.path:
            self.path = path
            self.refresh()

    # --- what changes underneath --------------------------------------------------------------

    @Slot(object)
    def _on_planned(self, event: SessionPlanned) -> None:
        if event.delivery_key is not None:
            self.delivery_key = event.delivery_key
            self._refresh_soon()

    @Slot(str)
    def _on_new_folder(self, root: str) -> None:
        self.delivery_key = None  # another folder: the last delivery's journal is not its own

    @Slot()
    def _on_model_reset(self) -> None:
        self.path = None
        self.refresh()

    @Slot(QModelIndex, QModelIndex)
    def _on_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex) -> None:
        row = self._model.row_of(self.path) if self.path is not None else None
        if row is not None and top_left.row() <= row <= bottom_right.row():
            self._refresh_soon()

    @Slot()
    def _on_layout_changed(self) -> None:
        self._refresh_soon()  # many rows changed at once (or a sort): the selected one may too

    @Slot(object)
    def _on_session_ended(self, event: object) -> None:
        self._refresh_soon()  # the file's last word in this session

    def _refresh_soon(self) -> None:
        # At most one read per interval however busy the delivery (not restarted on each change).
        if self.path is not None and not self._refresh_timer.isActive():
            self._refresh_timer.start()

    @Slot(int, object, str)
    def _on_read(self, request_id: int, details: FileDetails | None, error: str) -> None:
        if request_id != self._request_id or self.path is None:
            return  # the selection moved on meanwhile
        if details is None or details.path != self.path:
            self._show_table_facts(self.path, error)
            return
        self.pane.show_text(details_text(details))

    def _show_table_facts(self, path: str, error: str = "") -> None:
        row = self._model.row_of(path)
        if row is None:
            self.pane.show_text(NOTHING_SELECTED_TEXT, can_copy=False)
            return
        details = FileDetails(
            path,
            self._model.size_at(row),
            self._model.state_at(row),
            self._model.message_at(row),
        )
        text = details_text(details)
        if error:
            text += f"\n(The history could not be read: {error})"
        self.pane.show_text(text)
