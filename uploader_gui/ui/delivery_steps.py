"""The delivery panel's steps, in the order a newcomer takes them: 1 Archive · 2 Label (and the
optional index) · 3 Folder · 4 Check and Start.

Each step's caption carries its number as its mnemonic (Alt+1 … Alt+4) and is the buddy label
of its field, so the keyboard and a screen reader both find the field from the caption. The
label step says in one sentence what a label is, with a link that opens the example label
shipped in `resources/examples/`. The pre-flight verdict's colour is made readable on the
panel's own palette (`text_contrast`), light or dark.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from uploader_gui.app_resources import find_resource
from uploader_gui.ui.preflight_worker import VerdictKind
from uploader_gui.ui.text_contrast import palette_text_backgrounds, readable_colour

EXAMPLE_LABEL = "examples/demo-label.yaml"
EXAMPLE_LINK = "example-label"
LABEL_EXPLANATION = (
    "A label is the delivery's description file (YAML), given to you by the archive's team. "
    f'<a href="{EXAMPLE_LINK}">Open an example label</a>'
)
NO_EXAMPLE_TEXT = "The example label is not part of this installation."
VERDICT_HUES = {
    VerdictKind.ACCEPTED: QColor("#1b7f3b"),
    VerdictKind.REFUSED: QColor("#b3261e"),
    VerdictKind.FAILED: QColor("#b3261e"),
}


@dataclass(frozen=True)
class Step:
    """One row of the panel: its caption, the field the caption names, and the row's widgets."""

    caption: str
    buddy: QWidget | None
    widgets: Sequence[QWidget]


def lay_out_steps(grid: QGridLayout, steps: Sequence[Step]) -> list[QLabel]:
    """Captions in the first column (each the buddy label of its field), widgets after it;
    returns the captions."""
    captions = []
    for row, step in enumerate(steps):
        if step.caption:  # a continuation row has none: an empty label would hold a blank line
            caption = QLabel(step.caption)
            if step.buddy is not None:
                caption.setBuddy(step.buddy)
            grid.addWidget(caption, row, 0, Qt.AlignmentFlag.AlignTop)
            captions.append(caption)
        if len(step.widgets) == 1:  # a lone widget takes the whole row, not one column's width
            grid.addWidget(step.widgets[0], row, 1, 1, -1)
            continue
        grid.addWidget(step.widgets[0], row, 1)
        # The row's buttons share one cell: rows do not add up each other's button widths.
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for widget in step.widgets[1:]:
            buttons.addWidget(widget)
        grid.addLayout(buttons, row, 2)
    grid.setColumnStretch(1, 1)
    return captions


def explanation_label(text: str, on_link: Callable[[str], None]) -> QLabel:
    """A wrapped sentence whose link can be followed with the mouse or Tab and Enter."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
    label.setOpenExternalLinks(False)
    label.linkActivated.connect(on_link)
    return label


def open_example_label(open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl) -> str:
    """Open the shipped example label with the desktop's app for it (else its folder, so it
    can be copied); returns what went wrong, or "" (a stat of the app's own resources)."""
    path = find_resource(EXAMPLE_LABEL)
    if path is None:
        return NO_EXAMPLE_TEXT
    if open_url(QUrl.fromLocalFile(str(path))) or open_url(QUrl.fromLocalFile(str(path.parent))):
        return ""
    return f"The example label is at {path}; no program here could open it."


def verdict_style(kind: VerdictKind, palette: QPalette) -> str:
    """The verdict line's style sheet: its hue, readable on `palette`'s window colour."""
    hue = VERDICT_HUES.get(kind)
    if hue is None:
        return ""
    colour = readable_colour(hue, palette_text_backgrounds(palette, is_view=False))
    return f"QLabel {{ color: {colour.name()}; }}"


def step_button(text: str, tooltip: str) -> QPushButton:
    """A step's button, named for screen readers by its words (without the mnemonic)."""
    button = QPushButton(text)
    button.setToolTip(tooltip)
    button.setAccessibleName(text.replace("&", "").rstrip("…"))
    return button


def wrapped_label(accessible_name: str, text: str = "") -> QLabel:
    """A named, word-wrapped line of text."""
    # Wrapped, so a long path or verdict makes the panel taller, never the window wider.
    label = QLabel(text)
    label.setAccessibleName(accessible_name)
    label.setWordWrap(True)
    return label


class PathLabel(QLabel):
    """A path on one line, elided in the middle when the row is narrow (a path has no spaces
    to wrap at, and its full width would set the window's minimum); `text()` and the tooltip
    keep the whole path."""

    def __init__(self, accessible_name: str, text: str = "") -> None:
        super().__init__(text)
        self.setAccessibleName(accessible_name)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def minimumSizeHint(self) -> QSize:
        return QSize(
            self.fontMetrics().horizontalAdvance("…" * 8), super().minimumSizeHint().height()
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        del event
        painter = QPainter(self)
        try:
            area = self.contentsRect()
            shown = self.fontMetrics().elidedText(
                self.text(), Qt.TextElideMode.ElideMiddle, area.width()
            )
            painter.setPen(self.palette().color(self.foregroundRole()))
            align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
            painter.drawText(area, int(align), shown)
        finally:
            painter.end()
