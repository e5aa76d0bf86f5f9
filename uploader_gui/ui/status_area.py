"""The strip at the bottom of the window: what is happening now, how far along, what was skipped.

While listing: files and bytes found, and files found a second. While reading: files and bytes
done of the total, the rate in bytes and in files a second, a progress bar and a Stop button.
When done: N files, the total size, and a "Skipped (N)" button when anything was left out.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from uploader_gui.core.events import IndexProgressed
from uploader_gui.core.formatting import count_text, human_rate, human_size
from uploader_gui.ui.engine_bridge import IndexSummary

PROGRESS_STEPS = 1000


def progress_text(event: IndexProgressed) -> str:
    """`Indexing: 1,234 of 5,000 files · 1.20 GiB of 4.00 GiB · 120 MiB/s · 2,345 files/s`,
    or while the folder is listed `Listing: 12,345 files found · 4.00 GiB · 8,000 files/s`."""
    if event.is_listing:
        parts = [f"Listing: {count_text(event.files_total, 'file')} found"]
        if event.bytes_total:
            parts.append(human_size(event.bytes_total))
        if event.files_per_s > 0:
            parts.append(_files_rate_text(event.files_per_s))
        return " · ".join(parts)
    if event.files_total:
        files = f"{event.files_done:,} of {count_text(event.files_total, 'file')}"
    else:
        files = f"{count_text(event.files_done, 'file')} found"
    parts = [f"Indexing: {files}"]
    if event.bytes_total:
        parts.append(f"{human_size(event.bytes_done)} of {human_size(event.bytes_total)}")
    if event.rate_bytes_per_s > 0:
        parts.append(human_rate(event.rate_bytes_per_s))
    if event.files_per_s > 0:
        parts.append(_files_rate_text(event.files_per_s))
    return " · ".join(parts)


def _files_rate_text(files_per_s: float) -> str:
    return f"{round(files_per_s):,} files/s"


def progress_fraction(event: IndexProgressed) -> float | None:
    """How far along, by bytes when the total is known, else by files; None when unknown
    (while listing, the total is still growing)."""
    if event.is_listing:
        return None
    if event.bytes_total > 0:
        return min(1.0, event.bytes_done / event.bytes_total)
    if event.files_total > 0:
        return min(1.0, event.files_done / event.files_total)
    return None


def summary_text(summary: IndexSummary) -> str:
    """`12,345 files · 4.00 GiB · 3 skipped (2 junk, 1 problem to fix)`."""
    text = f"{count_text(summary.files, 'file')} · {human_size(summary.bytes_total)}"
    if summary.skipped:
        kinds = []
        if summary.junk_count:
            kinds.append(f"{summary.junk_count:,} junk")
        if summary.problem_count:
            kinds.append(count_text(summary.problem_count, "problem") + " to fix")
        text += f" · {len(summary.skipped):,} skipped"
        if kinds:
            text += f" ({', '.join(kinds)})"
    return text


class StatusArea(QWidget):
    """Status text, progress bar, Stop and Skipped buttons; the window drives it."""

    stopRequested = Signal()
    skippedRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message_label = QLabel("Drop a folder on the window or choose one to begin.")
        self.message_label.setAccessibleName("Status")
        self.progress_bar = QProgressBar()
        self.progress_bar.setAccessibleName("Indexing progress")
        self.progress_bar.setRange(0, PROGRESS_STEPS)
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.hide()
        self.stop_button = QPushButton("Stop")  # its key is Esc, not a mnemonic
        self.stop_button.setToolTip("Stop indexing this folder (Esc)")
        self.stop_button.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        self.stop_button.clicked.connect(self.stopRequested)
        self.stop_button.hide()
        self.skipped_button = QPushButton()
        self.skipped_button.setToolTip("List the paths left out of the index, and why")
        self.skipped_button.clicked.connect(self.skippedRequested)
        self.set_skipped_count(0)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.message_label, 1)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.stop_button)
        layout.addWidget(self.skipped_button)

    def show_message(self, text: str, *, detail: str = "") -> None:
        """A message that ends any activity shown (an error, a refusal, "stopped")."""
        self._set_busy(False)
        self._set_text(text, detail)

    def show_waiting(self, text: str) -> None:
        """Activity with no measure yet (looking at the folder, listing it)."""
        self._set_busy(True)
        self.progress_bar.setRange(0, 0)
        self._set_text(text)

    def show_progress(self, event: IndexProgressed) -> None:
        self._set_busy(True)
        fraction = progress_fraction(event)
        if fraction is None:
            self.progress_bar.setRange(0, 0)
        else:
            self.progress_bar.setRange(0, PROGRESS_STEPS)
            self.progress_bar.setValue(round(fraction * PROGRESS_STEPS))
        self._set_text(progress_text(event))

    def show_summary(self, summary: IndexSummary) -> None:
        self._set_busy(False)
        self._set_text(summary_text(summary), summary.root)

    def set_skipped_count(self, count: int) -> None:
        self.skipped_button.setText(f"S&kipped ({count:,})")
        self.skipped_button.setVisible(count > 0)

    def _set_busy(self, is_busy: bool) -> None:
        self.progress_bar.setVisible(is_busy)
        self.stop_button.setVisible(is_busy)

    def _set_text(self, text: str, detail: str = "") -> None:
        self.message_label.setText(text)
        self.message_label.setToolTip(detail or text)
