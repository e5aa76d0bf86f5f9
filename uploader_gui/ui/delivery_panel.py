"""The delivery panel at the top of the window, in the order of the steps: 1 the archive, 2 the
label (and optional index), 3 the folder, 4 whether the archive would accept the delivery
(pre-flight) and Start, before anything is sent (`delivery_steps` lays the steps out).

The panel only decides and displays: the archive list and the local archive live on
`ArchiveRunner`'s thread, the pre-flight on `PreflightRunner`'s, and their results come back as
queued signals. Every change of label, index, folder or archive bucket stem re-runs pre-flight;
a result for anything but the newest request is dropped.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QDir, QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QWidget,
)

from uploader_gui.archive_service import (
    ArchiveChoice,
    LocalArchiveStarter,
    list_archives,
)
from uploader_gui.core.delivery.profile import Profile
from uploader_gui.ui.archive_runner import ArchiveRunner
from uploader_gui.ui.archive_texts import (
    archive_combo,
    fill_archive_combo,
    local_status_text,
    profile_status_text,
    show_local_archive_item,
)
from uploader_gui.ui.delivery_steps import (
    LABEL_EXPLANATION,
    PathLabel,
    Step,
    explanation_label,
    lay_out_steps,
    open_example_label,
    step_button,
    verdict_style,
    wrapped_label,
)
from uploader_gui.ui.preflight_worker import (
    CHECKING_TEXT,
    NO_LABEL_TEXT,
    DeliveryCheck,
    PreflightRequest,
    PreflightRunner,
    PreflightVerdict,
    VerdictKind,
    check_delivery,
)
from uploader_gui.ui.problems_dialog import ProblemsDialog
from uploader_gui.ui.sign_in_row import AuthFactory, SignInRow, default_auth

BUILD_FROM_FOLDER_TEXT = "build from folder"
START_TOOLTIP = "Start the delivery once the pre-flight check passes (run again to resume)"
NO_FOLDER_TEXT = "No folder chosen"
_LABEL_FILTER = "Delivery labels (*.yaml *.yml);;All files (*)"
_INDEX_FILTER = "Index files (*.csv);;All files (*)"


class DeliveryPanel(QGroupBox):
    """Archive selector, label and index pickers, the pre-flight line and the Start button."""

    verdictShown = Signal(object)  # PreflightVerdict, each time one replaces the line
    startRequested = Signal()  # Start was clicked (only ever enabled when it can start)
    folderRequested = Signal()  # step 3's button: the window asks for the folder
    noticeShown = Signal(str)  # a one-line message for the status bar

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        start_local_archive: LocalArchiveStarter | None = None,
        check: DeliveryCheck = check_delivery,
        list_choices: Callable[[], list[ArchiveChoice]] = list_archives,
        make_auth: AuthFactory = default_auth,
        open_url: Callable[[str], bool] | None = None,
    ) -> None:
        super().__init__("Delivery", parent)
        self.label_path: str | None = None
        self.index_path: str | None = None
        self.folder: str | None = None
        self.verdict: PreflightVerdict | None = None
        self.problems_dialog: ProblemsDialog | None = None
        self._last_request: PreflightRequest | None = None
        self._local_failure = ""
        self._wanted_profile_path: Path | None = None
        self.is_delivering = False
        self.archives = ArchiveRunner(start_local_archive, self, list_choices=list_choices)
        self.preflight = PreflightRunner(self, check=check)
        row_options = {"open_url": open_url} if open_url is not None else {}
        self.sign_in_row = SignInRow(self, make_auth=make_auth, **row_options)
        self._build_widgets()
        self._connect()
        self._show_archive_state()
        self._show_verdict(PreflightVerdict(VerdictKind.NO_LABEL, NO_LABEL_TEXT))
        # After the window is shown: the list and the start are queued to the archive thread.
        QTimer.singleShot(0, self, self.start_archives)

    # --- building -----------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.archive_combo = archive_combo()
        self.archive_status = wrapped_label("Archive status")
        self.archive_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label_text = PathLabel("Chosen label", "No label chosen")
        self.label_button = step_button(
            "Choose &label…", "Choose the delivery's label (a .yaml file)"
        )
        self.label_help = explanation_label(LABEL_EXPLANATION, self.open_example)
        self.label_help.setAccessibleName("What a label is")
        self.index_text = PathLabel("Chosen index", BUILD_FROM_FOLDER_TEXT)
        self.index_button = step_button(
            "Choose &index…",
            "Optional: the index CSV listing the files to deliver; without one, the index is "
            "built from the folder",
        )
        self.clear_index_button = step_button(
            "&Build from folder", "Forget the chosen index and build it from the folder"
        )
        self.clear_index_button.hide()
        self.folder_text = PathLabel("Chosen folder", NO_FOLDER_TEXT)
        self.folder_button = step_button(
            "Choose fold&er…", "Choose the folder to deliver, or drop it on the window (Ctrl+O)"
        )
        self.verdict_label = wrapped_label("Pre-flight check")
        self.details_button = step_button(
            "Det&ails", "List each problem with its file, line, key and fix"
        )
        self.details_button.hide()
        self.start_button = step_button("S&tart", START_TOOLTIP)
        self.start_button.setEnabled(False)
        self.sample_checkbox = QCheckBox("Sa&mple delivery")
        self.sample_checkbox.setAccessibleName("Sample delivery")
        self.sample_checkbox.setToolTip(
            "A sample to try the archive's checks, not the full delivery (staging)"
        )
        self._lay_out()

    def _lay_out(self) -> None:
        inputs = [self.archive_combo, self.label_button, self.index_button, self.folder_button]
        start = [self.details_button, self.sample_checkbox, self.start_button]
        self.captions = lay_out_steps(
            QGridLayout(self),
            [
                Step("&1 Archive:", self.archive_combo, [self.archive_combo]),
                Step("", None, [self.archive_status]),
                Step("", None, [self.sign_in_row]),
                Step("&2 Label:", self.label_button, [self.label_text, self.label_button]),
                Step("", None, [self.label_help]),
                Step(
                    "Index (optional):",
                    self.index_button,
                    [self.index_text, self.index_button, self.clear_index_button],
                ),
                Step("&3 Folder:", self.folder_button, [self.folder_text, self.folder_button]),
                Step("&4 Check:", self.start_button, [self.verdict_label, *start]),
            ],
        )
        # Tab goes through the steps in their order, whatever order the widgets were made in.
        for first, second in itertools.pairwise([*inputs, self.clear_index_button, *start]):
            QWidget.setTabOrder(first, second)

    def _connect(self) -> None:
        self.archive_combo.currentIndexChanged.connect(self._on_archive_selected)
        self.archives.archivesListed.connect(self._on_archives_listed)
        self.archives.localArchiveStarted.connect(self._show_archive_state)
        self.archives.localArchiveStarting.connect(self._show_archive_state)  # after a reset
        self.archives.localArchiveFailed.connect(self._on_local_archive_failed)
        self.label_button.clicked.connect(self.choose_label)
        self.folder_button.clicked.connect(self.folderRequested)
        self.index_button.clicked.connect(self.choose_index)
        self.clear_index_button.clicked.connect(lambda: self.set_index_path(None))
        self.details_button.clicked.connect(self.show_details)
        self.preflight.finished.connect(self._on_preflight_finished)
        self.preflight.progressed.connect(self._on_preflight_progressed)
        self.start_button.clicked.connect(self.startRequested)

    # --- what the person (or the window) does -------------------------------------------------

    @Slot()
    def start_archives(self) -> None:
        """List the profiles and start the local archive (both on the archive thread)."""
        self.archives.list_archives()
        if self.selected_archive().is_local_archive and self.archives.start():
            self._show_archive_state()
        self.focus_first_step()

    def delivery_profile(self) -> Profile | None:
        """The profile to deliver to: the running local archive's, or the chosen file's."""
        choice = self.selected_archive()
        if choice.is_local_archive:
            handle = self.archives.handle
            return handle.profile if handle is not None else None
        return choice.profile

    @property
    def transfer_type(self) -> str:
        return "sample" if self.sample_checkbox.isChecked() else "staging"

    def set_delivering(self, is_delivering: bool) -> None:
        """While a delivery runs its inputs stay as they are and Start is off."""
        self.is_delivering = is_delivering
        for widget in (
            self.archive_combo,
            self.label_button,
            self.index_button,
            self.clear_index_button,
            self.folder_button,
            self.sample_checkbox,
        ):
            widget.setEnabled(not is_delivering)
        self._update_start()

    def _update_start(self) -> None:
        can_start = (
            not self.is_delivering
            and self.folder is not None
            and self.verdict is not None
            and self.verdict.is_accepted
            and self.delivery_profile() is not None
        )
        self.start_button.setEnabled(can_start)

    def selected_archive(self) -> ArchiveChoice:
        choice = self.archive_combo.currentData()
        assert isinstance(choice, ArchiveChoice)
        return choice

    @Slot()
    def choose_label(self) -> None:
        start = str(Path(self.label_path).parent) if self.label_path else self._start_dir()
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose the delivery label", start, _LABEL_FILTER
        )
        if path:
            self.set_label_path(path)

    @Slot()
    def choose_index(self) -> None:
        start = str(Path(self.index_path).parent) if self.index_path else self._start_dir()
        path, _ = QFileDialog.getOpenFileName(self, "Choose the index file", start, _INDEX_FILTER)
        if path:
            self.set_index_path(path)

    def set_label_path(self, path: str | None) -> None:
        self.label_path = path or None
        self.label_text.setText(Path(path).name if path else "No label chosen")
        self.label_text.setToolTip(path or "")
        self.run_preflight()

    def set_index_path(self, path: str | None) -> None:
        self.index_path = path or None
        self.index_text.setText(Path(path).name if path else BUILD_FROM_FOLDER_TEXT)
        self.index_text.setToolTip(path or "Without an index, it is built from the folder")
        self.clear_index_button.setVisible(bool(path))
        self.run_preflight()

    def set_folder(self, path: str | None) -> None:
        self.folder = path or None
        self.folder_text.setText(path or NO_FOLDER_TEXT)
        self.folder_text.setToolTip(path or "")
        self._update_start()
        self.run_preflight()

    @Slot()
    def run_preflight(self) -> None:
        """Check the delivery again on the pre-flight thread (nothing to check without a label)."""
        request = PreflightRequest(
            self.label_path, self.index_path, self.folder, self._bucket_stem()
        )
        self._last_request = request
        if request.label_path is None:
            self.preflight.cancel()
            self._show_verdict(PreflightVerdict(VerdictKind.NO_LABEL, NO_LABEL_TEXT))
            return
        self.preflight.request(request)
        self.verdict = None
        self._update_start()
        self.verdict_label.setText(CHECKING_TEXT)
        self.verdict_label.setStyleSheet("")
        self.details_button.hide()

    def focus_first_step(self) -> None:
        """Keyboard focus on the first step not done yet: the archive only if it cannot be
        used, else the label, the folder, then Start (or Details while it cannot start)."""
        choice = self.selected_archive()
        if not choice.is_local_archive and choice.profile is None:
            self.archive_combo.setFocus(Qt.FocusReason.OtherFocusReason)
        elif self.label_path is None:
            self.label_button.setFocus(Qt.FocusReason.OtherFocusReason)
        elif self.folder is None:
            self.folder_button.setFocus(Qt.FocusReason.OtherFocusReason)
        elif self.start_button.isEnabled() or not self.details_button.isVisible():
            self.start_button.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.details_button.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(str)
    def open_example(self, link: str = "") -> None:
        """The label step's link: the example label, opened by the desktop."""
        del link
        problem = open_example_label()
        if problem:
            self.noticeShown.emit(problem)

    @Slot()
    def show_details(self) -> None:
        if self.verdict is None:
            return
        if self.problems_dialog is not None:
            self.problems_dialog.close()
        self.problems_dialog = ProblemsDialog(
            self.verdict.headline, self.verdict.problems, self.verdict.hints, self
        )
        self.problems_dialog.show()

    def shutdown(self) -> None:
        """Stop the pre-flight and the local archive, joining their threads (safe twice)."""
        self.preflight.shutdown()
        self.sign_in_row.shutdown()
        self.archives.shutdown()
        if self.problems_dialog is not None:
            self.problems_dialog.close()

    # --- what the workers report --------------------------------------------------------------

    def select_profile_file(self, path: Path) -> None:
        """List the archives again and select the one of this profile file (just imported)."""
        self._wanted_profile_path = path
        self.archives.list_archives()

    @Slot(object)
    def _on_archives_listed(self, choices: list[ArchiveChoice]) -> None:
        selected = self._wanted_profile_path or self.selected_archive().profile_path
        self._wanted_profile_path = None
        fill_archive_combo(self.archive_combo, choices, selected)
        self._show_archive_state()

    @Slot(int)
    def _on_archive_selected(self, row: int) -> None:
        del row
        if self.selected_archive().is_local_archive:
            self.archives.start()  # again, after a failure; a no-op while running
        self._show_archive_state()

    @Slot(str)
    def _on_local_archive_failed(self, reason: str) -> None:
        self._local_failure = reason
        self._show_archive_state()

    @Slot(int, object)
    def _on_preflight_progressed(self, generation: int, text: str) -> None:
        if self.preflight.is_current(generation):
            self.verdict_label.setText(text)

    def _on_preflight_finished(self, generation: int, verdict: PreflightVerdict) -> None:
        if self.preflight.is_current(generation):
            self._show_verdict(verdict)

    # --- showing ------------------------------------------------------------------------------

    @Slot()
    def _show_archive_state(self) -> None:
        state, handle = self.archives.state, self.archives.handle
        show_local_archive_item(self.archive_combo, state, handle)
        current = self.archive_combo.currentIndex()
        self.archive_combo.setToolTip(
            str(self.archive_combo.itemData(current, Qt.ItemDataRole.ToolTipRole) or "")
        )
        choice = self.selected_archive()
        self.sign_in_row.set_profile(None if choice.is_local_archive else choice.profile)
        if not choice.is_local_archive:
            self.archive_status.setText(profile_status_text(choice))
        else:
            self.archive_status.setText(local_status_text(state, handle, self._local_failure))
        self.archive_status.setToolTip(self.archive_status.text())
        self.archive_status.setVisible(bool(self.archive_status.text()))  # no empty gap
        if self._last_request is not None and self._last_request.bucket_stem != self._bucket_stem():
            self.run_preflight()  # the bucket names can now be checked exactly (or no longer)
        self._update_start()

    def _show_verdict(self, verdict: PreflightVerdict) -> None:
        self.verdict = verdict
        self.verdict_label.setText(verdict.headline)
        self.verdict_label.setStyleSheet(verdict_style(verdict.kind, self.palette()))
        self.details_button.setVisible(bool(verdict.problems or verdict.hints))
        self._update_start()
        if self.problems_dialog is not None:
            self.problems_dialog.close()
            self.problems_dialog = None
        self.verdictShown.emit(verdict)

    def _bucket_stem(self) -> str | None:
        handle = self.archives.handle
        if self.selected_archive().is_local_archive and handle is not None:
            return handle.bucket_stem
        return None

    def _start_dir(self) -> str:
        return self.folder or QDir.homePath()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # A light or dark theme switched on the fly: the verdict's colour must follow it.
        if event.type() == QEvent.Type.PaletteChange and self.verdict is not None:
            self.verdict_label.setStyleSheet(verdict_style(self.verdict.kind, self.palette()))
