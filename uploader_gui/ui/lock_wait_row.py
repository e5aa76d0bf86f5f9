"""The end summary's row for a busy archive: "Try again when it is free", then, while the window
waits for the other delivery's lock, "Waiting for the lock… next check in 40 s" (counting down
each second) with Cancel, and what came of it.

It only shows what it is told and says what was clicked; `LockWaitFlow` decides. The countdown
is a GUI timer over a monotonic clock, so it never touches the network.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from uploader_gui.core.durations import duration_text

TRY_WHEN_FREE_TEXT = "Try &again when it is free"
CHECKING_TEXT = "Waiting for the lock… checking it now"
CANCELLED_TEXT = "Stopped waiting for the lock. Nothing was sent."
FREE_TEXT = "The lock is free: starting the delivery…"


def next_check_text(next_check_in_s: float, reason: str = "") -> str:
    """`Waiting for the lock… next check in 40 s` (and why the last check said nothing)."""
    if next_check_in_s <= 0:
        return CHECKING_TEXT
    # Rounded up: "next check in 0 s" would be a check that is not happening yet.
    text = f"Waiting for the lock… next check in {duration_text(math.ceil(next_check_in_s))}"
    return f"{text} ({reason})" if reason else text


class LockWaitRow(QWidget):
    """Hidden unless the archive was busy."""

    waitRequested = Signal()
    cancelRequested = Signal()

    def __init__(
        self, parent: QWidget | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._next_check_at = 0.0
        self._reason = ""
        self.wait_button = QPushButton(TRY_WHEN_FREE_TEXT)
        self.wait_button.setToolTip(
            "Check the lock every few seconds (less often as time goes on) and start this "
            "delivery, as it is set up now, as soon as the other one lets go"
        )
        self.status_label = QLabel()
        self.status_label.setAccessibleName("Waiting for the lock")
        self.status_label.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel &waiting")
        self.cancel_button.setToolTip("Stop checking the lock; nothing is sent")
        self.wait_button.clicked.connect(self.waitRequested)
        self.cancel_button.clicked.connect(self.cancelRequested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.status_label, 1)
        layout.addWidget(self.wait_button)
        layout.addWidget(self.cancel_button)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)
        self.show_offer()
        self.hide()

    def show_offer(self, text: str = "") -> None:
        """Not waiting: the button, and `text` (what came of an earlier wait) if any."""
        self.timer.stop()
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))
        self.wait_button.show()
        self.wait_button.setEnabled(True)
        self.cancel_button.hide()

    def show_checking(self) -> None:
        self.timer.stop()
        self._show_waiting_look()
        self.status_label.setText(CHECKING_TEXT)

    def show_next_check(self, next_check_in_s: float, reason: str) -> None:
        self._next_check_at = self._clock() + next_check_in_s
        self._reason = reason
        self._show_waiting_look()
        self._tick()
        self.timer.start()

    def show_free(self) -> None:
        self.timer.stop()
        self.status_label.setText(FREE_TEXT)
        self.cancel_button.hide()

    @property
    def is_waiting(self) -> bool:
        return self.cancel_button.isVisibleTo(self)

    def _show_waiting_look(self) -> None:
        self.wait_button.hide()
        self.status_label.show()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)

    @Slot()
    def _tick(self) -> None:
        left_s = self._next_check_at - self._clock()
        self.status_label.setText(next_check_text(max(0.0, left_s), self._reason))
