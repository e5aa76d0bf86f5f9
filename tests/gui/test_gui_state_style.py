"""Each state in the table has an icon of its own shape and a colour, beside its word."""

from __future__ import annotations

import itertools

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QImage

from uploader_gui.core.engine.file_states import FileState
from uploader_gui.ui.file_table_model import Column, FileRow, FileTableModel, FileUpdate


def state_model() -> FileTableModel:
    model = FileTableModel()
    model.append_rows(FileRow(f"{state.value}.fits", 10, state.value) for state in FileState)
    return model


def state_cell(model: FileTableModel, state: FileState, role: Qt.ItemDataRole) -> object:
    row = model.row_of(f"{state.value}.fits")
    assert row is not None
    return model.index(row, Column.STATE).data(role)


def grey_image(icon: QIcon) -> bytes:
    """What the icon looks like in greyscale: no colour left to tell states apart by."""
    image = icon.pixmap(16, 16).toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    return bytes(image.constBits())


def test_every_state_has_a_word_and_an_icon_that_differs_in_grey() -> None:
    model = state_model()
    icons = {}
    for state in FileState:
        assert state_cell(model, state, Qt.ItemDataRole.DisplayRole) == state.label
        icon = state_cell(model, state, Qt.ItemDataRole.DecorationRole)
        assert isinstance(icon, QIcon), state
        assert not icon.isNull(), state
        icons[state] = grey_image(icon)
    for (first, a), (second, b) in itertools.combinations(icons.items(), 2):
        assert a != b, f"{first.value} and {second.value} look alike in grey"


def test_problems_are_red_and_valid_green_in_the_state_column_only() -> None:
    model = state_model()
    colours = {
        state: state_cell(model, state, Qt.ItemDataRole.ForegroundRole) for state in FileState
    }
    for state in (FileState.INVALID, FileState.FAILED):
        colour = colours[state]
        assert isinstance(colour, QColor), state
        assert colour.red() > colour.green(), state
    valid = colours[FileState.VALID]
    assert isinstance(valid, QColor)
    assert valid.green() > valid.red()
    assert colours[FileState.READY] is None  # waiting files keep the palette's text colour
    row = model.row_of("invalid.fits")
    assert row is not None
    assert model.index(row, Column.PATH).data(Qt.ItemDataRole.DecorationRole) is None


def test_the_icon_follows_a_state_change() -> None:
    model = state_model()
    before = grey_image(state_cell(model, FileState.TRANSFERRING, Qt.ItemDataRole.DecorationRole))
    model.apply_file_updates({"transferring.fits": FileUpdate(state="valid")})
    after = state_cell(model, FileState.TRANSFERRING, Qt.ItemDataRole.DecorationRole)
    assert isinstance(after, QIcon)
    assert grey_image(after) != before
    assert grey_image(after) == grey_image(
        state_cell(model, FileState.VALID, Qt.ItemDataRole.DecorationRole)  # type: ignore[arg-type]
    )
