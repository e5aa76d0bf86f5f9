"""The delivery panel at the top of the window: which archive, which label and index, and whether
the archive would accept the delivery (pre-flight), before anything is sent.

The panel only decides and displays: the archive list and the local archive live on
`ArchiveRunner`'s thread, the pre-flight on `PreflightRunner`'s, and their results come back as
queued signals. Every change of label, index, folder or archive bucket stem re-runs pre-flight;
a result for anything but the newest request is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QDir, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QWidget,
)

from uploader_gui.archive_service import (
    LOCAL_ARCHIVE_NAME,
    LOCAL_PROFILE_STEM,
    ArchiveChoice,
    LocalArchiveHandle,
    LocalArchiveStarter,
    list_archives,
)
from uploader_gui.core.delivery.profile import Profile
from uploader_gui.ui.archive_runner import ArchiveRunner, LocalArchiveState
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
LOCAL_ARCHIVE_TOOLTIP = (
    "The built-in local archive runs on this computer while the window is open; nothing leaves "
    "it. Its profile is written to {where}, so `uploader-gui` commands can use the same archive "
    f"while the window is open (--profile {LOCAL_PROFILE_STEM})."
)
_LABEL_FILTER = "Delivery labels (*.yaml *.yml);;All files (*)"
_INDEX_FILTER = "Index files (*.csv);;All files (*)"
_VERDICT_COLOURS = {
    VerdictKind.ACCEPTED: "#1b7f3b",
    VerdictKind.REFUSED: "#b3261e",
    VerdictKind.FAILED: "#b3261e",
}


def local_archive_item_text(state: LocalArchiveState, handle: LocalArchiveHandle | None) -> str:
    """`Local archive — running at 127.0.0.1:PORT`, `— starting…`, `— could not start`."""
    if state is LocalArchiveState.RUNNING and handle is not None:
        return f"Local archive — running at {handle.host_port}"
    if state is LocalArchiveState.STARTING:
        return "Local archive — starting…"
    if state is LocalArchiveState.FAILED:
        return "Local archive — could not start"
    return "Local archive — not running"


def profile_status_text(choice: ArchiveChoice) -> str:
    if choice.profile is None:
        return f"This profile cannot be used: {choice.problem}"
    where = choice.profile.endpoint_url or f"AWS, region {choice.profile.region}"
    return f"Profile “{choice.profile.name}” · {where} · {choice.profile_path}"


class DeliveryPanel(QGroupBox):
    """Archive selector, label and index pickers, the pre-flight line and the Start button."""

    verdictShown = Signal(object)  # PreflightVerdict, each time one replaces the line
    startRequested = Signal()  # Start was clicked (only ever enabled when it can start)

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
        self.archive_combo = QComboBox()
        self.archive_combo.setAccessibleName("Archive")
        self.archive_combo.addItem("", ArchiveChoice(LOCAL_ARCHIVE_NAME))
        self.archive_status = QLabel()
        self.archive_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label_text = QLabel("No label chosen")
        self.label_button = QPushButton("Choose &label…")
        self.label_button.setToolTip("Choose the delivery's label (a .yaml file)")
        self.index_text = QLabel(BUILD_FROM_FOLDER_TEXT)
        self.index_button = QPushButton("Choose &index…")
        self.index_button.setToolTip(
            "Optional: the index CSV listing the files to deliver; without one, the index is "
            "built from the folder"
        )
        self.clear_index_button = QPushButton("&Build from folder")
        self.clear_index_button.setToolTip("Forget the chosen index and build it from the folder")
        self.clear_index_button.hide()
        self.verdict_label = QLabel()
        self.verdict_label.setAccessibleName("Pre-flight check")
        self.verdict_label.setWordWrap(True)
        self.details_button = QPushButton("&Details")
        self.details_button.setToolTip("List each problem with its file, line, key and fix")
        self.details_button.hide()
        self.start_button = QPushButton("S&tart")
        self.start_button.setEnabled(False)
        self.start_button.setToolTip(START_TOOLTIP)
        self.sample_checkbox = QCheckBox("Sa&mple delivery")
        self.sample_checkbox.setToolTip(
            "A sample to try the archive's checks, not the full delivery (staging)"
        )
        grid = QGridLayout(self)
        rows: list[tuple[str, list[QWidget]]] = [
            ("Archive:", [self.archive_combo, self.archive_status]),
            ("", [self.sign_in_row]),
            ("Label:", [self.label_text, self.label_button]),
            ("Index:", [self.index_text, self.index_button, self.clear_index_button]),
            (
                "Pre-flight:",
                [self.verdict_label, self.details_button, self.sample_checkbox, self.start_button],
            ),
        ]
        for row, (caption, widgets) in enumerate(rows):
            grid.addWidget(QLabel(caption), row, 0)
            for column, widget in enumerate(widgets, start=1):
                grid.addWidget(widget, row, column)
        grid.setColumnStretch(1, 1)

    def _connect(self) -> None:
        self.archive_combo.currentIndexChanged.connect(self._on_archive_selected)
        self.archives.archivesListed.connect(self._on_archives_listed)
        self.archives.localArchiveStarted.connect(self._show_archive_state)
        self.archives.localArchiveFailed.connect(self._on_local_archive_failed)
        self.label_button.clicked.connect(self.choose_label)
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
        self.archive_combo.blockSignals(True)
        try:
            self.archive_combo.clear()
            for choice in choices:
                text = choice.name if choice.is_usable else f"{choice.name} (cannot be used)"
                self.archive_combo.addItem(text, choice)
                tip = choice.problem or str(choice.profile_path or "")
                self.archive_combo.setItemData(
                    self.archive_combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole
                )
            paths = [choice.profile_path for choice in choices]
            self.archive_combo.setCurrentIndex(paths.index(selected) if selected in paths else 0)
        finally:
            self.archive_combo.blockSignals(False)
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
        where = (
            str(handle.profile_path) if handle and handle.profile_path else "the profiles folder"
        )
        for row in range(self.archive_combo.count()):
            choice = self.archive_combo.itemData(row)
            if isinstance(choice, ArchiveChoice) and choice.is_local_archive:
                self.archive_combo.setItemText(row, local_archive_item_text(state, handle))
                tip = LOCAL_ARCHIVE_TOOLTIP.format(where=where)
                self.archive_combo.setItemData(row, tip, Qt.ItemDataRole.ToolTipRole)
        current = self.archive_combo.currentIndex()
        self.archive_combo.setToolTip(
            str(self.archive_combo.itemData(current, Qt.ItemDataRole.ToolTipRole) or "")
        )
        choice = self.selected_archive()
        self.sign_in_row.set_profile(None if choice.is_local_archive else choice.profile)
        if not choice.is_local_archive:
            self.archive_status.setText(profile_status_text(choice))
        else:
            self.archive_status.setText(self._local_status_text(state, handle))
        self.archive_status.setToolTip(self.archive_status.text())
        if self._last_request is not None and self._last_request.bucket_stem != self._bucket_stem():
            self.run_preflight()  # the bucket names can now be checked exactly (or no longer)
        self._update_start()

    def _local_status_text(
        self, state: LocalArchiveState, handle: LocalArchiveHandle | None
    ) -> str:
        if state is LocalArchiveState.FAILED:
            return (
                f"The local archive could not start: {self._local_failure}. "
                "Choose it again to retry."
            )
        if state is LocalArchiveState.STARTING:
            return "Starting the local archive on this computer…"
        if handle is None:
            return ""
        if handle.profile_write_error:
            return (
                f"Its profile could not be written ({handle.profile_write_error}); "
                "only this window can use it."
            )
        return f"Commands can use it too: --profile {LOCAL_PROFILE_STEM}"

    def _show_verdict(self, verdict: PreflightVerdict) -> None:
        self.verdict = verdict
        self.verdict_label.setText(verdict.headline)
        colour = _VERDICT_COLOURS.get(verdict.kind)
        self.verdict_label.setStyleSheet(f"QLabel {{ color: {colour}; }}" if colour else "")
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
