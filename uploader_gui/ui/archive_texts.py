"""What the delivery panel says about the chosen archive: the combo's item, its tooltip, and
the status line under it; and filling the combo with them.

The combo leads with what the archive is ("Local archive (on this computer)"), not with a port
number a newcomer cannot place; the address goes to the status line and the tooltip. Plain
functions over the archive's state, so the panel stays about deciding.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from uploader_gui.archive_service import (
    LOCAL_ARCHIVE_NAME,
    LOCAL_PROFILE_STEM,
    ArchiveChoice,
    LocalArchiveHandle,
)
from uploader_gui.ui.archive_runner import LocalArchiveState

_STEM = LOCAL_PROFILE_STEM
LOCAL_ARCHIVE_TEXT = "Local archive (on this computer)"
LOCAL_ARCHIVE_TOOLTIP = (
    "The built-in local archive runs on this computer while the window is open; nothing leaves "
    "it. Its profile is written to {where}, so `uploader-gui` commands can use the same archive "
    f"while the window is open (--profile {LOCAL_PROFILE_STEM})."
)


def local_archive_item_text(state: LocalArchiveState, handle: LocalArchiveHandle | None) -> str:
    """`Local archive (on this computer)`, then `— starting…`, `— could not start` or
    `— not running` while it is not running."""
    if state is LocalArchiveState.RUNNING and handle is not None:
        return LOCAL_ARCHIVE_TEXT
    if state is LocalArchiveState.STARTING:
        return f"{LOCAL_ARCHIVE_TEXT} — starting…"
    if state is LocalArchiveState.FAILED:
        return f"{LOCAL_ARCHIVE_TEXT} — could not start"
    return f"{LOCAL_ARCHIVE_TEXT} — not running"


def local_archive_tooltip(handle: LocalArchiveHandle | None) -> str:
    where = str(handle.profile_path) if handle and handle.profile_path else "the profiles folder"
    tip = LOCAL_ARCHIVE_TOOLTIP.format(where=where)
    if handle is not None:
        tip = f"Running at {handle.host_port}. {tip}"
    return tip


def local_status_text(
    state: LocalArchiveState, handle: LocalArchiveHandle | None, failure: str
) -> str:
    """The line under the combo for the local archive: where it runs, or why it does not."""
    if state is LocalArchiveState.FAILED:
        return f"The local archive could not start: {failure}. Choose it again to retry."
    if state is LocalArchiveState.STARTING:
        return "Starting the local archive on this computer…"
    if handle is None:
        return ""
    if handle.profile_write_error:
        return (
            f"Running at {handle.host_port}. Its profile could not be written "
            f"({handle.profile_write_error}); only this window can use it."
        )
    return f"Running at {handle.host_port} · commands can use it too: --profile {_STEM}"


def profile_status_text(choice: ArchiveChoice) -> str:
    if choice.profile is None:
        return f"This profile cannot be used: {choice.problem}"
    where = choice.profile.endpoint_url or f"AWS, region {choice.profile.region}"
    return f"Profile “{choice.profile.name}” · {where} · {choice.profile_path}"


def archive_combo() -> QComboBox:
    """The archive chooser, holding the local archive until the profiles are listed."""
    combo = QComboBox()
    combo.setAccessibleName("Archive")
    # As wide as the window allows, not as its longest item: that would set a minimum.
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(24)
    combo.addItem("", ArchiveChoice(LOCAL_ARCHIVE_NAME))
    return combo


def fill_archive_combo(
    combo: QComboBox, choices: Sequence[ArchiveChoice], selected: Path | None
) -> None:
    """List `choices` (each with its problem or profile path as tooltip), keeping `selected`
    chosen if it is still there, without a selection signal per row."""
    combo.blockSignals(True)
    try:
        combo.clear()
        for choice in choices:
            text = choice.name if choice.is_usable else f"{choice.name} (cannot be used)"
            combo.addItem(text, choice)
            tip = choice.problem or str(choice.profile_path or "")
            combo.setItemData(combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        paths = [choice.profile_path for choice in choices]
        combo.setCurrentIndex(paths.index(selected) if selected in paths else 0)
    finally:
        combo.blockSignals(False)


def show_local_archive_item(
    combo: QComboBox, state: LocalArchiveState, handle: LocalArchiveHandle | None
) -> None:
    """The local archive's row: its words for `state`, and its address in the tooltip."""
    for row in range(combo.count()):
        choice = combo.itemData(row)
        if isinstance(choice, ArchiveChoice) and choice.is_local_archive:
            combo.setItemText(row, local_archive_item_text(state, handle))
            combo.setItemData(row, local_archive_tooltip(handle), Qt.ItemDataRole.ToolTipRole)
