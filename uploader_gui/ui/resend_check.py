"""Before "Send the fixed files again": which invalid files are unchanged on disk since the
archive judged them, found on a worker thread (`wiring.invalid_files` stats every invalid file
and reads the state store) and reported on the GUI thread as `checked(paths)`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from uploader_gui.core.formatting import count_text

log = logging.getLogger(__name__)

SEND_ANYWAY_CHOICE = "Send them again"
FIX_FIRST_CHOICE = "Not now"
UNCHANGED_TITLE = "Invalid files not changed"


def unchanged_text(count: int) -> str:
    """`1 invalid file has not changed since the archive judged it; send it again anyway?`"""
    if count == 1:
        return "1 invalid file has not changed since the archive judged it; send it again anyway?"
    files = count_text(count, "invalid file")
    return f"{files} have not changed since the archive judged them; send them again anyway?"


class ResendCheck(QObject):
    """Runs `unchanged_invalid_files` off the GUI thread, one check at a time."""

    checked = Signal(object)  # list[str]: the unchanged invalid files' paths

    def __init__(self, parent: QObject | None = None, *, store_path: Path | None = None) -> None:
        super().__init__(parent)
        self.store_path = store_path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="resend-check")

    def request(self, receipt_paths: Sequence[str]) -> None:
        self._executor.submit(self._run, tuple(receipt_paths))

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _run(self, receipt_paths: tuple[str, ...]) -> None:
        # Imported here, on the worker: the wiring stays off the GUI thread (and its start).
        from uploader_gui.wiring.invalid_files import unchanged_invalid_files

        try:
            unchanged = unchanged_invalid_files(receipt_paths, self.store_path)
        except Exception:  # a bug: no warning, but the start is not blocked by it
            log.exception("could not tell which invalid files changed")
            unchanged = []
        self.checked.emit(unchanged)
