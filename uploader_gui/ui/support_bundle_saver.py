"""Save support bundle… from the window: ask where (a save dialog, or the chooser a test
injects), then write the zip on a worker thread (`wiring.support_bundle`: it reads the logs and
the state store, which must not freeze the window) and say how it went on the GUI thread.

`saved(path)` or `failed(message)`; the message names the file and the fix. The wiring is
imported on the worker, so the window never loads it on its own thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, QStandardPaths, Signal, qVersion
from PySide6.QtWidgets import QFileDialog, QWidget

from uploader_gui.core.delivery.profile import Profile
from uploader_gui.core.formatting import support_bundle_file_name

log = logging.getLogger(__name__)

SAVE_TITLE = "Save support bundle"
ZIP_FILTER = "Zip files (*.zip)"
# (parent, suggested path) -> the chosen path, or None if the person cancelled.
BundleChooser = Callable[[QWidget, str], str | None]


def ask_for_bundle_path(parent: QWidget, suggested: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, SAVE_TITLE, suggested, ZIP_FILTER)
    return path or None


def suggested_bundle_path() -> str:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return str(Path(folder or Path.home()) / support_bundle_file_name(datetime.now(UTC)))


def saved_text(path: str) -> str:
    return f"Support bundle saved: {path}"


class SupportBundleSaver(QObject):
    """Asks for the target and writes the bundle off the GUI thread, one at a time."""

    saved = Signal(str)  # the bundle's path
    failed = Signal(str)  # what went wrong, naming the file and the fix

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        chooser: BundleChooser = ask_for_bundle_path,
        store_path: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.chooser = chooser
        self.store_path = store_path  # None: the app's own; logs and profiles are the app's
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="support-bundle")

    def save(
        self, window: QWidget, *, receipt_paths: Sequence[str], profile: Profile | None
    ) -> bool:
        """Ask where, then start writing; False if the person cancelled the dialog."""
        chosen = self.chooser(window, suggested_bundle_path())
        if not chosen:
            return False
        target = Path(chosen)
        if not target.suffix:
            target = target.with_suffix(".zip")
        versions = {"qt": qVersion(), "PySide6": pyside_version}
        self._executor.submit(self._write, target, tuple(receipt_paths), profile, versions)
        return True

    def shutdown(self) -> None:
        """Wait for a bundle being written (safe to call twice)."""
        self._executor.shutdown(wait=True)

    def _write(
        self,
        target: Path,
        receipt_paths: tuple[str, ...],
        profile: Profile | None,
        versions: dict[str, str],
    ) -> None:
        from uploader_gui.wiring.support_bundle import (
            BundleSources,
            SupportBundleError,
            write_support_bundle,
        )

        sources = BundleSources(store_path=self.store_path, environment=versions)
        try:
            path = write_support_bundle(
                target, receipt_paths=receipt_paths, profile=profile, sources=sources
            )
        except SupportBundleError as error:
            self.failed.emit(str(error))
            return
        except Exception as error:  # a bug: the person gets a line, the log the traceback
            log.exception("the support bundle %s could not be written", target)
            self.failed.emit(
                f"Could not save the support bundle {target}: internal error "
                f"{type(error).__name__}: {error}. The log has the details."
            )
            return
        self.saved.emit(str(path))
