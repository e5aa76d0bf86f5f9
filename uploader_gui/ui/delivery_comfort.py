"""What makes a long delivery bearable away from the window: notifications, the progress in the
title and on the taskbar or dock icon, keeping the computer awake, and the Settings that govern
them (and the transfer's concurrency, bandwidth limit and receipt folder).

`DeliveryComfort` listens to the bridge's session signals and the controller, and holds the
ports (`Notifier`, `KeepAwake`, `SettingsStore`, `LauncherEntry`) a test may replace through
`ComfortPorts`. Settings are read when Start is pressed (the controller's `tuning`); concurrency
and the bandwidth limit chosen while a delivery runs go to it at once through its
`SessionCommands`. The window adds `settings_action` to its menu and calls `shutdown` as it
closes.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

from uploader_gui.app_dirs import app_dirs
from uploader_gui.core.engine.session_tuning import SessionTuning
from uploader_gui.core.events import SessionStateChanged
from uploader_gui.ui.app_settings import AppSettings, SettingsStore
from uploader_gui.ui.awake_guard import AwakeIndicator, KeepAwakeGuard, is_awake_wanted
from uploader_gui.ui.delivery_notices import DeliveryNotices, TitleProgress
from uploader_gui.ui.delivery_view import DeliveryView
from uploader_gui.ui.engine_bridge import EngineBridge
from uploader_gui.ui.keep_awake import KeepAwake, WakepyKeepAwake
from uploader_gui.ui.notifier import Notifier, TrayNotifier
from uploader_gui.ui.settings_dialog import SettingsDialog
from uploader_gui.ui.taskbar_progress import LauncherEntry, TaskbarProgress, default_launcher_entry

NOT_SAVED_TITLE = "Settings not saved"
SETTINGS_SHORTCUT = "Ctrl+,"  # Cmd+, on macOS; Qt has no standard key for it on Windows


@dataclass(frozen=True)
class ComfortPorts:
    """The outside world's doors; None: the real one (the tray, wakepy, the app's INI file,
    the desktop's launcher entry)."""

    notifier: Notifier | None = None
    keep_awake: KeepAwake | None = None
    settings: SettingsStore | None = None
    launcher: LauncherEntry | None = None


class DeliveryComfort(QObject):
    """Notifications, title progress, keep-awake and Settings for one window."""

    def __init__(
        self,
        window: QMainWindow,
        delivery: DeliveryView,
        bridge: EngineBridge,
        *,
        ports: ComfortPorts | None = None,
    ) -> None:
        super().__init__(window)
        ports = ports or ComfortPorts()
        self._window, self._delivery = window, delivery
        self._controller = delivery.controller
        self.store = ports.settings or SettingsStore()
        self.settings = self.store.load()
        tooltip = QApplication.applicationDisplayName()
        self.notifier: Notifier = ports.notifier or TrayNotifier(window, tooltip=tooltip)
        self.notices = DeliveryNotices(
            window,
            self.notifier,
            is_enabled=lambda: self.settings.is_notify_on,
            is_closing=lambda: delivery.is_closing,
        )
        self.title_progress = TitleProgress(window)
        self.taskbar = TaskbarProgress(window, ports.launcher or default_launcher_entry())
        self.keep_awake = KeepAwakeGuard(ports.keep_awake or WakepyKeepAwake(), self)
        self.awake_indicator = AwakeIndicator()
        window.statusBar().addPermanentWidget(self.awake_indicator)
        self.settings_dialog: SettingsDialog | None = None
        self.boxes: list[QMessageBox] = []
        self.settings_action = QAction("&Settings…", window)
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.setShortcut(QKeySequence(SETTINGS_SHORTCUT))
        self.settings_action.setToolTip("Concurrency, bandwidth limit, receipt folder and more")
        self._session_state = ""
        self._controller.tuning = self.tuning
        self._connect(bridge)

    def _connect(self, bridge: EngineBridge) -> None:
        self.settings_action.triggered.connect(self.open_settings)
        self.keep_awake.statusChanged.connect(self.awake_indicator.show_status)
        bridge.sessionStateChanged.connect(self._on_state)
        bridge.sessionEnded.connect(self.notices.on_ended)
        bridge.questionAsked.connect(self.notices.on_question)
        bridge.transferProgressed.connect(self.title_progress.show_progress)
        bridge.transferProgressed.connect(self.taskbar.show_progress)
        bridge.sessionStateChanged.connect(self.taskbar.on_state)
        bridge.sessionEnded.connect(self.taskbar.on_ended)
        bridge.questionAsked.connect(self.taskbar.on_question)
        self._controller.runningChanged.connect(self._on_running_changed)

    def tuning(self) -> SessionTuning:
        """What the session started now takes from Settings."""
        return self.settings.tuning()

    # --- Settings ---------------------------------------------------------------------------

    @Slot()
    def open_settings(self) -> None:
        """The Settings dialog (window-modal, not blocking: a delivery goes on meanwhile)."""
        if self.settings_dialog is not None and self.settings_dialog.isVisible():
            self.settings_dialog.raise_()
            self.settings_dialog.activateWindow()
            return
        self._close_dialog()
        default_receipts = str(app_dirs().receipts_dir)
        dialog = SettingsDialog(
            self.settings, default_receipts=default_receipts, parent=self._window
        )
        dialog.settingsChosen.connect(self.apply_settings)
        self.settings_dialog = dialog
        dialog.open()

    @Slot(object)
    def apply_settings(self, values: AppSettings) -> None:
        """Keep `values`, save them, and give a running delivery what it can take now."""
        previous, self.settings = self.settings, values
        if not self.store.save(values):
            text = (
                f"The settings could not be written to “{self.store.path}”: they apply until "
                "this window closes. Check that the folder can be written to."
            )
            box = QMessageBox(QMessageBox.Icon.Warning, NOT_SAVED_TITLE, text, parent=self._window)
            box.open()
            self.boxes = [b for b in self.boxes if b.isVisible()] + [box]
        commands = self._controller.commands
        if commands is not None:
            if values.concurrency != previous.concurrency:
                commands.set_concurrency(values.concurrency)
            if values.bandwidth_limit_mib_s != previous.bandwidth_limit_mib_s:
                commands.set_bandwidth_limit(values.bandwidth_limit_bytes_per_s)
        self._update_keep_awake()

    # --- the session ------------------------------------------------------------------------

    @Slot(object)
    def _on_state(self, event: SessionStateChanged) -> None:
        self._session_state = event.state
        self._update_keep_awake()

    @Slot(bool)
    def _on_running_changed(self, is_running: bool) -> None:
        self.notifier.set_delivering(is_running)
        if is_running:
            self.title_progress.begin()
            self.taskbar.begin()
        else:
            self.title_progress.end()
            self.taskbar.end()
            self._session_state = ""
        self._update_keep_awake()

    def _update_keep_awake(self) -> None:
        self.keep_awake.set_wanted(
            self.settings.is_keep_awake_on
            and self._controller.is_running
            and is_awake_wanted(self._session_state)
        )

    # --- closing ----------------------------------------------------------------------------

    def _close_dialog(self) -> None:
        if self.settings_dialog is not None:
            self.settings_dialog.shutdown()
            self.settings_dialog.close()
            self.settings_dialog.deleteLater()
            self.settings_dialog = None

    def shutdown(self) -> None:
        """The window is going: let the computer sleep, take the tray icon away."""
        self._close_dialog()
        for box in self.boxes:
            box.close()
        self.keep_awake.close()
        self.notifier.close()
        self.taskbar.close()
