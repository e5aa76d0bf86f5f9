#!/usr/bin/env python3
"""Render the app icon's SVG source into the formats the window, the desktop entry and the
installers use: PNGs from 16 to 1024 px, a Windows .ico and a macOS .icns.

    python3 packaging/make_icons.py     # with the dev environment (PySide6 renders, Pillow packs)

The outputs are committed next to the source in resources/icons/; run this after changing the
SVG. Qt's SVG renderer draws the PNGs (the same renderer the window uses); Pillow writes the
.ico and .icns containers from them.
"""

from __future__ import annotations

import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SOURCE = ICONS / "uploader-gui.svg"
PNG_SIZES_PX = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES_PX = (16, 24, 32, 48, 64, 128, 256)


def png_path(size_px: int) -> Path:
    return ICONS / f"uploader-gui-{size_px}.png"


def render_pngs() -> None:
    from PySide6.QtCore import QByteArray, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(["make_icons", "-platform", "offscreen"])
    renderer = QSvgRenderer(QByteArray(SOURCE.read_bytes()))
    if not renderer.isValid():
        raise SystemExit(f"{SOURCE} is not an SVG Qt can draw")
    for size_px in PNG_SIZES_PX:
        image = QImage(size_px, size_px, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        if not image.save(str(png_path(size_px))):
            raise SystemExit(f"could not write {png_path(size_px)}")
    del app


def pack_containers() -> None:
    from PIL import Image

    largest = Image.open(png_path(1024))
    largest.save(ICONS / "uploader-gui.ico", sizes=[(s, s) for s in ICO_SIZES_PX])
    largest.save(ICONS / "uploader-gui.icns")


def main() -> int:
    render_pngs()
    pack_containers()
    print(f"icons written to {ICONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
