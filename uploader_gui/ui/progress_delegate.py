"""The Progress column drawn as a bar: how much of each file is on the archive, at a glance.

The bar is the platform style's own progress bar (`CE_ProgressBar`), filled from the model's
`PROGRESS_FRACTION_ROLE`, with the cell's text ("42 % · 3.1 MiB/s") written in it. The text stays
the cell's display value, so screen readers, copying and tests read the same words; a row with
no progress yet is drawn as an ordinary (empty) cell. The text's colours are the palette's,
made readable on the bar's fill and groove (`text_contrast.progress_bar_palette`).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
)

from uploader_gui.ui.file_table_model import PROGRESS_FRACTION_ROLE
from uploader_gui.ui.text_contrast import progress_bar_palette

BAR_STEPS = 1000
_MARGIN_PX = 2


class ProgressDelegate(QStyledItemDelegate):
    """Paints a cell with a `PROGRESS_FRACTION_ROLE` value as a progress bar."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        fraction = index.data(PROGRESS_FRACTION_ROLE)
        if fraction is None:
            super().paint(painter, option, index)
            return
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        # The cell's own background first, so selection and alternating rows still show.
        background = QStyleOptionViewItem(option)
        self.initStyleOption(background, index)
        background.text = ""
        background.icon = QIcon()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, background, painter, widget)
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(_MARGIN_PX, _MARGIN_PX, -_MARGIN_PX, -_MARGIN_PX)
        bar.state = option.state | QStyle.StateFlag.State_Horizontal
        bar.direction = option.direction
        bar.fontMetrics = option.fontMetrics
        bar.palette = progress_bar_palette(option.palette)
        bar.minimum, bar.maximum = 0, BAR_STEPS
        bar.progress = round(max(0.0, min(1.0, float(fraction))) * BAR_STEPS)
        bar.text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, widget)
