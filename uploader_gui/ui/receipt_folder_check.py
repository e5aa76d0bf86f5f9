"""Checking a receipt folder the person typed or chose, off the GUI thread.

The Settings dialog refuses a folder that would only fail at the end of a delivery, when the
receipt is written: a file, a path that does not exist, or a folder this user cannot write
into. Looking costs a `stat` and a temporary file, which can hang on a sleeping network drive,
so it runs on a one-thread executor and `checked(request_id, folder, problem)` comes back on
the GUI thread (a queued signal), as `PathProbe` does.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QObject, Signal


def receipt_folder_problem(folder: str) -> str:
    """Why receipts cannot be written into `folder`, naming it and the fix; "" if they can."""
    if not os.path.isabs(folder):
        return f"“{folder}” is not a full path: pick the folder with Choose… instead."
    path = Path(folder)
    if path.is_file():
        return f"“{folder}” is a file, not a folder: choose a folder for the receipts."
    if not path.is_dir():
        return f"“{folder}” does not exist: choose an existing folder, or create it first."
    try:
        # Permission bits do not tell (ACLs, read-only mounts, root): a real file does.
        with tempfile.TemporaryFile(dir=path, prefix=".uploader-gui-check-"):
            pass
    except OSError as error:
        reason = error.strerror or str(error)
        return f"“{folder}” cannot be written ({reason}): choose a folder you can write to."
    return ""


class ReceiptFolderCheck(QObject):
    """Looks at receipt folders on a worker thread; results come back as `checked`."""

    checked = Signal(int, str, str)  # request id, folder, problem ("" when it can be used)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="receipt-check")
        self._request_ids = itertools.count(1)

    def check(self, folder: str) -> int:
        """Queue a look at `folder`; returns the id its `checked` signal will carry."""
        request_id = next(self._request_ids)
        self._executor.submit(self._check, request_id, folder)
        return request_id

    def shutdown(self) -> None:
        """Drop queued looks; one blocked on a slow drive is left to finish on its own."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _check(self, request_id: int, folder: str) -> None:
        self.checked.emit(request_id, folder, receipt_folder_problem(folder))
