"""The application icon, drawn from SVG kept in the source (no resource file to ship or read)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

# A folder with an upward arrow: "deliver this folder".
APP_ICON_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">
  <path d="M6 16a4 4 0 0 1 4-4h14l6 6h24a4 4 0 0 1 4 4v28a4 4 0 0 1-4 4H10a4 4 0 0 1-4-4z"
        fill="#2f6fb0"/>
  <path d="M6 24h52v26a4 4 0 0 1-4 4H10a4 4 0 0 1-4-4z" fill="#4a90d9"/>
  <path d="M32 28l12 12h-8v10h-8V40h-8z" fill="#ffffff"/>
</svg>
"""

_ICON_SIZES_PX = (16, 24, 32, 48, 64, 128, 256)


def app_icon() -> QIcon:
    """The icon rendered sharp at the sizes window managers and docks ask for."""
    renderer = QSvgRenderer(QByteArray(APP_ICON_SVG))
    icon = QIcon()
    if not renderer.isValid():
        return icon
    for size_px in _ICON_SIZES_PX:
        pixmap = QPixmap(size_px, size_px)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter)
        painter.end()
        icon.addPixmap(pixmap)
    return icon
