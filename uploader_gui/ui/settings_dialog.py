"""The Settings dialog: files sent at once, a bandwidth limit, the receipt folder, keeping the
computer awake, and notifications.

It shows `AppSettings` and says which apply when: concurrency and the bandwidth limit change a
running delivery at once, the receipt folder the next one. OK checks first (a receipt folder
that is a file, missing or not writable is refused, naming it, on the check's thread) and only
then emits `settingsChosen`; whoever opened the dialog saves and applies them.
"""

from __future__ import annotations

from PySide6.QtCore import QDir, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from uploader_gui.core.engine.session_tuning import MAX_CONCURRENCY
from uploader_gui.ui.app_settings import (
    MAX_BANDWIDTH_MIB_S,
    AppSettings,
    bandwidth_problem,
    concurrency_problem,
)
from uploader_gui.ui.receipt_folder_check import ReceiptFolderCheck

SETTINGS_TITLE = "Settings"
WHEN_TEXT = (
    "Files sent at once and the bandwidth limit change a running delivery at once. "
    "The receipt folder applies to the next delivery."
)
CHECKING_TEXT = "Checking the receipt folder…"
OFF_TEXT = "Off"


class SettingsDialog(QDialog):
    """Edits a copy of the settings; `settingsChosen(AppSettings)` once OK passed the checks."""

    settingsChosen = Signal(object)

    def __init__(
        self, values: AppSettings, *, default_receipts: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(SETTINGS_TITLE)
        self._check = ReceiptFolderCheck(self)
        self._check.checked.connect(self._on_checked)
        self._pending_check = 0
        self.concurrency_spin = QSpinBox()
        self.concurrency_spin.setRange(1, MAX_CONCURRENCY)
        self.concurrency_spin.setToolTip(
            f"How many files (or parts of big files) are sent at the same time, 1 to "
            f"{MAX_CONCURRENCY}"
        )
        self.concurrency_spin.setAccessibleName("Files sent at once")
        self.bandwidth_spin = QDoubleSpinBox()
        self.bandwidth_spin.setAccessibleName("Bandwidth limit")
        self.bandwidth_spin.setRange(0.0, MAX_BANDWIDTH_MIB_S)
        self.bandwidth_spin.setDecimals(1)
        self.bandwidth_spin.setSingleStep(0.5)
        self.bandwidth_spin.setSuffix(" MiB/s")
        self.bandwidth_spin.setSpecialValueText(OFF_TEXT)  # shown at 0: no limit
        self.bandwidth_spin.setToolTip("The most the delivery sends per second; Off: no limit")
        self.receipt_edit = QLineEdit()
        self.receipt_edit.setPlaceholderText(f"Default: {default_receipts}")
        self.receipt_edit.setAccessibleName("Receipt folder")
        self.receipt_edit.setToolTip("Where each delivery's receipt (JSON and CSV) is written")
        self.choose_button = QPushButton("&Choose…")
        self.reset_button = QPushButton("Reset to &default")
        self.keep_awake_check = QCheckBox("&Keep this computer awake while delivering")
        self.keep_awake_check.setToolTip(
            "While files are sent or the archive's verdicts are awaited the computer does not "
            "go to sleep; paused or finished, it may again"
        )
        self.notify_check = QCheckBox("&Notify me when a delivery ends or needs a sign-in")
        self.notify_check.setToolTip("Only while this window is not the one in front")
        self.when_label = QLabel(WHEN_TEXT)
        self.when_label.setWordWrap(True)
        self.error_label = QLabel()
        self.error_label.setAccessibleName("Settings problem")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("QLabel { color: palette(link); font-weight: bold; }")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self._build_layout()
        self.choose_button.clicked.connect(self.choose_receipt_folder)
        self.reset_button.clicked.connect(self.receipt_edit.clear)
        self.buttons.accepted.connect(self.try_accept)
        self.buttons.rejected.connect(self.reject)
        self.show_values(values)

    def _build_layout(self) -> None:
        receipts = QHBoxLayout()
        receipts.addWidget(self.receipt_edit, 1)
        receipts.addWidget(self.choose_button)
        receipts.addWidget(self.reset_button)
        form = QFormLayout()
        form.addRow("Files sent at &once:", self.concurrency_spin)
        form.addRow("&Bandwidth limit:", self.bandwidth_spin)
        receipt_caption = QLabel("&Receipt folder:")
        receipt_caption.setBuddy(self.receipt_edit)  # a row of three: the caption names the field
        form.addRow(receipt_caption, receipts)
        form.addRow(self.keep_awake_check)
        form.addRow(self.notify_check)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.when_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def show_values(self, values: AppSettings) -> None:
        self.concurrency_spin.setValue(values.concurrency)
        self.bandwidth_spin.setValue(values.bandwidth_limit_mib_s or 0.0)
        self.receipt_edit.setText(values.receipt_folder)
        self.keep_awake_check.setChecked(values.is_keep_awake_on)
        self.notify_check.setChecked(values.is_notify_on)

    def values(self) -> AppSettings:
        """What the dialog shows now."""
        bandwidth = self.bandwidth_spin.value()
        return AppSettings(
            concurrency=self.concurrency_spin.value(),
            bandwidth_limit_mib_s=bandwidth if bandwidth > 0 else None,
            receipt_folder=self.receipt_edit.text().strip(),
            is_keep_awake_on=self.keep_awake_check.isChecked(),
            is_notify_on=self.notify_check.isChecked(),
        )

    @Slot()
    def choose_receipt_folder(self) -> None:
        start = self.receipt_edit.text().strip() or QDir.homePath()
        folder = QFileDialog.getExistingDirectory(self, "Choose the receipt folder", start)
        if folder:
            self.receipt_edit.setText(QDir.toNativeSeparators(folder))

    @Slot()
    def try_accept(self) -> None:
        """OK: refuse what cannot work, with why; a receipt folder is looked at first."""
        values = self.values()
        problem = concurrency_problem(values.concurrency)
        problem = problem or bandwidth_problem(values.bandwidth_limit_mib_s)
        if problem:
            self.show_problem(problem)
            return
        if not values.receipt_folder:
            self._accept_values(values)
            return
        self.error_label.hide()
        self.ok_button.setEnabled(False)
        self.ok_button.setToolTip(CHECKING_TEXT)
        self._pending_check = self._check.check(values.receipt_folder)

    @Slot(int, str, str)
    def _on_checked(self, request_id: int, folder: str, problem: str) -> None:
        if request_id != self._pending_check:
            return  # a look at a folder the person has since changed or given up on
        self._pending_check = 0
        self.ok_button.setEnabled(True)
        self.ok_button.setToolTip("")
        values = self.values()
        if folder != values.receipt_folder:
            return  # changed while being looked at: OK again looks at the new one
        if problem:
            self.show_problem(problem)
            return
        self._accept_values(values)

    def show_problem(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    def _accept_values(self, values: AppSettings) -> None:
        self.error_label.hide()
        self.settingsChosen.emit(values)
        self.accept()

    def done(self, result: int) -> None:
        self._pending_check = 0
        self.ok_button.setEnabled(True)
        super().done(result)

    def shutdown(self) -> None:
        self._check.shutdown()
