"""How each file state looks in the table besides its word: a small icon and a text colour.

Never colour alone: every state's icon has its own shape (a tick, a cross, a warning triangle,
an arrow, two bars…), so people who cannot tell red from green, and screenshots in grey, still
tell states apart, and the word is always there for screen readers. Icons are drawn once with
`QPainter` when first asked for (no image files to ship) and kept by the `StateStyle`.

Text colours are hues: each is made dark or light enough (`text_contrast`) to reach 4.5:1 on
the application palette's row colours, so red and green stay readable on a dark theme.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QGuiApplication,
    QIcon,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
)

from uploader_gui.core.engine.file_states import FileState
from uploader_gui.ui.text_contrast import palette_text_backgrounds, readable_colour

ICON_PX = 32  # drawn large, shown at the view's icon size (16 px), sharp on high-DPI screens

_RED, _GREEN, _BLUE = QColor("#c62828"), QColor("#2e7d32"), QColor("#1565c0")
_ORANGE, _TEAL, _PURPLE, _GREY = (
    QColor("#e65100"),
    QColor("#00796b"),
    QColor("#6a1b9a"),
    QColor("#757575"),
)
_WHITE = QColor("white")

# Text colours: refusals stand out, acceptance reads as settled; waiting files keep the palette's.
_TEXT_COLOURS: Mapping[str, QColor] = MappingProxyType(
    {
        FileState.INVALID.value: _RED,
        FileState.FAILED.value: _RED,
        FileState.RETRYING.value: _ORANGE,
        FileState.TRANSFERRING.value: _BLUE,
        FileState.PENDING.value: _BLUE,
        FileState.DONE.value: _TEAL,
        FileState.HASHING.value: _PURPLE,
        FileState.VALID.value: _GREEN,
    }
)

Painter = Callable[[QPainter], None]


def _pen(colour: QColor, width: float = 3.5) -> QPen:
    pen = QPen(colour, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _disc(painter: QPainter, colour: QColor) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(colour))
    painter.drawEllipse(QRectF(2, 2, 28, 28))


def _ring(painter: QPainter, colour: QColor) -> None:
    painter.setPen(_pen(colour, 3))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawEllipse(QRectF(3.5, 3.5, 25, 25))


def _up_arrow(painter: QPainter, colour: QColor) -> None:
    painter.setPen(_pen(colour))
    painter.drawLine(QPointF(16, 24), QPointF(16, 9))
    painter.drawPolyline(QPolygonF([QPointF(10, 15), QPointF(16, 9), QPointF(22, 15)]))


def _valid(painter: QPainter) -> None:
    _disc(painter, _GREEN)
    painter.setPen(_pen(_WHITE))
    painter.drawPolyline(QPolygonF([QPointF(9, 16.5), QPointF(14, 21.5), QPointF(23, 11)]))


def _invalid(painter: QPainter) -> None:
    _disc(painter, _RED)
    painter.setPen(_pen(_WHITE))
    painter.drawLine(QPointF(11, 11), QPointF(21, 21))
    painter.drawLine(QPointF(21, 11), QPointF(11, 21))


def _failed(painter: QPainter) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(_RED))
    painter.drawPolygon(QPolygonF([QPointF(16, 2), QPointF(30.5, 29), QPointF(1.5, 29)]))
    painter.setPen(_pen(_WHITE))
    painter.drawLine(QPointF(16, 11), QPointF(16, 19))
    painter.drawPoint(QPointF(16, 24.5))


def _transferring(painter: QPainter) -> None:
    _disc(painter, _BLUE)
    _up_arrow(painter, _WHITE)


def _done(painter: QPainter) -> None:
    _ring(painter, _TEAL)
    _up_arrow(painter, _TEAL)


def _pending(painter: QPainter) -> None:
    _ring(painter, _BLUE)
    painter.setPen(_pen(_BLUE, 3))
    painter.drawPolyline(QPolygonF([QPointF(16, 9), QPointF(16, 16), QPointF(21, 19)]))


def _retrying(painter: QPainter) -> None:
    painter.setPen(_pen(_ORANGE))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawArc(QRectF(5, 5, 22, 22), 90 * 16, 270 * 16)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(_ORANGE))
    painter.drawPolygon(QPolygonF([QPointF(16, 1), QPointF(23, 5.5), QPointF(16, 10)]))


def _paused(painter: QPainter) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(_GREY))
    painter.drawRoundedRect(QRectF(8, 6, 6, 20), 1.5, 1.5)
    painter.drawRoundedRect(QRectF(18, 6, 6, 20), 1.5, 1.5)


def _ready(painter: QPainter) -> None:
    _ring(painter, _GREY)


def _hashing(painter: QPainter) -> None:
    _ring(painter, _PURPLE)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(_PURPLE))
    for x in (10.0, 16.0, 22.0):
        painter.drawEllipse(QPointF(x, 16), 2.2, 2.2)


_PAINTERS: Mapping[str, Painter] = MappingProxyType(
    {
        FileState.HASHING.value: _hashing,
        FileState.READY.value: _ready,
        FileState.PENDING.value: _pending,
        FileState.TRANSFERRING.value: _transferring,
        FileState.RETRYING.value: _retrying,
        FileState.PAUSED.value: _paused,
        FileState.DONE.value: _done,
        FileState.FAILED.value: _failed,
        FileState.VALID.value: _valid,
        FileState.INVALID.value: _invalid,
    }
)


class StateStyle:
    """Icons and text colours by state value; icons drawn on first use (needs a QGuiApplication)."""

    def __init__(self) -> None:
        self._icons: dict[str, QIcon] = {}

    def icon(self, state: str) -> QIcon | None:
        """The state's icon; None for a value that is not a `FileState`."""
        icon = self._icons.get(state)
        if icon is None:
            draw = _PAINTERS.get(state)
            if draw is None:
                return None
            icon = self._icons[state] = _drawn_icon(draw)
        return icon

    def text_colour(self, state: str, palette: QPalette | None = None) -> QColor | None:
        """The State cell's text colour, readable on `palette`'s rows (default: the
        application's); None keeps the palette's text colour (waiting files)."""
        hue = _TEXT_COLOURS.get(state)
        if hue is None:
            return None
        rows = palette_text_backgrounds(palette or QGuiApplication.palette(), is_view=True)
        return readable_colour(hue, rows)


def _drawn_icon(draw: Painter) -> QIcon:
    pixmap = QPixmap(ICON_PX, ICON_PX)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        draw(painter)
    finally:
        painter.end()
    return QIcon(pixmap)
