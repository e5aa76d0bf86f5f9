"""The engine bridge: events from any thread reach the table in batches, never one signal each."""

from __future__ import annotations

import itertools
import math
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.delivery.folder_index import FolderIndex, SkippedEntry
from uploader_gui.core.events import (
    FileStateChanged,
    IndexEntrySkipped,
    IndexFilesFound,
    IndexProgressed,
)
from uploader_gui.ui import engine_bridge
from uploader_gui.ui.engine_bridge import (
    MAX_FOUND_IN_ORDER_PER_DRAIN,
    MAX_ROWS_PER_DRAIN,
    EngineBridge,
    IndexCancelled,
    IndexFailed,
    IndexResultReady,
    IndexSummary,
)
from uploader_gui.ui.file_table_model import Column, FileRow, FileTableModel


class Counter:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def __call__(self, *args: Any) -> None:
        self.calls.append(args)


def make_bridge(qtbot: QtBot) -> tuple[EngineBridge, FileTableModel]:
    del qtbot  # asked for so a QApplication exists
    model = FileTableModel()
    return EngineBridge(model), model


def folder_index(file_count: int, skipped: tuple[SkippedEntry, ...] = ()) -> FolderIndex:
    files = tuple(
        FileFingerprint(path=f"f/{i:06d}.dat", size_bytes=i, mtime_ns=0, crc32=None)
        for i in range(file_count)
    )
    return FolderIndex(root=Path("/data/survey"), files=files, skipped=skipped)


def test_events_from_a_worker_thread_arrive_as_one_batch(qtbot: QtBot) -> None:
    bridge, model = make_bridge(qtbot)
    model.append_rows([FileRow(f"f/{i:04d}", 1, "ready") for i in range(1000)])
    changed, progressed, applied = Counter(), Counter(), Counter()
    model.dataChanged.connect(changed)
    bridge.indexProgressed.connect(progressed)
    bridge.batchApplied.connect(applied)

    def produce() -> None:
        for i in range(1000):
            bridge.put(FileStateChanged(f"f/{i:04d}", "ready", "pending"))
            bridge.put(IndexProgressed(i + 1, 1000, i + 1, 1000, 10.0))

    producer = threading.Thread(target=produce)
    producer.start()
    producer.join()
    with qtbot.waitSignal(bridge.batchApplied):
        pass  # the bridge's own timer drains the queue
    assert len(changed.calls) == 1  # rows 0..999 are one contiguous range
    assert len(progressed.calls) == 1
    assert progressed.calls[0][0].files_done == 1000  # only the latest progress is shown
    assert applied.calls == [(2000,)]
    assert {model.state_at(r) for r in range(1000)} == {"pending"}


def test_events_of_a_replaced_run_are_dropped(qtbot: QtBot) -> None:
    bridge, _ = make_bridge(qtbot)
    failed, progressed = Counter(), Counter()
    bridge.indexFailed.connect(failed)
    bridge.indexProgressed.connect(progressed)
    old_emit = bridge.emitter_for(bridge.begin_generation())
    new_emit = bridge.emitter_for(bridge.begin_generation())
    old_emit(IndexFailed("/old", "old run failed"))
    new_emit(IndexProgressed(1, 2, 3, 4, 5.0))
    assert bridge.drain_now() == 1
    assert failed.calls == []
    assert len(progressed.calls) == 1


def test_a_finished_index_of_50000_files_fills_the_table_in_a_few_inserts(qtbot: QtBot) -> None:
    bridge, model = make_bridge(qtbot)
    inserts: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserts.append((first, last)))
    junk = SkippedEntry(".DS_Store", "junk file", is_junk=True, is_problem=False)
    emit = bridge.emitter_for(bridge.begin_generation())
    emit(IndexEntrySkipped(".DS_Store", "junk file", is_junk=True))
    emit(IndexResultReady(folder_index(50_000, (junk,))))
    with qtbot.waitSignal(bridge.indexFinished, timeout=10_000) as finished:
        pass
    summary: IndexSummary = finished.args[0]
    assert model.rowCount() == 50_000
    assert len(inserts) == math.ceil(50_000 / MAX_ROWS_PER_DRAIN)
    assert inserts[0] == (0, MAX_ROWS_PER_DRAIN - 1)
    assert (summary.files, summary.bytes_total) == (50_000, sum(range(50_000)))
    assert summary.root == "/data/survey"
    # The finished index is the authority: the live event and the final list are not doubled.
    assert [item.path for item in bridge.skipped] == [".DS_Store"]
    assert summary.junk_count == 1
    assert summary.problem_count == 0


