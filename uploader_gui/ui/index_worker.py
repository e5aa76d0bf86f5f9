"""Indexing a folder on a background thread, and the lifecycle of those threads.

`IndexWorker` is a `QObject` moved to a `QThread`; the thread's `started` signal is connected to
the worker's bound slot `run` so the walk and the hashing run on that thread (a lambda would run
on the GUI thread, DESIGN.md §7). Everything the worker has to say goes through the bridge's
queue, in order: the core's index events, then `IndexResultReady`, `IndexFailed` or
`IndexCancelled`.

`IndexRunner` owns the threads: starting a new folder cancels the current run without waiting
for it (its late events are dropped by generation), and `shutdown()` cancels and joins every
thread, so the window never closes with a `QThread` still running.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from uploader_gui.core.delivery.folder_index import (
    FolderIndex,
    IndexCancelledError,
    IndexOptions,
    build_folder_index,
)
from uploader_gui.core.errors import UserInputError
from uploader_gui.core.events import Event
from uploader_gui.ui.engine_bridge import (
    EngineBridge,
    IndexCancelled,
    IndexFailed,
    IndexResultReady,
)

log = logging.getLogger(__name__)

# The shape of `build_folder_index`: (root, options, *, emit, is_cancelled) -> FolderIndex.
IndexFolder = Callable[..., FolderIndex]


class IndexWorker(QObject):
    """Builds one folder's index on the thread it was moved to; cancel from any thread."""

    finished = Signal()

    def __init__(
        self,
        root: str,
        options: IndexOptions,
        emit: Callable[[Event], None],
        index_folder: IndexFolder = build_folder_index,
    ) -> None:
        super().__init__()
        self._index_folder = index_folder
        self._root = root
        self._options = options
        self._emit = emit
        self._cancel_requested = threading.Event()
        self._is_done = threading.Event()

    @property
    def is_done(self) -> bool:
        return self._is_done.is_set()

    def cancel(self) -> None:
        """Ask the walk to stop at its next check (thread-safe)."""
        self._cancel_requested.set()

    @Slot()
    def run(self) -> None:
        try:
            self._index()
        finally:
            # Hand the object back to the GUI thread so it is destroyed there, not on a thread
            # that no longer runs an event loop.
            app = QCoreApplication.instance()
            if app is not None:
                self.moveToThread(app.thread())
            self._is_done.set()
            self.finished.emit()

    def _index(self) -> None:
        try:
            folder_index = self._index_folder(
                Path(self._root),
                self._options,
                emit=self._emit,
                is_cancelled=self._cancel_requested.is_set,
            )
        except IndexCancelledError:
            self._emit(IndexCancelled(self._root))
            return
        except UserInputError as error:
            self._emit(self._ended_early(str(error), is_bug=False))
            return
        except Exception as error:  # a bug: the person gets the message, the log the traceback
            log.exception("indexing %s failed", self._root)
            self._emit(self._ended_early(f"{type(error).__name__}: {error}", is_bug=True))
            return
        if self._cancel_requested.is_set():
            self._emit(IndexCancelled(self._root))
        else:
            self._emit(IndexResultReady(folder_index))

    def _ended_early(self, message: str, *, is_bug: bool) -> Event:
        if self._cancel_requested.is_set():
            return IndexCancelled(self._root)
        return IndexFailed(self._root, message, is_bug=is_bug)


@dataclass
class _Run:
    thread: QThread
    worker: IndexWorker


class IndexRunner(QObject):
    """Starts, cancels and joins indexing threads; at most one run is current."""

    def __init__(
        self,
        bridge: EngineBridge,
        options: IndexOptions | None = None,
        parent: QObject | None = None,
        *,
        index_folder: IndexFolder = build_folder_index,
    ) -> None:
        super().__init__(parent)
        self._index_folder = index_folder
        self._bridge = bridge
        # The window shows files as the walk finds them, before they are read.
        self._options = replace(options or IndexOptions(), reports_files_found=True)
        self._runs: list[_Run] = []
        self._current: _Run | None = None

    @property
    def is_running(self) -> bool:
        """Whether the current run is still working (cancelled runs do not count)."""
        return self._current is not None and not self._current.worker.is_done

    @property
    def thread_count(self) -> int:
        """Threads not yet joined, including cancelled runs still winding down."""
        return len(self._runs)

    def start(self, root: str) -> int:
        """Cancel the current run and index `root`; returns the new run's generation."""
        self.cancel()
        generation = self._bridge.begin_generation()
        emit = self._bridge.emitter_for(generation)
        worker = IndexWorker(root, self._options, emit, self._index_folder)
        thread = QThread()
        thread.setObjectName(f"index-{generation}")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        # quit() is thread-safe; a direct call lets the thread end without the GUI thread's help.
        worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        thread.finished.connect(self._forget_finished_runs)
        run = _Run(thread, worker)
        self._runs.append(run)
        self._current = run
        thread.start()
        return generation

    def cancel(self) -> None:
        """Cancel the current run, if any, without waiting for its thread."""
        if self._current is not None:
            self._current.worker.cancel()
            self._current = None

    def shutdown(self) -> None:
        """Cancel every run and wait for every thread to end (the window is closing)."""
        self.cancel()
        for run in self._runs:
            run.worker.cancel()
        for run in self._runs:
            # Called directly, not through the queued `finished` connection: the GUI thread is
            # blocked in wait() and would never deliver it.
            run.thread.quit()
            run.thread.wait()
        self._runs.clear()

    @Slot()
    def _forget_finished_runs(self) -> None:
        still_running: list[_Run] = []
        for run in self._runs:
            if run.worker.is_done:
                run.thread.quit()
                run.thread.wait()  # returns at once: the worker has returned
            else:
                still_running.append(run)
        self._runs = still_running
