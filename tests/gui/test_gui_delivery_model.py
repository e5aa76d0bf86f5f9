"""The file table's delivery columns: progress and messages applied in batches stay a valid
model (qtmodeltester), one dataChanged per range, and the bridge keeps the newest per file."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from uploader_gui.core.events import (
    FileStateChanged,
    FileTransferProgressed,
    VerdictReceived,
)
from uploader_gui.ui.engine_bridge import EngineBridge
from uploader_gui.ui.file_table_model import Column, FileRow, FileTableModel, FileUpdate


def model_with(count: int) -> FileTableModel:
    model = FileTableModel()
    model.append_rows(FileRow(f"f/{i:03d}.fits", 1000, "ready") for i in range(count))
    return model


def cell(model: FileTableModel, path: str, column: Column) -> Any:
    row = model.row_of(path)
    assert row is not None
    return model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)


def test_progress_and_messages_keep_the_model_valid(qtmodeltester: Any) -> None:
    model = model_with(20)
    qtmodeltester.check(model)
    model.apply_file_updates(
        {
            "f/003.fits": FileUpdate(state="transferring", bytes_done=420),
            "f/004.fits": FileUpdate(state="invalid", message="bad header\nline 2"),
        }
    )
    model.sort(Column.PROGRESS, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)
    assert cell(model, "f/003.fits", Column.PROGRESS) == "42 %"
    assert cell(model, "f/004.fits", Column.MESSAGE) == "bad header; line 2"
    assert model.state_counts() == {"ready": 18, "transferring": 1, "invalid": 1}


def test_a_drain_keeps_the_newest_progress_per_file_and_one_change_per_range(
    qtbot: QtBot,
) -> None:
    model = model_with(10)
    bridge = EngineBridge(model)
    changes: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(
        lambda a, b, roles: changes.append((a.row(), b.row(), a.column(), b.column()))
    )
    for done in (100, 500, 900):
        for i in (2, 3, 4):
            bridge.put(FileTransferProgressed(f"f/{i:03d}.fits", done, 1000))
    bridge.put(FileStateChanged("f/007.fits", "transferring", "done"))
    bridge.put(
        VerdictReceived(
            path="f/007.fits",
            old_state="done",
            new_state="invalid",
            reason="checksum: mismatch",
            status="error",
            message="{checksum: mismatch}",
        )
    )
    counts: list[dict[str, int]] = []
    bridge.fileCountsChanged.connect(counts.append)
    assert bridge.drain_now() == 11
    state, message = int(Column.STATE), int(Column.MESSAGE)
    assert changes == [(2, 4, state, message), (7, 7, state, message)]
    assert [cell(model, f"f/{i:03d}.fits", Column.PROGRESS) for i in (2, 3, 4)] == ["90 %"] * 3
    assert cell(model, "f/007.fits", Column.STATE) == "invalid"
    assert cell(model, "f/007.fits", Column.MESSAGE) == "checksum: mismatch"
    assert counts == [{"ready": 9, "invalid": 1}]
    bridge.stop()


def test_cancel_back_to_ready_clears_progress_and_the_old_error() -> None:
    model = model_with(2)
    model.apply_file_updates({"f/000.fits": FileUpdate(state="failed", message="timed out")})
    model.apply_file_updates({"f/000.fits": FileUpdate(bytes_done=300)})
    assert cell(model, "f/000.fits", Column.PROGRESS) == "30 %"
    model.apply_file_updates({"f/000.fits": FileUpdate(state="ready", message="")})
    assert cell(model, "f/000.fits", Column.PROGRESS) == ""
    assert cell(model, "f/000.fits", Column.MESSAGE) == ""