def test_a_finished_index_of_files_already_shown_is_checked_a_share_per_drain(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Checked for CHECK_BUDGET_S a drain, a chunk at a time: a million once took seconds. The
    # fake clock moves a third of the budget per look, so each drain checks three chunks.
    monkeypatch.setattr(engine_bridge, "CHECK_CHUNK", 100)
    ticks = itertools.count()
    bridge = EngineBridge(
        model := FileTableModel(), clock=lambda: next(ticks) * engine_bridge.CHECK_BUDGET_S / 3
    )
    index = folder_index(1_000)
    emit = bridge.emitter_for(bridge.begin_generation())
    model.append_rows(FileRow(f.path, f.size_bytes, "ready") for f in index.files)  # all found
    finished, inserted = Counter(), Counter()
    bridge.indexFinished.connect(finished)
    model.rowsInserted.connect(inserted)
    emit(IndexResultReady(index))
    drains = 0
    while not finished.calls:
        bridge.drain_now()
        drains += 1
    assert drains == 4  # 300 + 300 + 300 + 100 files checked
    assert inserted.calls == []  # every file was already shown: nothing added twice
    assert model.rowCount() == 1_000
    assert finished.calls[0][0].files == 1_000


def test_starting_a_new_run_clears_the_table_and_skipped_list(qtbot: QtBot) -> None:
    bridge, model = make_bridge(qtbot)
    emit = bridge.emitter_for(bridge.begin_generation())
    emit(IndexEntrySkipped("Thumbs.db", "junk file", is_junk=True))
    emit(IndexResultReady(folder_index(3)))
    with qtbot.waitSignal(bridge.indexFinished):
        pass
    assert model.rowCount() == 3
    bridge.begin_generation()
    assert model.rowCount() == 0
    assert bridge.skipped == ()


def found(paths_and_sizes: list[tuple[str, int]]) -> IndexFilesFound:
    return IndexFilesFound(tuple(paths_and_sizes))


def table(model: FileTableModel) -> dict[str, int]:
    return {model.path_at(row): model.size_at(row) for row in range(model.rowCount())}


def test_files_found_while_indexing_are_shown_before_the_index_finishes(qtbot: QtBot) -> None:
    bridge, model = make_bridge(qtbot)
    finished = Counter()
    bridge.indexFinished.connect(finished)
    emit = bridge.emitter_for(bridge.begin_generation())
    emit(found([("f/000002.dat", 2), ("f/000000.dat", 0)]))
    emit(found([("f/000001.dat", 1)]))
    bridge.drain_now()
    assert table(model) == {"f/000000.dat": 0, "f/000001.dat": 1, "f/000002.dat": 2}
    assert finished.calls == []


def test_found_rows_arrive_at_most_max_rows_per_drain_at_a_time(qtbot: QtBot) -> None:
    bridge, model = make_bridge(qtbot)
    inserts: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _p, first, last: inserts.append((first, last)))
    emit = bridge.emitter_for(bridge.begin_generation())
    batch = 2_000
    total = 2 * MAX_ROWS_PER_DRAIN + batch
    for start in range(0, total, batch):
        emit(found([(f"f/{i:06d}.dat", i) for i in range(start, start + batch)]))
    counts = []
    while model.rowCount() < total:
        bridge.drain_now()
        counts.append(model.rowCount())
    # One insert (so one sort) per drain, however many batches the drain took.
    assert counts == [MAX_ROWS_PER_DRAIN, 2 * MAX_ROWS_PER_DRAIN, total]
    assert len(inserts) == 3


def test_the_finished_index_removes_found_files_it_left_out_and_corrects_sizes(
    qtbot: QtBot,
) -> None:
    bridge, model = make_bridge(qtbot)
    emit = bridge.emitter_for(bridge.begin_generation())
    # Found early: f/000001.dat then changed while read (a problem); f/000002.dat grew.
    emit(found([("f/000000.dat", 0), ("f/000001.dat", 1), ("f/000002.dat", 99)]))
    bridge.drain_now()
    assert model.rowCount() == 3
    index = folder_index(4)
    problem = SkippedEntry("f/000001.dat", "changed while it was being read", False, True)
    files = tuple(f for f in index.files if f.path != "f/000001.dat")
    emit(IndexResultReady(FolderIndex(index.root, files, (problem,))))
    with qtbot.waitSignal(bridge.indexFinished) as finished:
        pass
    assert table(model) == {"f/000000.dat": 0, "f/000002.dat": 2, "f/000003.dat": 3}
    assert finished.args[0].problem_count == 1


def test_while_sorted_by_path_found_files_show_in_short_appends_at_once(qtbot: QtBot) -> None:
    # As the window's table: found in path order, each batch goes at the end with no sort, so
    # small appends cost the GUI thread little and nothing waits for a bigger batch.
    bridge, model = make_bridge(qtbot)
    model.sort(Column.PATH, Qt.SortOrder.AscendingOrder)
    inserts: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserts.append((first, last)))
    emit = bridge.emitter_for(bridge.begin_generation())
    emit(found([("f/000000.dat", 0)]))
    bridge.drain_now()
    assert model.rowCount() == 1  # one file found is shown, not held for more
    emit(found([(f"f/{i:06d}.dat", i) for i in range(1, 2 * MAX_FOUND_IN_ORDER_PER_DRAIN + 1)]))
    bridge.drain_now()
    assert model.rowCount() == 1 + MAX_FOUND_IN_ORDER_PER_DRAIN
    bridge.drain_now()
    assert inserts == [
        (0, 0),
        (1, MAX_FOUND_IN_ORDER_PER_DRAIN),
        (MAX_FOUND_IN_ORDER_PER_DRAIN + 1, 2 * MAX_FOUND_IN_ORDER_PER_DRAIN),
    ]


def test_a_cancelled_or_failed_run_leaves_none_of_its_found_rows(qtbot: QtBot) -> None:
    bridge, model = make_bridge(qtbot)
    for ending in (IndexCancelled("/data/survey"), IndexFailed("/data/survey", "gone")):
        emit = bridge.emitter_for(bridge.begin_generation())
        emit(found([(f"f/{i:06d}.dat", i) for i in range(MAX_ROWS_PER_DRAIN + 5)]))
        bridge.drain_now()
        assert model.rowCount() == MAX_ROWS_PER_DRAIN  # the rest still waits
        emit(ending)
        bridge.drain_now()
        bridge.drain_now()
        assert model.rowCount() == 0


def test_found_rows_of_a_replaced_run_never_reach_the_table(qtbot: QtBot) -> None:
    bridge, model = make_bridge(qtbot)
    old_emit = bridge.emitter_for(bridge.begin_generation())
    bridge.emitter_for(bridge.begin_generation())
    old_emit(found([("old.dat", 1)]))
    bridge.drain_now()
    assert model.rowCount() == 0
