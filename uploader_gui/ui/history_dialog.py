"""Delivery ▸ Delivery history…: past deliveries, newest first, with Open receipt, Resume and
Discard for the selected one. Non-modal; what it lists is read off the GUI thread by
`DeliveryHistory`, which also decides what Resume and Discard do (Discard asks first, as the
unfinished-delivery banner does).

Open receipt opens the delivery's JSON receipt with the desktop's viewer; it is disabled, with
a tooltip saying why, when no receipt was written or the file has gone. Resume and Discard are
offered only for unfinished deliveries (`store.delivery_history`). Once the store says a
delivery is discarded its row says so at once, before the list is read again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from uploader_gui.ui.history_model import HistoryColumn, HistoryModel

if TYPE_CHECKING:
    from uploader_gui.wiring.delivery_history import HistoryEntry

TITLE = "Delivery history"
READING_TEXT = "Reading the deliveries…"
EMPTY_TEXT = "No deliveries yet. Deliveries you start are listed here with their receipts."
OPEN_RECEIPT_TIP = "Open this delivery's receipt (JSON) with the desktop's viewer"
NO_RECEIPT_TIP = "No receipt: this delivery has not written one (it is written when a session ends)"
GONE_RECEIPT_TIP = "The receipt {path} has been moved or deleted"
RESUME_TIP = "Fill in this delivery's archive, label, index and folder; Start then sends the rest"
NOT_RESUMABLE_TIP = (
    "Only unfinished deliveries can be resumed: every file of this one was judged, it was "
    "discarded, or a later attempt at the same delivery replaced it"
)
DISCARD_TIP = "Stop offering this delivery (asks first; nothing is deleted from the archive)"
NOT_DISCARDABLE_TIP = (
    "Only unfinished deliveries can be discarded: every file of this one was judged, it was "
    "discarded already, or a later attempt at the same delivery replaced it"
)
OpenUrl = Callable[[QUrl], bool]


class HistoryDialog(QDialog):
    """The table and its buttons; `resumeRequested(entry)` when Resume is clicked,
    `discardRequested(entry)` when Discard is."""

    resumeRequested = Signal(object)  # HistoryEntry
    discardRequested = Signal(object)  # HistoryEntry

    def __init__(self, parent: QWidget | None = None, *, open_url: OpenUrl | None = None) -> None:
        """`open_url`: how a receipt is opened (None: the desktop's viewer, looked up then)."""
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self._open_url = open_url
        self.model = HistoryModel(self)
        self.table = self._build_table()
        self.status_label = QLabel(READING_TEXT)
        self.status_label.setWordWrap(True)
        self.receipt_button = QPushButton("Open &receipt")
        self.resume_button = QPushButton("Res&ume")
        self.discard_button = QPushButton("&Discard…")
        self.close_button = QPushButton("&Close")
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_label, 1)
        for button in (
            self.receipt_button,
            self.resume_button,
            self.discard_button,
            self.close_button,
        ):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.receipt_button.clicked.connect(self.open_receipt)
        self.resume_button.clicked.connect(self._on_resume_clicked)
        self.discard_button.clicked.connect(self._on_discard_clicked)
        self.close_button.clicked.connect(self.close)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.model.modelReset.connect(self._update_buttons)
        self._update_buttons()
        self.resize(900, 420)

    def _build_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.model)
        table.setAccessibleName("Past deliveries")
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        rows = table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setVisible(False)
        columns = table.horizontalHeader()
        # Fitting columns to contents is affordable here: hundreds of rows, not 100k files.
        columns.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        columns.setSectionResizeMode(HistoryColumn.FOLDER, QHeaderView.ResizeMode.Interactive)
        columns.setSectionResizeMode(HistoryColumn.OUTCOME, QHeaderView.ResizeMode.Stretch)
        table.activated.connect(self._on_activated)
        return table

    def show_reading(self) -> None:
        self.status_label.setText(READING_TEXT)

    def show_entries(self, entries: Sequence[HistoryEntry], error: str = "") -> None:
        """Replace the rows, keeping the selected delivery selected (a re-read after Discard
        or a session's end must not move the person's place); else the first (newest) is
        selected so its buttons apply at once."""
        selected = self.selected_entry()
        self.model.set_entries(entries)
        if error:
            self.status_label.setText(f"The deliveries could not be read: {error}")
        else:
            self.status_label.setText("" if entries else EMPTY_TEXT)
        row = self.model.row_of(selected.summary.key) if selected is not None else None
        if entries:
            self.table.selectRow(row if row is not None else 0)
        self._update_buttons()

    def mark_discarded(self, delivery_key: int) -> None:
        """The store has marked it discarded: say so in its row now, and update the buttons."""
        self.model.mark_discarded(delivery_key)
        self._update_buttons()

    def selected_entry(self) -> HistoryEntry | None:
        index = self.table.currentIndex()
        return self.model.entry_at(index.row()) if index.isValid() else None

    @Slot()
    def open_receipt(self) -> None:
        entry = self.selected_entry()
        if entry is not None and entry.receipt_file:
            open_url = self._open_url or QDesktopServices.openUrl
            open_url(QUrl.fromLocalFile(entry.receipt_file))

    @Slot()
    def _on_resume_clicked(self) -> None:
        entry = self.selected_entry()
        if entry is not None and entry.is_resumable:
            self.resumeRequested.emit(entry)

    @Slot()
    def _on_discard_clicked(self) -> None:
        entry = self.selected_entry()
        if entry is not None and entry.is_resumable:
            self.discardRequested.emit(entry)

    @Slot(QModelIndex)
    def _on_activated(self, index: QModelIndex) -> None:
        del index
        self.open_receipt()  # Enter or a double-click: the receipt, the row's main document

    @Slot(QModelIndex, QModelIndex)
    def _on_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        del current, previous
        self._update_buttons()

    @Slot()
    def _update_buttons(self) -> None:
        entry = self.selected_entry()
        has_receipt = entry is not None and bool(entry.receipt_file)
        self.receipt_button.setEnabled(has_receipt)
        if entry is not None and has_receipt:
            tip = f"{OPEN_RECEIPT_TIP}: {entry.receipt_file}"
        elif entry is not None and entry.summary.record.receipt_path:
            tip = GONE_RECEIPT_TIP.format(path=entry.summary.record.receipt_path)
        else:
            tip = NO_RECEIPT_TIP
        self.receipt_button.setToolTip(tip)
        can_resume = entry is not None and entry.is_resumable
        self.resume_button.setEnabled(can_resume)
        self.resume_button.setToolTip(RESUME_TIP if can_resume else NOT_RESUMABLE_TIP)
        # The same deliveries as Resume: what the banner offers is what can be discarded.
        self.discard_button.setEnabled(can_resume)
        self.discard_button.setToolTip(DISCARD_TIP if can_resume else NOT_DISCARDABLE_TIP)
