"""The banner above the table that offers unfinished deliveries on launch: one line per delivery
("demo_set from data — 2 of 4 files delivered, stopped 2 h ago") with Resume and Discard, and
Not now for the whole banner. Non-modal: the window works as usual while it shows.

It only shows what it is given and says what was clicked; `DeliveryHistory` decides what
Resume and Discard do. Once Resume has filled the window, the banner says what to do next.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QWidget

from uploader_gui.ui.history_text import offer_text

if TYPE_CHECKING:
    from uploader_gui.wiring.delivery_history import HistoryEntry

HEADLINE_ONE = "A delivery was not finished"
HEADLINE_MANY = "{count} deliveries were not finished"
# The newest is offered here, the rest in the history: one Resume and one Discard in the window,
# so each keeps its own key (Alt+R, Alt+C; the run's Retry and Cancel show only once it runs,
# and then this offer is hidden) and none is pressed for the wrong delivery.
MAX_OFFERS = 1
MORE_TEXT = "…and {count} more in Delivery ▸ Delivery history…"


class OfferRow:
    """The widgets of one offered delivery."""

    def __init__(self, entry: HistoryEntry, text: str) -> None:
        self.entry = entry
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.label.setToolTip(entry.summary.record.source_root)
        self.resume_button = QPushButton("&Resume")
        self.resume_button.setToolTip(
            "Fill in this delivery's archive, label, index and folder; Start then sends the rest"
        )
        self.discard_button = QPushButton("Dis&card")
        self.discard_button.setToolTip(
            "Stop offering this delivery (asks first; nothing is deleted from the archive)"
        )


class UnfinishedBanner(QFrame):
    """Hidden until there is something to offer (or to say about a resume)."""

    resumeRequested = Signal(object)  # HistoryEntry
    discardRequested = Signal(object)  # HistoryEntry

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[OfferRow] = []
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("unfinishedBanner")
        self.setStyleSheet("#unfinishedBanner { background: palette(alternate-base); }")
        self.headline = QLabel()
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.more = QLabel()
        self.not_now_button = QPushButton("&Not now")
        self.not_now_button.setToolTip("Hide this; they stay in Delivery ▸ Delivery history…")
        self.not_now_button.clicked.connect(self.hide)
        top = QHBoxLayout()
        top.addWidget(self.headline, 1)
        top.addWidget(self.not_now_button)
        self._grid = QGridLayout()
        layout = QGridLayout(self)
        layout.addLayout(top, 0, 0)
        layout.addLayout(self._grid, 1, 0)
        layout.addWidget(self.more, 2, 0)
        layout.addWidget(self.note, 3, 0)
        self.hide()

    def show_offers(self, entries: Sequence[HistoryEntry], now_s: float) -> None:
        """Offer `entries` (newest first); hidden when there are none."""
        self._clear()
        for entry in entries[:MAX_OFFERS]:
            row = OfferRow(entry, offer_text(entry, now_s))
            row.resume_button.clicked.connect(lambda _=False, e=entry: self.resumeRequested.emit(e))
            row.discard_button.clicked.connect(
                lambda _=False, e=entry: self.discardRequested.emit(e)
            )
            line = len(self.rows)
            self._grid.addWidget(row.label, line, 0)
            self._grid.addWidget(row.resume_button, line, 1)
            self._grid.addWidget(row.discard_button, line, 2)
            self.rows.append(row)
        self._grid.setColumnStretch(0, 1)
        hidden = len(entries) - len(self.rows)
        self.more.setText(MORE_TEXT.format(count=hidden) if hidden > 0 else "")
        self.more.setVisible(hidden > 0)
        self.note.clear()
        self.note.hide()
        self._show_headline()
        self.setVisible(bool(self.rows))

    def remove(self, delivery_key: int) -> None:
        """Stop offering one delivery (resumed or discarded); hidden once none is left."""
        for row in [r for r in self.rows if r.entry.summary.key == delivery_key]:
            for widget in (row.label, row.resume_button, row.discard_button):
                self._grid.removeWidget(widget)
                widget.deleteLater()
            self.rows.remove(row)
        self._show_headline()
        if not self.rows and not self.note.text():
            self.hide()

    def show_note(self, text: str) -> None:
        """A line under the offers (what to do after Resume); shows the banner."""
        self.note.setText(text)
        self.note.show()
        self.show()

    def offered_keys(self) -> list[int]:
        return [row.entry.summary.key for row in self.rows]

    def _show_headline(self) -> None:
        count = len(self.rows)
        text = HEADLINE_ONE if count == 1 else HEADLINE_MANY.format(count=count)
        self.headline.setText(f"<b>{text}</b>" if count else "")
        self.headline.setAccessibleName(text if count else "")

    def _clear(self) -> None:
        for row in list(self.rows):
            self.remove(row.entry.summary.key)
