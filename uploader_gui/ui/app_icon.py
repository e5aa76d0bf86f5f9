"""The application icon, drawn from its SVG source (resources/icons/uploader-gui.svg), sharp at
every size; the installers use the same source's renderings (packaging/make_icons.py)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from uploader_gui.app_resources import find_resource

APP_ICON_RESOURCE = "icons/uploader-gui.svg"

_ICON_SIZES_PX = (16, 24, 32, 48, 64, 128, 256)


def app_icon() -> QIcon:
    """The icon rendered sharp at the sizes window managers and docks ask for."""
    icon = QIcon()
    source = find_resource(APP_ICON_RESOURCE)
    if source is None:  # an install without its resources: the platform's default icon
        return icon
    renderer = QSvgRenderer(QByteArray(source.read_bytes()))
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
