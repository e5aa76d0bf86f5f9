"""One uploader per delivery on this computer: an OS file lock in the app's data folder.

A rerun continues an interrupted session as the same agent (the archive's lock holds that id),
so two uploaders of one delivery on one computer would both think they hold the archive's lock.
This lock prevents it. It is an OS lock on an open file (`flock` on POSIX, `msvcrt.locking` on
Windows), so a killed process releases it at once; the file itself stays, harmlessly.
Sample and staging of one delivery share it, as they share the archive's lock (PROTOCOL.md §1.2).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import TracebackType

from uploader_gui.app_dirs import app_dirs
from uploader_gui.core.errors import FatalError


class DeliveryInUse(FatalError):
    """Another uploader on this computer is sending this delivery."""


class LocalDeliveryLock:
    """Held between `acquire()` and `release()` (or as a context manager)."""

    def __init__(self, dataset: str, delivery_id: str, folder: Path | None = None) -> None:
        base = folder if folder is not None else app_dirs().data_dir / "locks"
        self.path = base / f"{dataset}-{delivery_id}.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock(fd)
        except OSError:
            os.close(fd)
            raise DeliveryInUse(
                f"Another uploader on this computer is sending this delivery ({self.path.stem}). "
                "Wait for it to finish, or stop it, then try again."
            ) from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            _unlock(fd)
            os.close(fd)

    def __enter__(self) -> LocalDeliveryLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
