"""Helpers for window tests: folders on disk, real drag-and-drop events, a gated indexer."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from uploader_gui.core.delivery.folder_index import IndexOptions, build_folder_index
from uploader_gui.ui.gc_guard import GuiThreadGarbageCollector
from uploader_gui.ui.main_window import MainWindow

INDEX_TIMEOUT_MS = 30_000
WindowFactory = Callable[..., MainWindow]


@pytest.fixture(autouse=True)
def gui_thread_garbage_collection(qapp: QApplication) -> Iterator[None]:
    """As in the app: Qt objects are never collected on a worker thread (see gc_guard)."""
    collector = GuiThreadGarbageCollector()
    yield
    collector.stop()
    collector.deleteLater()


def make_tree(root: Path, files: dict[str, bytes]) -> Path:
    """Create `files` (relative POSIX path → content) under `root`; returns `root`."""
    root.mkdir(parents=True, exist_ok=True)
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return root


def mime_for(*targets: Path | str) -> QMimeData:
    mime = QMimeData()
    urls = [t if isinstance(t, QUrl) else QUrl.fromLocalFile(str(t)) for t in targets]
    mime.setUrls(urls)
    return mime


def _send_drag_event(window: MainWindow, event: QDropEvent) -> bool:
    event.setAccepted(False)
    QApplication.sendEvent(window, event)
    return event.isAccepted()


def _drag_args(mime: QMimeData) -> tuple[Qt.DropAction, QMimeData, Qt.MouseButton, Any]:
    return (
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )


def send_drag_enter(window: MainWindow, mime: QMimeData) -> bool:
    return _send_drag_event(window, QDragEnterEvent(QPoint(20, 20), *_drag_args(mime)))


def send_drag_move(window: MainWindow, mime: QMimeData) -> bool:
    return _send_drag_event(window, QDragMoveEvent(QPoint(30, 30), *_drag_args(mime)))


def send_drop(window: MainWindow, mime: QMimeData) -> bool:
    return _send_drag_event(window, QDropEvent(QPointF(30, 30), *_drag_args(mime)))


def drop_folder(window: MainWindow, folder: Path) -> None:
    """A whole drag: enter, move, drop, as a file manager delivers it."""
    mime = mime_for(folder)
    assert send_drag_enter(window, mime), "a folder drag should be accepted on entering"
    assert send_drag_move(window, mime)
    assert send_drop(window, mime)


def table_rows(window: MainWindow) -> dict[str, int]:
    model = window.model
    return {model.path_at(row): model.size_at(row) for row in range(model.rowCount())}


def status_text(window: MainWindow) -> str:
    return window.status_area.message_label.text()


class GatedIndexer:
    """The real `build_folder_index`, held at its start until released (an injected delay).

    `honours_cancel=False` imitates a slow indexer that notices cancellation late: it runs the
    whole folder after release even if it was cancelled, so its events arrive late.
    """

    def __init__(self, gated_root: Path, *, honours_cancel: bool = True) -> None:
        self.gated_root = gated_root
        self.honours_cancel = honours_cancel
        self.started = threading.Event()
        self.released = threading.Event()
        self.returned = threading.Event()
        self.saw_cancel = False

    def __call__(
        self,
        root: Path,
        options: IndexOptions,
        *,
        emit: Callable[[Any], None],
        is_cancelled: Callable[[], bool],
    ) -> Any:
        if Path(root) != self.gated_root:
            return build_folder_index(root, options, emit=emit, is_cancelled=is_cancelled)
        self.started.set()
        while not self.released.wait(0.01):
            if self.honours_cancel and is_cancelled():
                break
        self.saw_cancel = is_cancelled()
        try:
            check = is_cancelled if self.honours_cancel else (lambda: False)
            return build_folder_index(root, options, emit=emit, is_cancelled=check)
        finally:
            self.returned.set()


class ReadGate:
    """The real `build_folder_index`, with its first file read held until released.

    The walk runs in full (so every found file can reach the table) and then waits at the
    first file's read: a test sees the window mid-index without any timing. Reading is on one
    thread, in path order. `change_when_read` is a path appended to as it is read, so the
    index finds it changed: a problem found after the file was listed.
    """

    def __init__(self, change_when_read: str | None = None) -> None:
        self.change_when_read = change_when_read
        self.reading = threading.Event()
        self.released = threading.Event()
        self.returned = threading.Event()

    def __call__(
        self,
        root: Path,
        options: IndexOptions,
        *,
        emit: Callable[[Any], None],
        is_cancelled: Callable[[], bool],
    ) -> Any:

        def on_file_read(path: str) -> None:
            self.reading.set()
            while not self.released.wait(0.01) and not is_cancelled():
                pass
            if path == self.change_when_read:
                with (Path(root) / path).open("ab") as stream:
                    stream.write(b"more")

        try:
            return build_folder_index(
                root,
                replace(options, workers=1),
                emit=emit,
                is_cancelled=is_cancelled,
                on_file_read=on_file_read,
            )
        finally:
            self.returned.set()


@pytest.fixture
def window_factory(qtbot: QtBot) -> Iterator[Callable[..., MainWindow]]:
    """Shown main windows, closed (threads joined) at the end of the test."""
    windows: list[MainWindow] = []

    def make(**kwargs: Any) -> MainWindow:
        window = MainWindow(**kwargs)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
