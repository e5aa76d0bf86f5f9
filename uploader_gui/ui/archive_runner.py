"""The archives for the window, off the GUI thread: the profile list and the local archive.

Listing profiles reads files and starting the local archive starts (or joins) its process and
waits for it to listen, so both run on one worker thread; results come back as queued signals.
The same thread leaves the archive when the window closes, after any start still under way has
finished, so closing while the archive is starting still stops it and frees its port. Resetting
it (stop, empty its data folder, start again) runs there too.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal

from uploader_gui.archive_service import (
    ArchiveChoice,
    LocalArchiveHandle,
    LocalArchiveStarter,
    list_archives,
    reset_local_archive,
)

log = logging.getLogger(__name__)


class LocalArchiveState(enum.StrEnum):
    NOT_STARTED = "not-started"
    STARTING = "starting"
    RUNNING = "running"
    FAILED = "failed"
    STOPPED = "stopped"


class ArchiveRunner(QObject):
    """Lists archives and starts/stops the local one on a worker thread (GUI-thread API)."""

    archivesListed = Signal(object)  # list[ArchiveChoice]
    localArchiveStarted = Signal(object)  # LocalArchiveHandle
    localArchiveFailed = Signal(str)  # the reason, for people
    localArchiveStarting = Signal()  # again, after a reset: the old handle is gone
    localArchiveReset = Signal(str)  # what was done, for people (the start follows)
    localArchiveResetFailed = Signal(str)

    def __init__(
        self,
        start_local_archive: LocalArchiveStarter | None,
        parent: QObject | None = None,
        *,
        list_choices: Callable[[], list[ArchiveChoice]] = list_archives,
        reset_archive: Callable[[], str] = reset_local_archive,
    ) -> None:
        super().__init__(parent)
        self._start_local_archive = start_local_archive
        self._list_choices = list_choices
        self._reset_archive = reset_archive
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive")
        self._shutdown_started = threading.Event()
        self._started_handle: LocalArchiveHandle | None = None  # the worker's, to stop it
        self.state = LocalArchiveState.NOT_STARTED
        self.handle: LocalArchiveHandle | None = None  # the GUI thread's, once it is running
        self.localArchiveStarted.connect(self._on_started)
        self.localArchiveFailed.connect(self._on_failed)

    @property
    def can_start(self) -> bool:
        return self._start_local_archive is not None

    @property
    def shutdown_started(self) -> threading.Event:
        """Set when the window starts closing (tests wait on it from another thread)."""
        return self._shutdown_started

    def list_archives(self) -> None:
        """List the archives again; `archivesListed` brings the list."""
        if not self._shutdown_started.is_set():
            self._executor.submit(self._list)

    def start(self) -> bool:
        """Start the local archive unless it is running or starting; False if it cannot be."""
        if not self.can_start or self._shutdown_started.is_set():
            return False
        if self.state in (LocalArchiveState.STARTING, LocalArchiveState.RUNNING):
            return True
        self.state = LocalArchiveState.STARTING
        self._executor.submit(self._start)
        return True

    def reset(self) -> bool:
        """Leave the local archive, stop and empty it, start it again; False if it cannot be
        (no archive to start, or closing). `localArchiveReset` says what was done."""
        if not self.can_start or self._shutdown_started.is_set():
            return False
        self.state, self.handle = LocalArchiveState.STARTING, None
        self.localArchiveStarting.emit()
        self._executor.submit(self._reset)
        return True

    def shutdown(self) -> None:
        """Stop the local archive (waiting for a start under way) and end the thread.

        Safe to call twice. Blocks for as long as a start under way takes (the window is
        closing, and its port must be free when the app exits).
        """
        if self._shutdown_started.is_set():
            return
        self._shutdown_started.set()
        self._executor.submit(self._stop)
        self._executor.shutdown(wait=True)
        self.state = LocalArchiveState.STOPPED
        self.handle = None

    # --- worker thread ------------------------------------------------------------------------

    def _list(self) -> None:
        try:
            choices = self._list_choices()
        except Exception:  # the built-in archive is always there, whatever the profiles do
            log.exception("listing the archive profiles failed")
            return
        self.archivesListed.emit(choices)

    def _start(self) -> None:
        assert self._start_local_archive is not None
        try:
            handle = self._start_local_archive()
        except (Exception, SystemExit) as error:  # a library's sys.exit must not pass silently
            log.warning("the local archive did not start", exc_info=True)
            self.localArchiveFailed.emit(failure_text(error))
            return
        self._started_handle = handle
        if not self._shutdown_started.is_set():
            self.localArchiveStarted.emit(handle)

    def _reset(self) -> None:
        try:  # before leaving it: the person is told the archive they used was stopped
            said = self._reset_archive()
        except (OSError, RuntimeError) as error:  # its folder held elsewhere: say so, go on
            log.warning("the local archive could not be reset", exc_info=True)
            self.localArchiveResetFailed.emit(failure_text(error))
        else:
            self.localArchiveReset.emit(said)
        self._stop()  # its lease ends with the archive's process; this only tidies up
        self._start()

    def _stop(self) -> None:
        handle, self._started_handle = self._started_handle, None
        if handle is not None:
            try:
                handle.stop()
            except Exception:  # closing goes on; the port is freed when the process exits
                log.exception("stopping the local archive failed")

    # --- GUI thread ---------------------------------------------------------------------------

    def _on_started(self, handle: LocalArchiveHandle) -> None:
        if not self._shutdown_started.is_set():
            self.state, self.handle = LocalArchiveState.RUNNING, handle

    def _on_failed(self, reason: str) -> None:
        del reason
        if not self._shutdown_started.is_set():
            self.state = LocalArchiveState.FAILED


def failure_text(error: BaseException) -> str:
    """Why the archive did not start, in the OS's words where it has some."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    text = str(error) or type(error).__name__
    if isinstance(error, (OSError, RuntimeError, ValueError)):
        return text  # the sandbox's own refusals read as sentences
    return f"{type(error).__name__}: {text}"
