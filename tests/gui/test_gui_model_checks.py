"""Qt's own model tester (`QAbstractItemModelTester`, through pytest-qt's `qtmodeltester`) on
every model the window shows, each in the states a person sees: the file table empty, filled by
a real index through the bridge, with rows changing state, sorted, trimmed and cleared; the
filter proxy on each state group with a search while its source changes; a real delivery's
table; and the text tables of the skipped-files and problems windows.

The tester stays connected and re-checks the whole model on every signal, and any complaint
fails the test (pytest-qt reports "Qt modeltester errors"), so each test drives the model
through a person's steps and then asserts what that person would read.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QAbstractItemModel, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from tests.gui import delivery_run_kit
from tests.gui.conftest import INDEX_TIMEOUT_MS, WindowFactory, drop_folder, make_tree
from tests.gui.delivery_run_kit import RUN_TIMEOUT_MS, ready_window, states
from uploader_gui.core.delivery.problems import Problem
from uploader_gui.core.events import FileStateChanged, FileTransferProgressed, VerdictReceived
from uploader_gui.core.formatting import state_label
from uploader_gui.core.state_groups import StateGroup, states_of
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.ui import file_table_model
from uploader_gui.ui.engine_bridge import EngineBridge
from uploader_gui.ui.file_filter import FileFilterProxy
from uploader_gui.ui.file_table_model import Column, FileRow, FileTableModel, FileUpdate
from uploader_gui.ui.index_worker import IndexRunner
from uploader_gui.ui.problems_dialog import NOTE_KIND, PROBLEM_KIND, ProblemsTableModel
from uploader_gui.ui.skipped_dialog import SkippedTableModel
from uploader_gui.ui.text_table_model import TextTableModel

archive_factory = delivery_run_kit.archive_factory
delivery_window_factory = delivery_run_kit.delivery_window_factory
ModelCheck = Callable[[QAbstractItemModel], None]
ArchiveFactory = Callable[..., LocalArchive]
# Small: the tester re-reads every cell in every role on every signal.
FOLDER_FILES = 60
STATES_SEEN = ("pending", "transferring", "retrying", "done", "valid", "invalid", "failed")
ORDERS = (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder)


@pytest.fixture
def model_check(request: pytest.FixtureRequest) -> Iterator[ModelCheck]:
    """Attach Qt's tester to any number of models (pytest-qt's fixture holds one)."""
    testers: list[ModelTester] = []

    def check(model: QAbstractItemModel) -> None:
        tester = ModelTester(request.config)
        tester.check(model)
        testers.append(tester)

    yield check
    for tester in testers:
        tester._cleanup()


def survey_folder(root: Path, count: int = FOLDER_FILES) -> Path:
    """`count` tiny files in three folders (sizes 0 to 4 bytes)."""
    return make_tree(
        root, {f"night-{n % 3}/frame-{n:03d}.fits": b"x" * (n % 5) for n in range(count)}
    )


def index_through_bridge(qtbot: QtBot, bridge: EngineBridge, root: Path) -> IndexRunner:
    """The window's path: a real index on its thread, its events drained by the bridge."""
    runner = IndexRunner(bridge)
    with qtbot.waitSignal(bridge.indexFinished, timeout=INDEX_TIMEOUT_MS):
        runner.start(str(root))
    return runner


def shown(model: QAbstractItemModel, column: Column = Column.PATH) -> list[Any]:
    return [model.index(row, column).data() for row in range(model.rowCount())]


def deliver_some(bridge: EngineBridge, paths: list[str], rng: random.Random) -> dict[str, str]:
    """Engine events for a scattered handful of files, as one drain applies them."""
    final: dict[str, str] = {}
    for number, path in enumerate(rng.sample(paths, 2 * len(STATES_SEEN))):
        state = STATES_SEEN[number % len(STATES_SEEN)]
        bridge.put(FileStateChanged(path, "ready", "pending"))
        bridge.put(FileTransferProgressed(path, 2, 4))
        if state == "invalid":
            verdict = VerdictReceived(
                path, "done", state, "bad header\nline 2", status="invalid", message="no"
            )
            bridge.put(verdict)
        else:
            bridge.put(FileStateChanged(path, "pending", state, "timed out" * (state == "failed")))
        final[path] = state
    bridge.drain_now()
    return final


