"""The end of a delivery, said plainly: what it came to, the files by result, how long it took,
and only the next steps that apply (Show invalid files, Send the fixed files again, Retry failed,
Open receipt), and always
Save support bundle… (the zip a partner sends the archive's help desk) with how its saving went.

Shown by the `TransferBar` in place of the state line and the run's buttons once the session
ended, so the window no longer ends on one grey "Ended stopped: …" line beside Pause and a bar
at 99 %. It only says what was clicked; `DeliveryView` decides what that does.

Send the fixed files again is a new session, as Start is (PROTOCOL.md §9: a new session sends
every invalid file again), and its text and tooltip say so; the ended session sends nothing more.

When another delivery holds the archive's lock, the headline names it (agent id, this computer
or not, the lock's last write) and the `LockWaitRow` offers "Try again when it is free".
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from uploader_gui.core.durations import duration_text
from uploader_gui.core.engine.archive_busy import holder_text
from uploader_gui.core.engine.session_states import SessionOutcome, SessionState
from uploader_gui.core.events import SessionEnded
from uploader_gui.core.formatting import count_text
from uploader_gui.ui.lock_wait_row import LockWaitRow

BUSY_NEXT_STEP = (
    "Only one upload of a delivery may run at a time; nothing was sent. Try again when it is "
    "free checks the lock every few seconds, then less often, and starts this delivery as soon "
    "as the other one lets go. Start later does the same by hand."
)


def _problems(ended: SessionEnded) -> str:
    parts = []
    if ended.files_invalid:
        parts.append(count_text(ended.files_invalid, "invalid file"))
    if ended.files_failed:
        parts.append(count_text(ended.files_failed, "failed file"))
    return " and ".join(parts)


def outcome_text(ended: SessionEnded) -> str:
    """The headline: `Delivered — all 4 files valid`, `Delivered with 1 invalid file`,
    `Stopped — Start again to resume (why)`, `Failed — why`."""
    reason = ended.message or ended.outcome
    outcome = ended.outcome
    if outcome == SessionOutcome.ARCHIVE_BUSY and ended.lock_holder is not None:
        holder = holder_text(ended.lock_holder, now=datetime.now(UTC))
        return f"The archive is busy: another delivery holds its lock — {holder}"
    if outcome == SessionOutcome.ALL_VALID:
        return f"Delivered — all {count_text(ended.files_total, 'file')} valid"
    if outcome == SessionOutcome.NOTHING_TO_DO:
        total = count_text(ended.files_total, "file")
        return f"Delivered — nothing to send: all {total} were already valid"
    if outcome == SessionOutcome.WITH_PROBLEMS:
        return f"Delivered with {_problems(ended) or 'problems'}"
    if outcome == SessionOutcome.CANCELLED:
        return f"Cancelled — Start again to send the rest ({reason})"
    if ended.state == SessionState.STOPPED:
        return f"Stopped — Start again to resume ({reason})"
    return f"Failed — {reason}"


def next_step_text(ended: SessionEnded) -> str:
    """What to do about the files with problems (or about a busy archive), if any."""
    if ended.outcome == SessionOutcome.ARCHIVE_BUSY:
        return BUSY_NEXT_STEP
    steps = []
    if ended.files_invalid:
        steps.append(
            "Fix the invalid files, then Send the fixed files again (a new session, as Start): "
            "every invalid file is sent again."
        )
    if ended.files_failed:
        steps.append("Retry failed sends the failed files again.")
    return " ".join(steps)


def took_text(seconds: float) -> str:
    """`took 42 s`, `took 3 min 05 s`, `took 1 h 05 min`."""
    return f"took {duration_text(seconds)}"


def results_text(ended: SessionEnded, elapsed_s: float | None) -> str:
    """`3 valid · 1 invalid · 2 not sent of 6 files · took 12 s`."""
    not_sent = ended.files_total - ended.files_valid - ended.files_invalid - ended.files_failed
    counts = [
        (ended.files_valid, "valid"),
        (ended.files_invalid, "invalid"),
        (ended.files_failed, "failed"),
        (max(0, not_sent), "not sent"),
    ]
    parts = [f"{n:,} {word}" for n, word in counts if n]
    text = " · ".join(parts)
    if ended.files_total:
        text = f"{text} of {count_text(ended.files_total, 'file')}"
    if elapsed_s is not None:
        text = f"{text} · {took_text(elapsed_s)}" if text else took_text(elapsed_s)
    return text


def settled_count(ended: SessionEnded) -> int:
    """Files with a result: judged by the archive, or failed."""
    return ended.files_valid + ended.files_invalid + ended.files_failed


class EndSummary(QWidget):
    """The outcome, the results and the next-step buttons of an ended delivery."""

    invalidFilesRequested = Signal()
    resendRequested = Signal()
    retryRequested = Signal()
    receiptRequested = Signal()
    supportBundleRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outcome_label = QLabel()
        self.outcome_label.setAccessibleName("Delivery result")
        self.outcome_label.setWordWrap(True)
        self.outcome_label.setStyleSheet("QLabel { font-weight: bold; }")
        self.results_label = QLabel()
        self.results_label.setAccessibleName("Files by result")
        self.next_step_label = QLabel()
        self.next_step_label.setWordWrap(True)
        self.invalid_button = QPushButton("Sh&ow invalid files")
        self.invalid_button.setToolTip("List the invalid files and what the archive said")
        self.resend_button = QPushButton("Send the fi&xed files again")
        self.resend_button.setToolTip(
            "Start a new delivery session, as Start does: every invalid file is sent again, "
            "so fix them first"
        )
        self.retry_button = QPushButton("&Retry failed")
        self.retry_button.setToolTip("Start again: the failed files are sent again")
        self.receipt_button = QPushButton("O&pen receipt")
        self.receipt_button.setToolTip("Open the folder holding the delivery's receipt")
        self.bundle_button = QPushButton("Save support bu&ndle…")
        self.bundle_button.setToolTip(
            "Save a zip for the archive's help desk: the app's logs, the receipt, what happened "
            "to each file that is not valid, the versions and the profile (never a secret)"
        )
        self.bundle_label = QLabel()
        self.bundle_label.setAccessibleName("Support bundle")
        self.bundle_label.setWordWrap(True)
        self.bundle_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bundle_label.hide()
        self.lock_wait_row = LockWaitRow()
        self.ended: SessionEnded | None = None
        self.invalid_button.clicked.connect(self.invalidFilesRequested)
        self.resend_button.clicked.connect(self.resendRequested)
        self.retry_button.clicked.connect(self.retryRequested)
        self.receipt_button.clicked.connect(self.receiptRequested)
        self.bundle_button.clicked.connect(self.supportBundleRequested)
        self.results_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.outcome_label)
        layout.addWidget(self.results_label)
        layout.addWidget(self.next_step_label)
        layout.addWidget(self.lock_wait_row)
        # Two rows of next steps, so the window can be narrow (about 640 px) and show them all.
        for row in (self.buttons()[:3], self.buttons()[3:]):
            buttons = QHBoxLayout()
            for button in row:
                buttons.addWidget(button)
            buttons.addStretch(1)
            layout.addLayout(buttons)
        layout.addWidget(self.bundle_label)

    def buttons(self) -> tuple[QPushButton, ...]:
        return (
            self.invalid_button,
            self.resend_button,
            self.retry_button,
            self.receipt_button,
            self.bundle_button,
        )

    def show_end(self, ended: SessionEnded, elapsed_s: float | None) -> None:
        self.ended = ended
        self.outcome_label.setText(outcome_text(ended))
        self.results_label.setText(results_text(ended, elapsed_s))
        step = next_step_text(ended)
        self.next_step_label.setText(step)
        self.next_step_label.setVisible(bool(step))
        self.invalid_button.setVisible(ended.files_invalid > 0)
        self.resend_button.setVisible(ended.files_invalid > 0)
        self.retry_button.setVisible(ended.files_failed > 0)
        self.receipt_button.setVisible(bool(ended.receipt_paths))
        self.bundle_button.setEnabled(True)
        self.bundle_label.hide()
        self.lock_wait_row.show_offer()
        self.lock_wait_row.setVisible(ended.lock_holder is not None)
        self.show()

    def show_bundle_saving(self) -> None:
        self.bundle_button.setEnabled(False)  # one bundle at a time
        self.bundle_label.setText("Saving the support bundle…")
        self.bundle_label.show()

    def show_bundle_result(self, text: str) -> None:
        """`Support bundle saved: <path>`, or what went wrong and the fix."""
        self.bundle_button.setEnabled(True)
        self.bundle_label.setText(text)
        self.bundle_label.show()
