"""Delivering from the window: Start in the panel runs a session (`DeliveryController`); the
bridge's session signals drive the table, the `TransferBar` and the dialogs; the bar's buttons
become session commands.

A session that ended because another delivery holds the lock offers "Try again when it is
free" (`LockWaitFlow`), which starts the same delivery once the lock is free.

Questions from the session become message boxes answered through their reply handle; "Sign in
again" runs the panel's sign-in row first. Closing while delivering asks, then stops the
session and closes the window only once its thread has ended (lock released, `stop` row
written), so the window never freezes and never leaves a lock behind.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from uploader_gui.core.delivery.delivery_input import DeliveryInput
from uploader_gui.core.delivery.folder_index import FolderIndex
from uploader_gui.core.delivery.problems import Problem
from uploader_gui.core.delivery.profile import Profile
from uploader_gui.core.engine.commands import SessionCommands
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.engine.sign_in_pause import SIGN_IN_QUESTION_ID, SIGNED_IN, STOP
from uploader_gui.core.events import (
    LockHolder,
    SessionCrashed,
    SessionEnded,
    SessionStateChanged,
    TransferProgressed,
    WarningRaised,
)
from uploader_gui.core.questions import QuestionAsked
from uploader_gui.ui.delivery_controller import DeliveryController
from uploader_gui.ui.delivery_dialogs import (
    CANCEL_CHOICE,
    CANCEL_TEXT,
    CANCEL_TITLE,
    CLOSE_TEXT,
    CLOSE_TITLE,
    KEEP_GOING_CHOICE,
    KEEP_RUNNING_CHOICE,
    STOP_AND_CLOSE_CHOICE,
    choice_box,
    crash_box,
    question_box,
)
from uploader_gui.ui.delivery_panel import DeliveryPanel
from uploader_gui.ui.engine_bridge import EngineBridge
from uploader_gui.ui.file_table_model import FileTableModel
from uploader_gui.ui.lock_wait_flow import LockWaitFlow, ProbeFactory, archive_probe
from uploader_gui.ui.problems_dialog import ProblemsDialog
from uploader_gui.ui.resend_check import (
    FIX_FIRST_CHOICE,
    SEND_ANYWAY_CHOICE,
    UNCHANGED_TITLE,
    ResendCheck,
    unchanged_text,
)
from uploader_gui.ui.support_bundle_saver import (
    BundleChooser,
    SupportBundleSaver,
    ask_for_bundle_path,
    saved_text,
)
from uploader_gui.ui.transfer_bar import TransferBar

if TYPE_CHECKING:
    from uploader_gui.wiring.delivery_session import SessionOptions


INVALID_TITLE = "Invalid files"
INVALID_FIX = "Fix the file, then Start again: invalid files are sent again"
BUNDLE_FAILED_TITLE = "Support bundle not saved"


class DeliveryView(QObject):
    """Ties the panel, the bar, the table and the controller together (GUI thread only)."""

    def __init__(
        self,
        window: QWidget,
        panel: DeliveryPanel,
        bar: TransferBar,
        bridge: EngineBridge,
        model: FileTableModel,
        *,
        options: SessionOptions | None = None,
        folder_listing: Callable[[], FolderIndex | None] = lambda: None,
        bundle_chooser: BundleChooser = ask_for_bundle_path,
    ) -> None:
        super().__init__(window)
        self._folder_listing = folder_listing
        self._window, self._panel, self._bar, self._model = window, panel, bar, model
        self._bridge = bridge
        self.controller = DeliveryController(bridge.put, self, options=options)
        self.boxes: list[QMessageBox] = []  # the open ones, newest last (tests click them)
        self.receipt_paths: tuple[str, ...] = ()
        self.last_end: SessionEnded | None = None
        self.invalid_dialog: ProblemsDialog | None = None
        self.is_closing = False
        self._profile_used: Profile | None = None
        self._inputs_used: DeliveryInput | None = None
        store_path = options.store_path if options is not None else None
        self.bundle_saver = SupportBundleSaver(self, chooser=bundle_chooser, store_path=store_path)
        self.resend_check = ResendCheck(self, store_path=store_path)
        self.lock_wait = LockWaitFlow(
            self,
            bar.end_summary.lock_wait_row,
            holder=lambda: self.last_end.lock_holder if self.last_end else None,
            probe_for=self._lock_probe,
            set_waiting=panel.set_delivering,
            restart=self._start_again,
            backoff=options.lock_backoff if options is not None else None,
        )
        self.resend_check.checked.connect(self._on_resend_checked)
        self.bundle_saver.saved.connect(self._on_bundle_saved)
        self.bundle_saver.failed.connect(self._on_bundle_failed)
        panel.startRequested.connect(self.start)
        bar.pauseRequested.connect(lambda: self._command(SessionCommands.pause))
        bar.resumeRequested.connect(lambda: self._command(SessionCommands.resume))
        bar.cancelRequested.connect(self.confirm_cancel)
        bar.retryRequested.connect(self.retry_failed)
        bar.invalidFilesRequested.connect(self.show_invalid_files)
        bar.stopRequested.connect(lambda: self._command(SessionCommands.stop))
        bar.receiptRequested.connect(self.open_receipt)
        bar.supportBundleRequested.connect(self.save_support_bundle)
        bar.resendRequested.connect(self.resend_fixed)
        bridge.sessionStateChanged.connect(self._on_state)
        bridge.transferProgressed.connect(self._on_progress)
        bridge.fileCountsChanged.connect(self._on_counts)
        bridge.sessionEnded.connect(self._on_ended)
        bridge.sessionCrashed.connect(self._on_crashed)
        bridge.questionAsked.connect(self._on_question)
        bridge.warningRaised.connect(self._on_warning)
        self.controller.runningChanged.connect(self._on_running_changed)

    @property
    def is_running(self) -> bool:
        """A delivery runs, or waits for another one's lock to start (its inputs are set)."""
        return self.controller.is_running or self.lock_wait.is_waiting

    # --- what the person does -------------------------------------------------------------------

    @Slot()
    def start(self) -> None:
        panel = self._panel
        profile = panel.delivery_profile()
        if profile is None or panel.folder is None or panel.label_path is None:
            return
        inputs = DeliveryInput(
            profile_name=profile.name,
            source=Path(panel.folder),
            label_path=Path(panel.label_path),
            index_path=Path(panel.index_path) if panel.index_path else None,
            transfer_type=panel.transfer_type,
            listed=self._folder_listing(),
        )
        self._start_with(profile, inputs)

    def _start_with(self, profile: Profile, inputs: DeliveryInput) -> None:
        self.receipt_paths, self.last_end = (), None
        self._profile_used, self._inputs_used = profile, inputs
        self._bar.begin()
        if self.controller.start(profile, inputs, self._panel.sign_in_row.auth):
            self._panel.set_delivering(True)

    def _start_again(self) -> None:
        """The lock another delivery held is free: the same delivery, as it was started."""
        if self.controller.is_running:  # started meanwhile by other means: that one runs
            return
        if self._profile_used is not None and self._inputs_used is not None:
            self._start_with(self._profile_used, self._inputs_used)

    def _lock_probe(self, holder: LockHolder) -> ProbeFactory:
        assert self._profile_used is not None  # a delivery ended busy: it had started
        return archive_probe(self._profile_used, holder, self._panel.sign_in_row.auth)

    @Slot()
    def retry_now(self) -> None:
        """The offline banner's Retry now: try the archive at once instead of at the backoff."""
        self._command(SessionCommands.retry_now)

    @Slot()
    def confirm_cancel(self) -> None:
        def chosen(choice: str) -> None:
            if choice == CANCEL_CHOICE:
                self._command(SessionCommands.cancel)

        choices = (CANCEL_CHOICE, KEEP_GOING_CHOICE)
        self._keep(
            choice_box(self._window, CANCEL_TITLE, CANCEL_TEXT, choices, KEEP_GOING_CHOICE, chosen)
        )

    @Slot()
    def retry_failed(self) -> None:
        """While delivering, the session sends its failed files again; once it ended, a new
        session does (Start again resumes failed files)."""
        if self.controller.is_running:
            self._command(SessionCommands.retry_failed)
        else:
            self._panel.start_button.click()  # only if the panel allows a start now

    @Slot()
    def resend_fixed(self) -> None:
        """A new session, as Start (it sends every invalid file again); first a look, off the
        GUI thread, for invalid files unchanged since their verdict, which are asked about."""
        if not self.controller.is_running:
            self.resend_check.request(self.receipt_paths)

    @Slot(object)
    def _on_resend_checked(self, unchanged: list[str]) -> None:
        if self.controller.is_running:
            return
        if not unchanged:
            self._panel.start_button.click()  # only if the panel allows a start now
            return

        def chosen(choice: str) -> None:
            if choice == SEND_ANYWAY_CHOICE:
                self._panel.start_button.click()

        text = unchanged_text(len(unchanged))
        choices = (SEND_ANYWAY_CHOICE, FIX_FIRST_CHOICE)
        self._keep(
            choice_box(self._window, UNCHANGED_TITLE, text, choices, FIX_FIRST_CHOICE, chosen)
        )

    @Slot()
    def show_invalid_files(self) -> None:
        """The invalid files in the table, each with what the archive said about it."""
        model = self._model
        invalid = [
            Problem(model.path_at(row), model.message_at(row).replace("\n", "; "), fix=INVALID_FIX)
            for row in range(model.rowCount())
            if model.state_at(row) == FileState.INVALID.value
        ]
        if self.invalid_dialog is not None:
            self.invalid_dialog.close()
        headline = f"{len(invalid):,} files the archive found invalid"
        if len(invalid) == 1:
            headline = "1 file the archive found invalid"
        dialog = ProblemsDialog(headline, invalid, (), self._window, title=INVALID_TITLE)
        self.invalid_dialog = dialog
        dialog.show()

    @Slot()
    def open_receipt(self) -> None:
        if self.receipt_paths:
            folder = Path(self.receipt_paths[0]).parent
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    @Slot()
    def save_support_bundle(self) -> None:
        """Ask where, then write the bundle off the GUI thread; the summary says how it went."""
        profile = self._profile_used or self._panel.delivery_profile()
        if self.bundle_saver.save(self._window, receipt_paths=self.receipt_paths, profile=profile):
            self._bar.end_summary.show_bundle_saving()

    @Slot(str)
    def _on_bundle_saved(self, path: str) -> None:
        self._bar.end_summary.show_bundle_result(saved_text(path))

    @Slot(str)
    def _on_bundle_failed(self, message: str) -> None:
        self._bar.end_summary.show_bundle_result(message)
        box = QMessageBox(
            QMessageBox.Icon.Warning, BUNDLE_FAILED_TITLE, message, parent=self._window
        )
        box.open()
        self._keep(box)

    def ask_to_close(self) -> bool:
        """True if the window may close now; else the person is asked (stop, or keep running)."""
        if not self.controller.is_running:
            return True

        def chosen(choice: str) -> None:
            if choice == STOP_AND_CLOSE_CHOICE:
                self.is_closing = True
                self._bar.show_state("stopping", "the window closes once the delivery stopped")
                self._command(SessionCommands.stop)

        if not self.is_closing:
            choices = (STOP_AND_CLOSE_CHOICE, KEEP_RUNNING_CHOICE)
            self._keep(
                choice_box(
                    self._window, CLOSE_TITLE, CLOSE_TEXT, choices, KEEP_RUNNING_CHOICE, chosen
                )
            )
        return False

    def shutdown(self) -> None:
        """The window is going regardless: stop the session and wait for its thread."""
        for box in self.boxes:
            box.close()
        if self.invalid_dialog is not None:
            self.invalid_dialog.close()
        self.lock_wait.shutdown()
        self.controller.shutdown()
        self.bundle_saver.shutdown()
        self.resend_check.shutdown()

    # --- what the session reports ---------------------------------------------------------------

    @Slot(object)
    def _on_state(self, event: SessionStateChanged) -> None:
        if not self.is_closing:
            self._bar.show_state(event.state, event.detail)

    @Slot(object)
    def _on_progress(self, event: TransferProgressed) -> None:
        self._bar.show_progress(event)

    @Slot(object)
    def _on_counts(self, counts: dict[str, int]) -> None:
        self._bar.show_counts(counts, is_running=self.controller.is_running)

    @Slot(object)
    def _on_ended(self, event: SessionEnded) -> None:
        self.last_end = event
        self.receipt_paths = event.receipt_paths
        self._bar.show_end(event)

    @Slot(object)
    def _on_crashed(self, event: SessionCrashed) -> None:
        self._keep(crash_box(self._window, event))

    @Slot(object)
    def _on_warning(self, event: WarningRaised) -> None:
        self._bar.progress_label.setToolTip(f"{event.message}\n{event.detail}".strip())

    @Slot(object)
    def _on_question(self, question: QuestionAsked) -> None:
        if question.question_id == SIGN_IN_QUESTION_ID and self._panel.sign_in_row.auth:
            self._ask_sign_in(question)
            return

        def chosen(choice: str) -> None:
            question.reply.answer(choice)

        self._keep(question_box(self._window, question, chosen))

    def _ask_sign_in(self, question: QuestionAsked) -> None:
        row = self._panel.sign_in_row

        def chosen(choice: str) -> None:
            if choice != SIGNED_IN:
                question.reply.answer(choice)
                return

            def reported(text: str, is_signed_in: bool) -> None:
                row.statusReported.disconnect(reported)
                question.reply.answer(SIGNED_IN if is_signed_in else STOP)

            row.statusReported.connect(reported)
            row.sign_in()

        self._keep(question_box(self._window, question, chosen))

    @Slot(bool)
    def _on_running_changed(self, is_running: bool) -> None:
        if is_running:
            return
        self._bridge.drain_now()  # the session's last events (its end) before anything else
        # Waiting for the lock (clicked just as the session ended) keeps the inputs as they are.
        self._panel.set_delivering(self.lock_wait.is_waiting)
        self._bar.set_running(False)
        counts = self._model.state_counts()
        self._bar.show_counts(counts, is_running=False)
        if self.is_closing:
            self._window.close()

    def _command(self, verb: Callable[[SessionCommands], None]) -> None:
        """Give the running session a command (none runs: nothing to tell)."""
        if self.controller.commands is not None:
            verb(self.controller.commands)

    def _keep(self, box: QMessageBox) -> None:
        self.boxes = [b for b in self.boxes if b.isVisible()]
        self.boxes.append(box)
