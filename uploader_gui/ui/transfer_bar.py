"""The delivery strip under the panel: the session's state line, the overall bar (bytes
processed of the total), speed and time left, files by state, files checked, and the run's
buttons (Pause or Resume, Cancel, Retry failed, Stop); once the session ended, its
`EndSummary` (outcome, results, time taken, next steps) instead of the state line and buttons.

It only shows what it is given and says what was clicked; `DeliveryView` decides. The bar's
text colours are made readable on its fill and groove (`text_contrast.progress_bar_palette`),
again whenever the theme changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from PySide6.QtCore import QEvent, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.engine.session_states import SessionState
from uploader_gui.core.events import SessionEnded, TransferProgressed
from uploader_gui.core.formatting import count_text, human_rate, human_size, state_label
from uploader_gui.ui.end_summary import EndSummary, settled_count
from uploader_gui.ui.session_state_view import STARTING_VIEW, StateView, state_line, state_view
from uploader_gui.ui.text_contrast import progress_bar_palette

PROGRESS_STEPS = 1000
# Mnemonics unique in the window: Resume's R would clash with Retry failed beside it.
PAUSE_TEXT, RESUME_TEXT = "&Pause", "Res&ume"
_COUNT_ORDER = tuple(state.value for state in FileState)


def time_left_text(eta_s: float | None) -> str:
    """`about 1 h 05 min left`, `about 42 s left`, or "" while there is no speed yet."""
    if eta_s is None:
        return ""
    seconds = max(0, round(eta_s))
    if seconds >= 3600:
        return f"about {seconds // 3600} h {seconds % 3600 // 60:02d} min left"
    if seconds >= 60:
        return f"about {seconds // 60} min {seconds % 60:02d} s left"
    return f"about {seconds} s left"


def files_rate_text(rate_files_per_s: float) -> str:
    """`12.3 files/s`, `0.25 files/s`, `1,234 files/s`."""
    if rate_files_per_s >= 100:
        return f"{rate_files_per_s:,.0f} files/s"
    if rate_files_per_s >= 1:
        return f"{rate_files_per_s:.1f} files/s"
    return f"{rate_files_per_s:.2f} files/s"


def checked_text(counts: Mapping[str, int]) -> str:
    """`12 of 40 checked`: the files the archive's validator judged (valid or invalid)."""
    total = sum(counts.values())
    checked = counts.get(FileState.VALID.value, 0) + counts.get(FileState.INVALID.value, 0)
    return f"{checked:,} of {total:,} checked" if total else ""


def progress_line(event: TransferProgressed, *, is_moving: bool = True) -> str:
    """`1.20 GiB of 4.00 GiB · 12 of 40 files · 10.0 MiB/s · 4.2 files/s · about 5 min left`.

    A speed and a time left only while files are moving (`is_moving`): paused, offline or
    waiting for verdicts, the last speed says nothing about what comes next."""
    parts = [
        f"{human_size(event.bytes_processed)} of {human_size(event.bytes_total)}",
        f"{event.files_finished:,} of {count_text(event.files_total, 'file')}",
    ]
    if not is_moving:
        return " · ".join(parts)
    if event.rate_bytes_per_s > 0:
        parts.append(human_rate(event.rate_bytes_per_s))
    if event.rate_files_per_s > 0:
        parts.append(files_rate_text(event.rate_files_per_s))
    left = time_left_text(event.eta_s)
    if left:
        parts.append(left)
    return " · ".join(parts)


def counts_text(counts: Mapping[str, int]) -> str:
    """`3 valid · 1 invalid · 2 uploading`, in the order a file goes through its states."""
    known = [s for s in _COUNT_ORDER if counts.get(s)]
    others = sorted(s for s in counts if s not in _COUNT_ORDER and counts[s])
    return " · ".join(f"{counts[s]:,} {state_label(s)}" for s in (*known, *others))


