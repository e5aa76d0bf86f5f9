"""The banner a lost network puts above the table: "Offline — resumes when the archive is
reachable", when the next try is (counting down each second), and a Retry now button.

It only shows the reachability events it is given (`ArchiveUnreachable` starts or updates it,
`ArchiveReachable` or the session's end hides it) and says when Retry now was clicked;
`DeliveryView` sends the command. The countdown is a GUI timer over a monotonic clock, so it
never touches the engine.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from uploader_gui.core.durations import duration_text
from uploader_gui.core.events import ArchiveReachable, ArchiveUnreachable

HEADLINE = "Offline — resumes when the archive is reachable"


def countdown_text(next_try_in_s: float, *, is_trying: bool) -> str:
    if is_trying or next_try_in_s <= 0:
        return "Trying the archive now…"
    return f"Trying again in {duration_text(next_try_in_s)}. Nothing sent is lost."


class OfflineBanner(QFrame):
    """Hidden until the archive cannot be reached."""

    retryNowRequested = Signal()

    def __init__(
        self, parent: QWidget | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._next_try_at = 0.0
        self._is_trying = False
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("offlineBanner")
        self.setStyleSheet("#offlineBanner { background: palette(alternate-base); }")
        self.headline = QLabel(f"<b>{HEADLINE}</b>")
        self.headline.setAccessibleName(HEADLINE)
        self.countdown = QLabel()
        self.countdown.setAccessibleName("Next try")
        self.retry_button = QPushButton("Retry &now")
        self.retry_button.setToolTip("Try to reach the archive now instead of waiting")
        self.retry_button.clicked.connect(self._on_retry_clicked)
        layout = QHBoxLayout(self)
        texts = QHBoxLayout()
        texts.addWidget(self.headline)
        texts.addWidget(self.countdown, 1)
        layout.addLayout(texts, 1)
        layout.addWidget(self.retry_button)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)
        self.hide()

    @Slot(object)
    def show_reachability(self, event: ArchiveUnreachable | ArchiveReachable) -> None:
        if isinstance(event, ArchiveReachable):
            self.end()
            return
        self._next_try_at = self._clock() + event.next_probe_s
        self._is_trying = False
        self.setToolTip(f"Last error: {event.reason}")
        self.retry_button.setEnabled(True)
        self._tick()
        self.timer.start()
        self.show()

    @Slot()
    def end(self) -> None:
        self.timer.stop()
        self.hide()

    @Slot()
    def _tick(self) -> None:
        left_s = self._next_try_at - self._clock()
        if left_s <= 0:
            self._is_trying = True
        self.countdown.setText(countdown_text(left_s, is_trying=self._is_trying))

    @Slot()
    def _on_retry_clicked(self) -> None:
        # Until the next ArchiveUnreachable (the try failed) or ArchiveReachable (it worked).
        self._is_trying = True
        self.retry_button.setEnabled(False)
        self._tick()
        self.retryNowRequested.emit()
