"""The window's About box: the app's name, its one version number (`uploader_gui.__version__`,
also shown by `uploader-gui --version`, the installers and the receipt) and the Qt it runs on.

Non-modal, made once and raised again on the next Help ▸ About, so it never blocks a delivery.
"""

from __future__ import annotations

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from uploader_gui import __version__

APP_NAME = "FAST Uploader"


def about_text() -> str:
    """What the About box says, as rich text."""
    return (
        f"<h3>{APP_NAME} {__version__}</h3>"
        "<p>Delivers datasets to an archive with the FAST protocol: label and index, the "
        "archive's lock and validation pipeline, and every file checked by its CRC32.</p>"
        f"<p>Qt {qVersion()} · PySide6 {pyside_version}</p>"
    )


class AboutBox(QMessageBox):
    """Help ▸ About, with the version a partner quotes to the archive's support."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setText(about_text())
        self.setStandardButtons(QMessageBox.StandardButton.Close)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setObjectName("aboutBox")
