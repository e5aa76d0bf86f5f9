"""Walking a real window's widgets and menus the way the keyboard and a screen reader see them:
mnemonics (the underlined letter of "&File"), buddies and accessible names."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from PySide6.QtGui import QAccessible, QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QWidget,
)

INTERACTIVE = (QAbstractButton, QComboBox, QLineEdit, QAbstractItemView, QPlainTextEdit)


def mnemonic(text: str) -> str | None:
    """The letter after a single "&" ("&&" is a literal ampersand), lower-cased."""
    index = 0
    while (index := text.find("&", index)) != -1:
        following = text[index + 1 : index + 2]
        if following != "&":
            return following.lower() or None
        index += 2
    return None


def visible(window: QWidget, kind: type[QWidget]) -> list[QWidget]:
    return [widget for widget in window.findChildren(kind) if widget.isVisibleTo(window)]


def window_mnemonics(window: QWidget) -> dict[str, list[str]]:
    """Each mnemonic letter of what is visible now → the texts using it: the menu bar's
    titles (of a main window), buttons and check boxes, and captions (labels with a buddy)."""
    users: dict[str, list[str]] = defaultdict(list)
    bar = window.menuBar() if isinstance(window, QMainWindow) else None
    texts = [action.text() for action in bar.actions()] if bar is not None else []
    texts += [button.text() for button in visible(window, QAbstractButton)]
    texts += [label.text() for label in visible(window, QLabel) if label.buddy() is not None]
    for text in texts:
        letter = mnemonic(text)
        if letter is not None:
            users[letter].append(text)
    return users


def clashes(users: dict[str, list[str]]) -> dict[str, list[str]]:
    return {letter: texts for letter, texts in users.items() if len(texts) > 1}


def buttons_without_a_key(window: QWidget) -> list[str]:
    """Visible buttons the keyboard cannot press at once: no mnemonic and no shortcut of
    their own (the filters use Ctrl+1…, the indexing Stop uses Esc)."""
    return [
        button.text() or button.toolTip()
        for button in visible(window, QAbstractButton)
        if isinstance(button, QAbstractButton)
        and button.text()  # icon-only buttons are Qt's own (a dock's close, a clear button)
        and mnemonic(button.text()) is None
        and button.shortcut().isEmpty()
        and not is_enter_or_escape(button)
    ]


def is_enter_or_escape(button: QAbstractButton) -> bool:
    """A dialog's OK or Cancel: Enter and Esc press them."""
    box = button.parent()
    while box is not None and not isinstance(box, QDialogButtonBox):
        box = box.parent()
    if not isinstance(box, QDialogButtonBox):
        return False
    role = box.buttonRole(button)
    return role in (QDialogButtonBox.ButtonRole.AcceptRole, QDialogButtonBox.ButtonRole.RejectRole)


def menu_clashes(menu: QMenu) -> dict[str, list[str]]:
    users: dict[str, list[str]] = defaultdict(list)
    for action in menu.actions():
        if not action.isSeparator():
            users[mnemonic(action.text()) or ""].append(action.text())
    return {letter: texts for letter, texts in users.items() if len(texts) > 1 or not letter}


def accessible_name(widget: QWidget) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name) if interface is not None else ""


def unnamed_controls(widgets: Iterable[QWidget]) -> list[str]:
    return [
        f"{type(widget).__name__} {widget.toolTip()!r}"
        for widget in widgets
        if isinstance(widget, INTERACTIVE)
        and not isinstance(widget, QHeaderView)  # its sections are the table's to name
        and not isinstance(widget.parent(), QAbstractSpinBox)  # its text field: the box has one
        and not accessible_name(widget).strip()
    ]


def menu_of(window: QMainWindow, title: str) -> QMenu:
    (menu,) = [a.menu() for a in window.menuBar().actions() if a.text() == title]
    assert isinstance(menu, QMenu)
    return menu


def action_texts(menu: QMenu) -> list[str]:
    return [action.text() for action in menu.actions() if not action.isSeparator()]


def find_action(menu: QMenu, text: str) -> QAction:
    (action,) = [a for a in menu.actions() if a.text() == text]
    return action
