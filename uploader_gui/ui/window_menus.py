"""The main window's menu bar: File, Delivery, View and Help, built from actions the window and
its parts expose, so every command is in a menu with its standard shortcut and a mnemonic.

The Delivery menu's actions are the run buttons' own commands: each mirrors one button (the
panel's Start, the strip's Pause/Resume, Stop and Cancel), is enabled exactly while that button
is, takes the button's words when its menu opens, and clicks the button, so a menu can never
do what the button would refuse. Other parts add their actions through `add_file_actions`
(e.g. Preferences…) and `add_delivery_actions` (e.g. History…), which keep each menu's order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractButton, QMainWindow, QMenu

from uploader_gui.ui.delivery_panel import DeliveryPanel
from uploader_gui.ui.delivery_view import DeliveryView
from uploader_gui.ui.file_details_pane import FileDetailsView
from uploader_gui.ui.file_filter_bar import FileFilterBar
from uploader_gui.ui.transfer_bar import TransferBar

QUIT_TEXT = "&Quit"


class ButtonAction(QAction):
    """A menu action that is one button's command: enabled as the button is, clicks it."""

    def __init__(self, button: QAbstractButton, parent: QObject, *, text: str = "") -> None:
        super().__init__(text or button.text(), parent)
        self.button = button
        self._fixed_text = bool(text)
        self.setToolTip(button.toolTip())
        self.triggered.connect(self._click)
        button.installEventFilter(self)
        self.sync()

    @Slot()
    def sync(self) -> None:
        """Take the button's state (and words, e.g. Pause or Resume) now."""
        self.setEnabled(self.button.isEnabled())
        if not self._fixed_text:
            self.setText(self.button.text())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.button and event.type() == QEvent.Type.EnabledChange:
            self.sync()
        return False

    @Slot()
    def _click(self) -> None:
        if self.button.isEnabled():  # a shortcut may fire between a change and its sync
            self.button.click()


@dataclass(frozen=True)
class MenuCommands:
    """What the window offers its menus (each part keeps its own behaviour)."""

    choose_folder: Callable[[], None]
    label_button: QAbstractButton
    index_button: QAbstractButton
    start_button: QAbstractButton
    pause_button: QAbstractButton
    stop_button: QAbstractButton
    cancel_button: QAbstractButton
    view_menu: QMenu  # File details' toggle is already in it
    view_actions: tuple[QAction, ...]  # e.g. Search paths (Ctrl+F)
    save_support_bundle: Callable[[], None]
    show_about: Callable[[], None]


class MenuWindow(Protocol):
    """The parts of the main window its menus take their commands from."""

    delivery_panel: DeliveryPanel
    transfer_bar: TransferBar
    details: FileDetailsView
    filter_bar: FileFilterBar
    delivery: DeliveryView

    def choose_folder(self) -> None: ...

    def show_about(self) -> None: ...


def window_commands(window: MenuWindow) -> MenuCommands:
    """The commands of the main window's parts, for its menus."""
    panel, bar = window.delivery_panel, window.transfer_bar
    return MenuCommands(
        window.choose_folder,
        panel.label_button,
        panel.index_button,
        panel.start_button,
        bar.pause_button,
        bar.stop_button,
        bar.cancel_button,
        window.details.view_menu,
        (window.filter_bar.find_action,),
        window.delivery.save_support_bundle,
        window.show_about,
    )


class WindowMenus(QObject):
    """Builds the window's menu bar once; keeps the actions tests and other parts use."""

    def __init__(self, window: QMainWindow, commands: MenuCommands) -> None:
        super().__init__(window)
        bar = window.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.open_action = self._add(self.file_menu, "Choose &folder…", commands.choose_folder)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.label_action = ButtonAction(commands.label_button, self, text="Choose &label…")
        self.index_action = ButtonAction(commands.index_button, self, text="Choose &index…")
        self.file_menu.addActions([self.label_action, self.index_action])
        self._file_end = self.file_menu.addSeparator()  # Preferences… and the like go above
        self.quit_action = self._add(self.file_menu, QUIT_TEXT, window.close)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.delivery_menu = bar.addMenu("&Delivery")
        self.start_action = ButtonAction(commands.start_button, self, text="&Start")
        self.pause_action = ButtonAction(commands.pause_button, self)
        self.stop_action = ButtonAction(commands.stop_button, self, text="St&op")
        self.cancel_action = ButtonAction(commands.cancel_button, self, text="&Cancel…")
        self.run_actions = (self.start_action, self.pause_action, self.stop_action)
        self.delivery_menu.addActions([*self.run_actions, self.cancel_action])
        self._delivery_end = self.delivery_menu.addSeparator()  # History… and the like below
        self.delivery_menu.aboutToShow.connect(self.sync_delivery_actions)
        self.view_menu = commands.view_menu
        bar.addMenu(self.view_menu)
        for action in self.view_menu.actions():
            if action.text() == "File details":
                action.setText("&File details")
        self.view_menu.addSeparator()
        self.view_menu.addActions(list(commands.view_actions))
        self.help_menu = bar.addMenu("&Help")
        self.bundle_action = self._add(
            self.help_menu, "Save support &bundle…", commands.save_support_bundle
        )
        self.bundle_action.setToolTip("Save a zip of the logs and versions for the help desk")
        self.about_action = self._add(self.help_menu, "&About FAST Uploader", commands.show_about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        window.addActions([self.open_action, self.quit_action])  # work with the bar hidden

    def menus(self) -> tuple[QMenu, ...]:
        return (self.file_menu, self.delivery_menu, self.view_menu, self.help_menu)

    def add_file_actions(self, actions: Iterable[QAction]) -> None:
        """Another part's File actions (e.g. Preferences…), above Quit."""
        for action in actions:
            self.file_menu.insertAction(self._file_end, action)

    def add_delivery_actions(self, actions: Iterable[QAction]) -> None:
        """Another part's Delivery actions (e.g. History…), below the run's commands."""
        self.delivery_menu.addActions(list(actions))

    @Slot()
    def sync_delivery_actions(self) -> None:
        for action in (*self.run_actions, self.cancel_action):
            action.sync()

    def _add(self, menu: QMenu, text: str, slot: Callable[[], object]) -> QAction:
        action = menu.addAction(text)
        action.triggered.connect(lambda _checked=False: slot())
        return action
