"""File ▸ Reset local archive…: empty the built-in local archive, after a confirmation.

For a partner rehearsing a delivery again from scratch, or a demo: the archive (its process,
whoever uses it) stops, its data folder is emptied and it starts again empty. Not while a
delivery runs (the action is disabled then, and says why if triggered anyway); the work runs on
the `ArchiveRunner`'s thread, and the status line says what was done.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMessageBox

from uploader_gui.ui.delivery_dialogs import choice_box
from uploader_gui.ui.delivery_panel import DeliveryPanel
from uploader_gui.ui.delivery_view import DeliveryView
from uploader_gui.ui.status_area import StatusArea
from uploader_gui.ui.window_menus import WindowMenus

RESET_TEXT = "&Reset local archive…"
RESET_TOOLTIP = "Stop the local archive, delete everything delivered to it and start it empty"
RESET_TITLE = "Reset the local archive?"
RESET_QUESTION = (
    "The local archive on this computer stops and everything delivered to it is deleted: its "
    "buckets, files and logs. Other windows and `uploader-gui` commands using it lose it too. "
    "It starts again empty."
)
RESET_CHOICE, KEEP_CHOICE = "Reset", "Keep it"
BUSY_TEXT = "A delivery is running: stop it before resetting the local archive."
RESETTING_TEXT = "Resetting the local archive…"
FAILED_TEXT = "The local archive could not be emptied: {reason}"


class ResetWindow(Protocol):
    """The parts of the main window the reset uses."""

    delivery_panel: DeliveryPanel
    delivery: DeliveryView
    status_area: StatusArea
    menus: WindowMenus


class ArchiveReset(QObject):
    """The action in the File menu and the confirmation it asks for."""

    def __init__(self, window: ResetWindow) -> None:
        assert isinstance(window, QMainWindow)
        super().__init__(window)
        self._window = window
        self._runner = window.delivery_panel.archives
        self._delivery = window.delivery
        self._status = window.status_area
        self.box: QMessageBox | None = None  # the open confirmation (tests click it)
        self.action = QAction(RESET_TEXT, self)
        self.action.setToolTip(RESET_TOOLTIP)
        self.action.triggered.connect(self.ask)
        window.menus.add_file_actions([self.action])
        window.menus.file_menu.aboutToShow.connect(self.sync)
        self._delivery.controller.runningChanged.connect(self.sync)
        self._runner.localArchiveReset.connect(self._status.show_message)
        self._runner.localArchiveResetFailed.connect(self._on_failed)
        self.sync()

    @Slot()
    def sync(self) -> None:
        self.action.setEnabled(self._runner.can_start and not self._delivery.is_running)

    @Slot()
    def ask(self) -> None:
        if self._delivery.is_running:  # a shortcut may fire between a start and its sync
            self._status.show_message(BUSY_TEXT)
            return
        parent = self._window
        assert isinstance(parent, QMainWindow)
        choices = (RESET_CHOICE, KEEP_CHOICE)
        self.box = choice_box(parent, RESET_TITLE, RESET_QUESTION, choices, KEEP_CHOICE, self._on)

    def _on(self, choice: str) -> None:
        self.box = None
        if choice != RESET_CHOICE:
            return
        if self._delivery.is_running:  # started while the question was open
            self._status.show_message(BUSY_TEXT)
        elif self._runner.reset():
            self._status.show_waiting(RESETTING_TEXT)

    @Slot(str)
    def _on_failed(self, reason: str) -> None:
        self._status.show_message(FAILED_TEXT.format(reason=reason), detail=reason)
