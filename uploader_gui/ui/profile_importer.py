"""Importing a connection profile file off the GUI thread (reading and writing files).

A double-clicked `.fastprofile` handed over by a second launch, one given on the command line,
or one dropped on the window: the file is checked and saved into the profiles folder on this
object's worker thread (`core.delivery.profile_import`), and the outcome comes back as a signal
the window shows: the archive added (and selected), or the problem with its fix.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from uploader_gui.app_dirs import app_dirs
from uploader_gui.core.delivery.problems import ProblemsFound
from uploader_gui.core.delivery.profile_import import import_profile

log = logging.getLogger(__name__)


class ProfileImporter(QObject):
    """`import_file(path)` from the GUI thread; `imported` or `refused` from the worker."""

    imported = Signal(str, str)  # (the saved profile's path, a line for the person)
    refused = Signal(str)  # what is wrong with the file and how to fix it

    def __init__(self, parent: QObject | None = None, *, profiles_dir: Path | None = None) -> None:
        super().__init__(parent)
        self._profiles_dir = profiles_dir
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="profile-import")

    def import_file(self, path: str) -> None:
        self._executor.submit(self._import, Path(path))

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)

    def _import(self, path: Path) -> None:
        folder = self._profiles_dir or app_dirs().profiles_dir
        try:
            result = import_profile(path, folder)
        except ProblemsFound as found:
            self.refused.emit("The profile was not added: " + "; ".join(map(str, found.problems)))
            return
        except OSError as exc:
            self.refused.emit(f"The profile was not added: {path}: {exc.strerror or exc}")
            return
        log.info("profile %s: %s", path, result.outcome.value)
        self.imported.emit(str(result.path), result.message)