class TransferBar(QWidget):
    """The overall progress and the run's buttons; hidden until a delivery starts."""

    pauseRequested = Signal()
    resumeRequested = Signal()
    cancelRequested = Signal()
    retryRequested = Signal()
    stopRequested = Signal()
    receiptRequested = Signal()
    invalidFilesRequested = Signal()
    supportBundleRequested = Signal()
    resendRequested = Signal()

    # The session is waiting for the network (True, with the state's detail) or no longer
    # (False, ""): the hook for an offline banner.

    def __init__(
        self, parent: QWidget | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._started_at: float | None = None
        self._has_ended = False
        self._view = STARTING_VIEW
        self._last_progress: TransferProgressed | None = None
        self._failed_count = 0
        self.state_label = QLabel()
        self.state_label.setAccessibleName("Delivery state")
        self.state_label.setWordWrap(True)
        self.progress_bar = QProgressBar()
        self.progress_bar.setAccessibleName("Delivery progress")
        self.progress_bar.setRange(0, PROGRESS_STEPS)
        self._make_bar_text_readable()
        self.progress_label = QLabel()
        self.counts_label = QLabel()
        self.counts_label.setAccessibleName("Files by state")
        self.checked_label = QLabel()
        self.checked_label.setAccessibleName("Files checked by the archive")
        self.checked_label.setToolTip("Files the archive's validator has judged, valid or invalid")
        self.pause_button = QPushButton(PAUSE_TEXT)
        self.pause_button.setToolTip("Pause: parts being sent finish, nothing is lost")
        self.cancel_button = QPushButton("&Cancel")
        self.cancel_button.setToolTip("Cancel the delivery: partial uploads are discarded")
        self.retry_button = QPushButton("&Retry failed")
        self.retry_button.setToolTip("Send the failed files again")
        self.stop_button = QPushButton("St&op")
        self.stop_button.setToolTip("Stop and keep everything sent: Start again resumes")
        self.end_summary = EndSummary()
        self.end_summary.hide()
        self._build_layout()
        self.pause_button.clicked.connect(self._on_pause_clicked)
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.retry_button.clicked.connect(self.retryRequested)
        self.stop_button.clicked.connect(self.stopRequested)
        self.end_summary.receiptRequested.connect(self.receiptRequested)
        self.end_summary.retryRequested.connect(self.retryRequested)
        self.end_summary.invalidFilesRequested.connect(self.invalidFilesRequested)
        self.end_summary.supportBundleRequested.connect(self.supportBundleRequested)
        self.end_summary.resendRequested.connect(self.resendRequested)
        self.set_running(False)
        self.hide()

    def changeEvent(self, event: QEvent) -> None:
        # The bar's text colours are set on it, so they no longer follow the theme by
        # themselves: they are worked out again from this strip's new palette.
        if event.type() == QEvent.Type.PaletteChange:
            self._make_bar_text_readable()
        super().changeEvent(event)

    def _make_bar_text_readable(self) -> None:
        self.progress_bar.setPalette(progress_bar_palette(self.palette()))

    def _build_layout(self) -> None:
        # Wrapped: a long speed line or count must make the strip taller, not the window wider.
        for label in (self.progress_label, self.counts_label):
            label.setWordWrap(True)
        line = QHBoxLayout()
        line.addWidget(self.progress_bar, 1)
        line.addWidget(self.progress_label)
        line.addWidget(self.checked_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.counts_label, 1)
        for button in self._run_buttons():
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.state_label)
        layout.addLayout(line)
        layout.addLayout(buttons)
        layout.addWidget(self.end_summary)

    def _run_buttons(self) -> tuple[QPushButton, ...]:
        return (self.pause_button, self.cancel_button, self.retry_button, self.stop_button)

    def _set_ended_look(self, has_ended: bool) -> None:
        self._has_ended = has_ended
        self.end_summary.setVisible(has_ended)
        # The summary says it all: the run's lines would contradict it (bytes sent, not judged).
        for widget in (
            self.state_label,
            self.progress_label,
            self.counts_label,
            self.checked_label,
        ):
            widget.setVisible(not has_ended)
        for button in self._run_buttons():
            button.setVisible(not has_ended)

    def begin(self) -> None:
        """A session starts: empty bar, buttons for a delivery that has not moved yet."""
        self.show()
        self.progress_bar.setValue(0)
        self.progress_label.setText("")
        self.counts_label.setText("")
        self.checked_label.setText("")
        self.progress_bar.setFormat("%p%")
        self._set_ended_look(False)
        self._started_at = self._clock()
        self._last_progress = None
        self._failed_count = 0
        self._apply_view(STARTING_VIEW)
        self.state_label.setText(f"{STARTING_VIEW.headline}…")

    def set_running(self, is_running: bool) -> None:
        """Running: as at the start; not running: no run button can do anything any more."""
        self._apply_view(STARTING_VIEW if is_running else state_view(SessionState.STOPPED))

    @property
    def is_paused(self) -> bool:
        return self._view.can_resume

    def show_state(self, state: str, detail: str) -> None:
        """The session's state line, and the buttons and speed that state allows."""
        self.state_label.setText(state_line(state, detail))
        self._apply_view(state_view(state))

    def show_progress(self, event: TransferProgressed) -> None:
        self._last_progress = event
        if self._has_ended:  # the end set the bar to the delivery's result
            return
        fraction = event.bytes_processed / event.bytes_total if event.bytes_total else 1.0
        self.progress_bar.setValue(round(min(1.0, fraction) * PROGRESS_STEPS))
        self._render_progress()

    def show_counts(self, counts: Mapping[str, int], *, is_running: bool) -> None:
        self.counts_label.setText(counts_text(counts))
        self.checked_label.setText(checked_text(counts))
        self._failed_count = counts.get(FileState.FAILED.value, 0) if is_running else 0
        self._apply_view(self._view)

    def _apply_view(self, view: StateView) -> None:
        self._view = view
        self.pause_button.setText(RESUME_TEXT if view.can_resume else PAUSE_TEXT)
        self.pause_button.setEnabled(view.can_pause or view.can_resume)
        self.cancel_button.setEnabled(view.can_cancel)
        self.stop_button.setEnabled(view.can_stop)
        self.retry_button.setEnabled(view.can_retry and self._failed_count > 0)
        self._render_progress()

    def _render_progress(self) -> None:
        if self._last_progress is not None:
            line = progress_line(self._last_progress, is_moving=self._view.is_moving)
            self.progress_label.setText(line)

    def show_end(self, ended: SessionEnded) -> None:
        """The session ended: its summary, and the bar at the share of files with a result
        (no speed, no time left)."""
        self.set_running(False)
        elapsed_s = None if self._started_at is None else self._clock() - self._started_at
        self.end_summary.show_end(ended, elapsed_s)
        self._set_ended_look(True)
        settled = settled_count(ended)
        fraction = settled / ended.files_total if ended.files_total else 0.0
        self.progress_bar.setValue(round(min(1.0, fraction) * PROGRESS_STEPS))
        self.progress_bar.setFormat(f"{settled:,} of {ended.files_total:,} files finished")
        self._render_progress()

    @Slot()
    def _on_pause_clicked(self) -> None:
        # The label changes when the session says it has paused or resumed, not before.
        was_paused = self.is_paused
        self.pause_button.setEnabled(False)
        if was_paused:
            self.resumeRequested.emit()
        else:
            self.pauseRequested.emit()