def test_the_file_table_stays_valid_from_empty_through_index_delivery_and_sorts(
    qtbot: QtBot, model_check: ModelCheck, tmp_path: Path
) -> None:
    model = FileTableModel()
    model_check(model)  # empty, as the window starts
    bridge = EngineBridge(model)
    runner = index_through_bridge(qtbot, bridge, survey_folder(tmp_path / "survey"))
    paths = sorted(model.path_at(row) for row in range(model.rowCount()))
    assert len(paths) == FOLDER_FILES
    final = deliver_some(bridge, paths, random.Random(7))
    for column in Column:
        for order in ORDERS:
            model.sort(column, order)
    model.sort(Column.PATH, Qt.SortOrder.AscendingOrder)
    assert shown(model) == paths
    assert {path: model.state_at(model.row_of(path) or 0) for path in final} == final
    invalid = [path for path, state in final.items() if state == "invalid"]
    assert invalid
    for path in invalid:
        assert model.message_at(model.row_of(path) or 0) == "bad header\nline 2"
    runner.start(str(survey_folder(tmp_path / "smaller", FOLDER_FILES // 2)))  # another folder
    qtbot.waitUntil(lambda: model.rowCount() == FOLDER_FILES // 2, timeout=INDEX_TIMEOUT_MS)
    runner.shutdown()
    bridge.stop()
    model.clear()
    assert model.rowCount() == 0


def test_the_file_table_stays_valid_when_rows_are_trimmed_corrected_and_scattered(
    model_check: ModelCheck, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A layout change instead of per-run dataChanged past this many runs; lowered so a small
    # table takes that path too (at its real value it needs over 2,000 rows).
    monkeypatch.setattr(file_table_model, "MAX_CHANGED_RUNS", 3)
    model = FileTableModel()
    model_check(model)
    model.sort(Column.SIZE, Qt.SortOrder.DescendingOrder)
    model.append_rows(FileRow(f"a/{n:02d}.fits", n % 4, "ready") for n in range(30))
    model.apply_file_updates(
        {f"a/{n:02d}.fits": FileUpdate(state="valid") for n in range(0, 30, 3)}
    )
    model.append_rows([FileRow("a/01.fits", 99, "ready"), FileRow("b/new.fits", 1, "ready")])
    assert model.retain_paths({f"a/{n:02d}.fits" for n in range(0, 30, 2)} | {"b/new.fits"}) == 15
    sizes = shown(model, Column.SIZE)
    assert model.rowCount() == 16
    assert model.state_counts() == {"ready": 11, "valid": 5}
    assert sizes[-1] == "0 B"  # still largest first after the changes


@pytest.mark.parametrize("group", list(StateGroup))
def test_the_filter_proxy_stays_valid_on_each_group_with_a_search_while_the_source_changes(
    qtbot: QtBot, model_check: ModelCheck, tmp_path: Path, group: StateGroup
) -> None:
    model = FileTableModel()
    proxy = FileFilterProxy(model)
    model_check(proxy)
    proxy.sort(Column.PATH, Qt.SortOrder.AscendingOrder)  # as the window's header asks
    proxy.set_group(group)
    proxy.set_search("NIGHT-1")
    bridge = EngineBridge(model)
    runner = index_through_bridge(qtbot, bridge, survey_folder(tmp_path / "survey"))
    paths = sorted(model.path_at(row) for row in range(model.rowCount()))
    rng = random.Random(group.value)
    final = {path: "ready" for path in paths}
    for _ in range(3):
        final.update(deliver_some(bridge, paths, rng))
        proxy.sort(rng.choice(list(Column)), rng.choice(ORDERS))
    proxy.sort(Column.PATH, Qt.SortOrder.AscendingOrder)
    wanted = states_of(group)
    expected = [
        path for path in paths if "night-1" in path and (wanted is None or final[path] in wanted)
    ]
    assert proxy.visible_paths() == expected
    assert shown(proxy) == expected
    proxy.set_search("")
    assert proxy.rowCount() == sum(wanted is None or s in wanted for s in final.values())
    model.retain_paths(set(paths[::2]))
    assert set(proxy.visible_paths()) <= set(paths[::2])
    runner.shutdown()
    bridge.stop()
    model.clear()
    assert proxy.rowCount() == 0


def test_a_real_delivery_keeps_the_windows_table_and_filter_valid(
    qtbot: QtBot,
    model_check: ModelCheck,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    archive = archive_factory()
    window = ready_window(qtbot, delivery_window_factory, archive, tmp_path / "data")
    model_check(window.model)  # from here on, every signal of the delivery is checked
    model_check(window.proxy)
    window.filter_bar.search_box.setText("fits")
    qtbot.waitUntil(lambda: window.proxy.rowCount() == 2)
    window.delivery_panel.start_button.click()
    qtbot.waitUntil(lambda: set(states(window).values()) == {"valid"}, timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.delivery.is_running, timeout=RUN_TIMEOUT_MS)
    assert window.proxy.visible_paths() == ["images/a.fits", "images/b.fits"]
    assert shown(window.proxy, Column.STATE) == [state_label("valid")] * 2


def test_the_skipped_files_table_from_a_real_index_is_valid(
    qtbot: QtBot, model_check: ModelCheck, window_factory: WindowFactory, tmp_path: Path
) -> None:
    window = window_factory()
    folder = make_tree(
        tmp_path / "data",
        {"a.fits": b"1", ".DS_Store": b"junk", "raw/Thumbs.db": b"junk", "raw/b.fits~": b"old"},
    )
    drop_folder(window, folder)
    qtbot.waitUntil(lambda: window.folder_index is not None, timeout=INDEX_TIMEOUT_MS)
    window.show_skipped()
    assert window.skipped_dialog is not None
    model: SkippedTableModel = window.skipped_dialog.model
    model_check(model)
    assert sorted(model.index(row, 0).data() for row in range(model.rowCount())) == [
        ".DS_Store",
        "raw/Thumbs.db",
        "raw/b.fits~",
    ]


def test_the_problems_table_is_valid_empty_and_with_problems_and_notes(
    model_check: ModelCheck,
) -> None:
    empty = ProblemsTableModel([])
    model_check(empty)
    problems = [
        Problem("label.yaml", "no dataset", line=3, key="dataset", fix="add `dataset:`"),
        Problem("index.csv", "unknown file\udcff"),
    ]
    model = ProblemsTableModel(problems, [Problem("label.yaml", "old schema", fix="update")])
    model_check(model)
    text = TextTableModel(("Path", "Why"), [])
    model_check(text)
    assert empty.rowCount() == 0
    assert text.rowCount() == 0
    assert shown(model, Column.PATH) == [PROBLEM_KIND, PROBLEM_KIND, NOTE_KIND]
    assert model.row_texts(0) == (
        "Problem",
        "label.yaml",
        "3",
        "dataset",
        "no dataset",
        "add `dataset:`",
    )
    assert model.row_texts(1)[1:3] == ("index.csv", "")
    assert model.index(1, 4).data() == "unknown file\\udcff"
