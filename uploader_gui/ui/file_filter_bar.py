"""The strip above the file table: one button per state group with its live count, and a path
search.

Counts come from `FileTableModel.state_counts()` (kept up to date by the model, not counted
here), refreshed once per pass of the event loop however many change signals a drain emits.
Typing in the search box filters after a short pause, so a million rows are not filtered once
per keystroke.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

from uploader_gui.core.state_groups import (
    GROUP_TIPS,
    StateGroup,
    group_button_text,
    group_counts,
)
from uploader_gui.ui.file_filter import FileFilterProxy
from uploader_gui.ui.file_table_model import FileTableModel

SEARCH_DEBOUNCE_MS = 150
SEARCH_PLACEHOLDER = "Search paths"


class FileFilterBar(QWidget):
    """Group buttons and a search box that drive a `FileFilterProxy` (GUI thread only)."""

    def __init__(
        self, model: FileTableModel, proxy: FileFilterProxy, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._model, self._proxy = model, proxy
        self.buttons: dict[StateGroup, QPushButton] = {}
        self._group_buttons = QButtonGroup(self)
        self._group_buttons.setExclusive(True)
        # Said in words, or an empty table after a click looks like lost files.
        self.no_match_label = QLabel()
        self.no_match_label.setAccessibleName("No files match the filter")
        self.no_match_label.setWordWrap(True)  # a long search word must not widen the window
        self.no_match_label.hide()
        self.search_box = QLineEdit()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._build_buttons(layout)
        layout.addStretch(1)
        layout.addWidget(self.no_match_label)
        self._build_search(layout)
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(0)
        self._counts_timer.timeout.connect(self.refresh_counts)
        for signal in (
            model.rowsInserted,
            model.rowsRemoved,
            model.modelReset,
            model.dataChanged,
            model.layoutChanged,
            proxy.rowsInserted,
            proxy.rowsRemoved,
            proxy.modelReset,
            proxy.layoutChanged,
        ):
            signal.connect(self._schedule_counts)
        self.refresh_counts()

    def _build_buttons(self, layout: QHBoxLayout) -> None:
        for number, group in enumerate(StateGroup, start=1):
            button = QPushButton()
            button.setCheckable(True)
            button.setFlat(True)
            # Ctrl+1… rather than mnemonics: the window has no letters left for five filters.
            button.setProperty("key", f"Ctrl+{number}")
            button.setToolTip(f"{GROUP_TIPS[group]} (Ctrl+{number})")
            button.setProperty("state_group", group.name)
            self._group_buttons.addButton(button)
            self.buttons[group] = button
            layout.addWidget(button)
        self.buttons[StateGroup.ALL].setChecked(True)
        self._group_buttons.buttonClicked.connect(self._on_group_clicked)

    def _build_search(self, layout: QHBoxLayout) -> None:
        self.search_box.setPlaceholderText(SEARCH_PLACEHOLDER)
        self.search_box.setAccessibleName("Search file paths")
        self.search_box.setToolTip(
            "Show only files whose path contains this text, in any case (Ctrl+F)"
        )
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMinimumWidth(140)  # more when there is room (its size hint)
        layout.addWidget(self.search_box)
        self.find_action = QAction("&Search paths", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.find_action.triggered.connect(self.focus_search)
        self.addAction(self.find_action)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search_box.textChanged.connect(self._on_search_edited)

    def _on_search_edited(self, _text: str) -> None:
        self._search_timer.start()

    def _schedule_counts(self, *_args: object) -> None:
        self._counts_timer.start()

    @Slot()
    def refresh_counts(self) -> None:
        counts = group_counts(self._model.state_counts())
        for group, button in self.buttons.items():
            text = group_button_text(group, counts[group])
            button.setText(text)
            button.setShortcut(QKeySequence(str(button.property("key"))))  # setText reset it
            button.setAccessibleName(f"Show {text}")
        self._show_no_match()

    def _show_no_match(self) -> None:
        if self._proxy.rowCount() or not self._model.rowCount():
            self.no_match_label.hide()
            return
        group, key = self._proxy.group, self.search_box.text().strip()
        where = "" if group is StateGroup.ALL else f" in {group.value}"
        what = f"No files match “{key}”{where}" if key else f"No files{where}"
        self.no_match_label.setText(what)
        self.no_match_label.show()

    @Slot()
    def focus_search(self) -> None:
        """Ctrl+F: type to search the paths."""
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def _on_group_clicked(self, button: QPushButton) -> None:
        self.show_group(StateGroup[str(button.property("state_group"))])

    def show_group(self, group: StateGroup) -> None:
        """Show only the rows of `group` (what clicking its button does)."""
        self.buttons[group].setChecked(True)
        self._proxy.set_group(group)
        self._show_no_match()

    @Slot()
    def apply_search(self) -> None:
        """Filter by the search box's text now (the debounce timer's end)."""
        self._search_timer.stop()
        self._proxy.set_search(self.search_box.text())
        self._show_no_match()
