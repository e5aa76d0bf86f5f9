"""Helpers for the delivery-run window tests: a local archive the test owns, a window that
delivers to it with quick polls, and finding the message box the window opened."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from tests.gui.conftest import INDEX_TIMEOUT_MS, drop_folder, make_tree
from uploader_gui.archive_service import LocalArchiveHandle
from uploader_gui.sandbox.archive import LocalArchive, SandboxOptions
from uploader_gui.ui.main_window import MainWindow
from uploader_gui.wiring.session_setup import session_options

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_LABEL = REPO_ROOT / "resources" / "examples" / "demo-label.yaml"
DEMO_FILES = {
    "images/a.fits": b"f1" * 1000,
    "images/b.fits": b"f2",
    "catalog_main.parquet": b"p",
    "README.md": b"# demo\n",
}
RUN_TIMEOUT_MS = 60_000
QUICK_POLLS_S = 0.2


class SharedArchiveHandle(LocalArchiveHandle):
    """The window's handle on an archive the test stops itself (to look at it afterwards)."""

    def stop(self) -> None:
        pass


@pytest.fixture
def archive_factory() -> Iterator[Callable[..., LocalArchive]]:
    """Started local archives; each is stopped after the test and its validator must have seen
    no protocol error from the client."""
    archives: list[LocalArchive] = []

    def make(**options: Any) -> LocalArchive:
        options.setdefault("bucket_stem", f"g{secrets.token_hex(3)}")
        options.setdefault("auto_accept", True)
        archive = LocalArchive(SandboxOptions(**options))
        archive.start()
        archives.append(archive)
        return archive

    yield make
    for archive in archives:
        archive.stop()
    for archive in archives:
        assert archive.validator_failures == [], "the validator saw protocol errors"


@pytest.fixture
def delivery_window_factory(
    window_factory: Callable[..., MainWindow],
) -> Iterator[Callable[..., MainWindow]]:
    """`window_factory`, whose windows also stop their delivery (joining its thread) after the
    test, even one that failed mid-transfer: closing alone would only ask."""
    windows: list[MainWindow] = []

    def make(**kwargs: Any) -> MainWindow:
        window = window_factory(**kwargs)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.shutdown()


def ready_window(
    qtbot: QtBot,
    window_factory: Callable[..., MainWindow],
    archive: LocalArchive,
    folder: Path,
    files: dict[str, bytes] | None = None,
    **session_settings: Any,
) -> MainWindow:
    """A window with the demo folder dropped and the demo label chosen, Start enabled."""
    window = window_factory(
        start_local_archive=lambda: SharedArchiveHandle(archive, None),
        session_options=session_options(poll_every_s=QUICK_POLLS_S, **session_settings),
    )
    drop_folder(window, make_tree(folder, files or DEMO_FILES))
    window.delivery_panel.set_label_path(str(DEMO_LABEL))
    start = window.delivery_panel.start_button
    qtbot.waitUntil(start.isEnabled, timeout=INDEX_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.model.rowCount() == len(files or DEMO_FILES))
    return window


def states(window: MainWindow) -> dict[str, str]:
    model = window.model
    return {model.path_at(row): model.state_at(row) for row in range(model.rowCount())}


def messages(window: MainWindow) -> dict[str, str]:
    model = window.model
    return {model.path_at(row): model.message_at(row) for row in range(model.rowCount())}


def open_box(window: MainWindow) -> QMessageBox | None:
    boxes = [box for box in window.delivery.boxes if box.isVisible()]
    return boxes[-1] if boxes else None


def click_choice(qtbot: QtBot, window: MainWindow, choice: str) -> str:
    """Wait for the window's message box, click `choice`; returns the box's text."""
    qtbot.waitUntil(lambda: open_box(window) is not None, timeout=RUN_TIMEOUT_MS)
    box = open_box(window)
    assert box is not None
    text = box.text()
    (button,) = [b for b in box.buttons() if b.text() == choice]
    button.click()
    return text


def wait_until_transferring(qtbot: QtBot, window: MainWindow, path: str) -> None:
    qtbot.waitUntil(lambda: states(window).get(path) == "transferring", timeout=RUN_TIMEOUT_MS)
