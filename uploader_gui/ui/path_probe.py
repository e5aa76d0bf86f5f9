"""Finding out whether a dropped or chosen path is a folder, off the GUI thread.

Even one `stat` can hang for seconds on a sleeping network drive, so the window never makes it:
`PathProbe.probe(path)` returns a request id at once, a one-thread executor looks at the path,
and `probed(request_id, path, kind, detail)` arrives on the GUI thread (a queued signal).
"""

from __future__ import annotations

import enum
import itertools
import os
import stat
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal


class PathKind(enum.StrEnum):
    DIRECTORY = "directory"
    FILE = "file"
    MISSING = "missing"
    OTHER = "other"  # a device, a socket, or a path that could not be read


class PathProbe(QObject):
    """Looks at paths on a worker thread; results come back as the `probed` signal."""

    probed = Signal(int, str, str, str)  # request id, path, PathKind value, detail for people

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="path-probe")
        self._request_ids = itertools.count(1)

    def probe(self, path: str) -> int:
        """Queue a look at `path`; returns the id its `probed` signal will carry."""
        request_id = next(self._request_ids)
        self._executor.submit(self._probe, request_id, path)
        return request_id

    def shutdown(self) -> None:
        """Drop queued looks; one already blocked on a slow drive is left to finish on its own."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _probe(self, request_id: int, path: str) -> None:
        kind, detail = path_kind(path)
        self.probed.emit(request_id, path, kind.value, detail)


def path_kind(path: str) -> tuple[PathKind, str]:
    """What `path` is, following symlinks, with the OS's words when it cannot be read."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return PathKind.MISSING, ""
    except OSError as error:
        return PathKind.OTHER, error.strerror or str(error)
    if stat.S_ISDIR(mode):
        return PathKind.DIRECTORY, ""
    if stat.S_ISREG(mode):
        return PathKind.FILE, ""
    return PathKind.OTHER, "not a regular file or folder"
