"""The file details pane with real widgets: select a file, read its history from the real state
store a delivery wrote, copy it as plain text; before any delivery, what the table knows."""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from tests.gui import delivery_run_kit
from tests.gui.conftest import INDEX_TIMEOUT_MS, WindowFactory, drop_folder, make_tree
from tests.gui.delivery_run_kit import DEMO_FILES, RUN_TIMEOUT_MS, messages, ready_window, states
from uploader_gui.core.file_timeline import NO_HISTORY_TEXT, FileDetails
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.ui.file_details_pane import COPIED_TEXT
from uploader_gui.ui.main_window import MainWindow

archive_factory = delivery_run_kit.archive_factory
delivery_window_factory = delivery_run_kit.delivery_window_factory
ArchiveFactory = Callable[..., LocalArchive]
INVALID_FILE = "catalog_main.parquet"


def click_file(qtbot: QtBot, window: MainWindow, path: str) -> None:
    """A real click on the file's row, wherever sorting and filtering put it."""
    row = window.proxy.visible_paths().index(path)
    table = window.table
    rect = table.visualRect(window.proxy.index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def indexed_window(
    qtbot: QtBot, window: MainWindow, folder: Path, files: dict[str, bytes]
) -> MainWindow:
    with qtbot.waitSignal(window.bridge.indexFinished, timeout=INDEX_TIMEOUT_MS):
        drop_folder(window, make_tree(folder, files))
    return window


def details_text(window: MainWindow) -> str:
    return window.details.pane.text.toPlainText()


def test_before_a_delivery_a_selected_file_shows_what_the_table_knows(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    window = indexed_window(
        qtbot, window_factory(), tmp_path / "data", {"a.txt": b"hi", "sub/b.bin": b"x" * 2048}
    )
    assert not window.details.dock.isVisible()
    click_file(qtbot, window, "sub/b.bin")
    assert window.details.dock.isVisible()
    text = details_text(window)
    assert text.splitlines() == [
        "sub/b.bin",
        "Size: 2.00 KiB (2,048 bytes)",
        "State: ready",
        "",
        NO_HISTORY_TEXT,
    ]
    window.details.pane.copy_button.click()
    assert QGuiApplication.clipboard().text() == text
    assert window.details.pane.copied_label.text() == COPIED_TEXT
    click_file(qtbot, window, "a.txt")
    assert details_text(window).splitlines()[0] == "a.txt"
    assert not window.details.pane.copied_label.text()  # "Copied" was about the other file
    # Searched down to one file, the first row shown is the model's second: still that file.
    qtbot.keyClicks(window.filter_bar.search_box, "b.bin")
    qtbot.waitUntil(lambda: window.proxy.visible_paths() == ["sub/b.bin"])
    click_file(qtbot, window, "sub/b.bin")
    assert details_text(window).splitlines()[0] == "sub/b.bin"


def test_an_invalid_file_shows_its_attempts_crc_and_the_validators_full_message(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    archive = archive_factory(invalid_globs=("*.parquet",))
    window = ready_window(qtbot, delivery_window_factory, archive, tmp_path / "data")
    click_file(qtbot, window, INVALID_FILE)  # selected before the delivery: no history yet
    assert NO_HISTORY_TEXT in details_text(window)
    window.delivery_panel.start_button.click()
    # The pane follows the selected file as the delivery goes, without selecting it again.
    qtbot.waitUntil(lambda: "\nState: invalid\n" in details_text(window), timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.delivery.last_end is not None, timeout=RUN_TIMEOUT_MS)
    assert states(window)[INVALID_FILE] == "invalid"
    verdict = messages(window)[INVALID_FILE]
    assert verdict
    crc32 = f"{zlib.crc32(DEMO_FILES[INVALID_FILE]):08x}"
    text = details_text(window)
    lines = text.splitlines()
    assert lines[:3] == [INVALID_FILE, "Size: 1 byte", "State: invalid"]
    assert "Attempts: 1" in lines
    assert f"CRC32: {crc32}" in lines
    assert NO_HISTORY_TEXT not in text
    timeline = [line.split("  ", 1)[1] for line in lines[lines.index("Timeline") + 1 :]]
    events = [line for line in timeline if line and not line.startswith(" ")]
    assert "queued" in events
    assert "uploading (attempt 1)" in events
    assert f"uploaded, CRC32 {crc32}" in events
    assert events.index("uploading (attempt 1)") < events.index(f"uploaded, CRC32 {crc32}")
    # The validator's whole message, every line of it, on the verdict's line and below it.
    first, *rest = verdict.rstrip().split("\n")
    verdict_at = timeline.index(f"invalid: {first}")
    assert [line.strip() for line in timeline[verdict_at + 1 :]][: len(rest)] == rest
    window.details.pane.copy_button.click()
    assert QGuiApplication.clipboard().text() == text
    # Another file of the same delivery: its own history, valid.
    click_file(qtbot, window, "README.md")
    qtbot.waitUntil(lambda: details_text(window).startswith("README.md\n"))
    qtbot.waitUntil(lambda: "\nState: valid\n" in details_text(window))
    assert "valid" in [line.split("  ", 1)[-1] for line in details_text(window).splitlines()]


def test_an_answer_for_an_earlier_selection_is_not_shown(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    gates = {"a.txt": threading.Event(), "b.txt": threading.Event()}

    def held_back(store_path: Path | None, key: int, path: str) -> FileDetails:
        gates[path].wait()
        return FileDetails(path, 2, "valid", attempts=3, has_history=True)

    window = indexed_window(
        qtbot,
        window_factory(read_details=held_back),
        tmp_path / "data",
        {"a.txt": b"hi", "b.txt": b"yo"},
    )
    window.details.delivery_key = 1  # as if a delivery had opened its record
    click_file(qtbot, window, "a.txt")
    click_file(qtbot, window, "b.txt")
    with qtbot.waitSignal(window.details.reader.read):
        gates["a.txt"].set()
    assert not details_text(window).startswith("a.txt")  # its answer came too late
    assert "Attempts: 3" not in details_text(window)
    with qtbot.waitSignal(window.details.reader.read):
        gates["b.txt"].set()
    assert details_text(window).splitlines()[:3] == ["b.txt", "Size: 2 B", "State: valid"]
    assert "Attempts: 3" in details_text(window)


def test_enter_on_a_row_reopens_a_closed_pane(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    window = indexed_window(qtbot, window_factory(), tmp_path / "data", {"a.txt": b"hi"})
    click_file(qtbot, window, "a.txt")
    window.details.dock.close()
    assert not window.details.dock.isVisible()
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    assert window.details.dock.isVisible()
    assert details_text(window).startswith("a.txt\n")
    toggle = window.details.dock.toggleViewAction()  # View ▸ File details
    assert toggle in window.details.view_menu.actions()
    assert toggle.text() == "&File details"
    toggle.trigger()
    assert not window.details.dock.isVisible()
    toggle.trigger()
    assert window.details.dock.isVisible()
