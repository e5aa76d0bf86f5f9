"""Unfinished-delivery offer and the History view, against real local archive deliveries and the
real state store: a delivery stopped in one window is offered by the next with its counts,
Resume fills the window and Start completes it; Discard stops the offer; a finished delivery is
not offered but is in History with its outcome and receipt; a missing folder or archive says so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from tests.gui import delivery_run_kit
from tests.gui.conftest import INDEX_TIMEOUT_MS
from tests.gui.delivery_run_kit import (
    DEMO_FILES,
    DEMO_LABEL,
    QUICK_POLLS_S,
    RUN_TIMEOUT_MS,
    SharedArchiveHandle,
    ready_window,
    states,
    wait_until_transferring,
)
from uploader_gui.app_dirs import app_dirs
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.store.state_store import StateStore
from uploader_gui.ui.delivery_history import DISCARD_CHOICE, KEEP_CHOICE
from uploader_gui.ui.history_dialog import HistoryDialog
from uploader_gui.ui.history_model import HistoryColumn
from uploader_gui.ui.main_window import MainWindow
from uploader_gui.wiring.delivery_history import read_history
from uploader_gui.wiring.session_setup import session_options

archive_factory = delivery_run_kit.archive_factory
delivery_window_factory = delivery_run_kit.delivery_window_factory
WindowFactory = Callable[..., MainWindow]
ArchiveFactory = Callable[..., LocalArchive]
BIG_FILE = "images/a.fits"
SLOW_FILES = {**DEMO_FILES, BIG_FILE: b"x" * 600_000}  # about 3 s at the slow rate
SLOW_RATE_BYTES_PER_S = 200_000.0


def next_window(window_factory: WindowFactory, archive: LocalArchive | None = None) -> MainWindow:
    """A new window on the same state store (and archive), as after a relaunch."""
    if archive is None:
        return window_factory()
    return window_factory(
        start_local_archive=lambda: SharedArchiveHandle(archive, None),
        session_options=session_options(poll_every_s=QUICK_POLLS_S),
    )


def offered_texts(window: MainWindow) -> list[str]:
    return [row.label.text() for row in window.history.banner.rows]


def history_dialog(qtbot: QtBot, window: MainWindow, rows: int) -> HistoryDialog:
    window.history.action.trigger()
    dialog = window.history.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.model.rowCount() == rows, timeout=RUN_TIMEOUT_MS)
    return dialog


def box_text(qtbot: QtBot, window: MainWindow) -> str:
    def open_boxes() -> list[QMessageBox]:
        return [box for box in window.history.boxes if box.isVisible()]

    qtbot.waitUntil(lambda: bool(open_boxes()), timeout=RUN_TIMEOUT_MS)
    return open_boxes()[-1].text()


def seed_delivery(
    source: Path, *, profile_name: str = "Local archive", states: tuple[FileState, ...] = ()
) -> int:
    """A delivery recorded in the app's store as a stopped session leaves it (no archive)."""
    with StateStore() as store:
        key = store.create_delivery(
            profile_name=profile_name,
            dataset="demo_set",
            delivery_id="0001",
            transfer_type="staging",
            source_root=str(source),
            label_path=str(DEMO_LABEL),
        )
        paths = [f"f{n}.fits" for n in range(len(states))]
        store.register_files(key, (FileFingerprint(p, 1, 1, 1) for p in paths))
        files = store.delivery_files(key)
        for path, state in zip(paths, states, strict=True):
            if state is FileState.VALID:
                for step in (FileState.PENDING, FileState.TRANSFERRING, FileState.DONE, state):
                    files.record_file_state(path, step)
        store.mark_delivery_ended(key, outcome="interrupted")
    return key


def test_a_stopped_delivery_is_offered_next_launch_and_resume_completes_it(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    archive = archive_factory()
    folder = tmp_path / "data"
    first = ready_window(
        qtbot,
        delivery_window_factory,
        archive,
        folder,
        SLOW_FILES,
        bandwidth_limit_bytes_per_s=SLOW_RATE_BYTES_PER_S,
    )
    first.delivery_panel.start_button.click()
    wait_until_transferring(qtbot, first, BIG_FILE)
    first.transfer_bar.stop_button.click()
    qtbot.waitUntil(lambda: not first.delivery.is_running, timeout=RUN_TIMEOUT_MS)
    assert first.delivery.last_end is not None
    assert first.delivery.last_end.outcome == "interrupted"
    judged = sum(state in ("valid", "invalid") for state in states(first).values())
    assert judged < len(SLOW_FILES)
    first.close()

    second = next_window(delivery_window_factory, archive)
    banner = second.history.banner
    qtbot.waitUntil(banner.isVisible, timeout=RUN_TIMEOUT_MS)
    (text,) = offered_texts(second)
    assert text.startswith(f"demo_set from data — {judged} of 4 files delivered, stopped ")
    assert text.endswith(" ago") or text.endswith("just now")
    assert banner.headline.text() == "<b>A delivery was not finished</b>"

    banner.rows[0].resume_button.click()
    panel = second.delivery_panel
    qtbot.waitUntil(panel.start_button.isEnabled, timeout=INDEX_TIMEOUT_MS)
    assert (panel.label_path, panel.folder) == (str(DEMO_LABEL), str(folder))
    assert panel.selected_archive().is_local_archive
    assert not panel.sample_checkbox.isChecked()
    qtbot.waitUntil(lambda: second.model.rowCount() == len(SLOW_FILES))  # the folder, indexed
    assert banner.rows == []
    assert "press Start to send the rest" in banner.note.text()
    assert not second.delivery.is_running  # the person presses Start, after the pre-flight

    panel.start_button.click()
    qtbot.waitUntil(lambda: not second.delivery.is_running, timeout=RUN_TIMEOUT_MS)
    assert second.delivery.last_end is not None
    assert second.delivery.last_end.outcome == "all files valid"
    assert set(states(second).values()) == {"valid"}
    with StateStore() as store:
        (summary,) = store.delivery_summaries()  # resumed the same record, not a new one
    assert summary.files_valid == len(SLOW_FILES)


def test_discard_asks_then_the_delivery_is_not_offered_again(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    key = seed_delivery(folder, states=(FileState.VALID, FileState.READY))
    first = next_window(window_factory)
    qtbot.waitUntil(first.history.banner.isVisible, timeout=RUN_TIMEOUT_MS)
    assert offered_texts(first)[0].startswith("demo_set from data — 1 of 2 files delivered")
    first.history.banner.rows[0].discard_button.click()
    assert "Nothing is deleted" in box_text(qtbot, first)
    (button,) = [b for b in first.history.boxes[-1].buttons() if b.text() == DISCARD_CHOICE]
    button.click()
    qtbot.waitUntil(lambda: not first.history.banner.isVisible(), timeout=RUN_TIMEOUT_MS)
    with StateStore() as store:
        (summary,) = store.delivery_summaries()
    assert summary.key == key
    assert summary.record.discarded_at is not None
    assert summary.files_total == 2  # only marked: its saved progress is kept
    first.close()

    second = next_window(window_factory)
    qtbot.waitUntil(lambda: second.history.has_offered, timeout=RUN_TIMEOUT_MS)
    assert not second.history.banner.isVisible()
    dialog = history_dialog(qtbot, second, rows=1)
    outcome = dialog.model.index(0, HistoryColumn.OUTCOME).data()
    assert outcome.startswith("Discarded — Stopped")
    assert not dialog.resume_button.isEnabled()


def test_a_finished_delivery_is_not_offered_and_history_opens_its_receipt(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    archive = archive_factory()
    first = ready_window(qtbot, delivery_window_factory, archive, tmp_path / "data")
    first.delivery_panel.start_button.click()
    qtbot.waitUntil(lambda: first.delivery.last_end is not None, timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not first.delivery.is_running, timeout=RUN_TIMEOUT_MS)
    json_receipt = first.delivery.receipt_paths[0]
    first.close()

    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    second = next_window(delivery_window_factory, archive)
    qtbot.waitUntil(lambda: second.history.has_offered, timeout=RUN_TIMEOUT_MS)
    assert not second.history.banner.isVisible()
    dialog = history_dialog(qtbot, second, rows=1)
    model = dialog.model
    assert model.index(0, HistoryColumn.OUTCOME).data() == "Delivered — all 4 files valid"
    assert model.index(0, HistoryColumn.DATASET).data() == "demo_set-0001 (staging)"
    assert model.index(0, HistoryColumn.FOLDER).data() == "data"
    assert model.index(0, HistoryColumn.VALID).data() == "4"
    assert model.index(0, HistoryColumn.INVALID).data() == "0"
    assert model.index(0, HistoryColumn.DURATION).data().endswith(" s")
    assert dialog.receipt_button.isEnabled()
    assert json_receipt in dialog.receipt_button.toolTip()
    assert not dialog.resume_button.isEnabled()
    dialog.receipt_button.click()
    assert [url.toLocalFile() for url in opened] == [json_receipt]


def test_resuming_a_delivery_whose_folder_is_gone_names_it_and_the_fix(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    gone = tmp_path / "unplugged-drive" / "data"
    seed_delivery(gone, states=(FileState.READY,))
    window = next_window(window_factory)
    qtbot.waitUntil(window.history.banner.isVisible, timeout=RUN_TIMEOUT_MS)
    window.history.banner.rows[0].resume_button.click()
    text = box_text(qtbot, window)
    assert f"The folder {gone} is not there any more" in text
    assert "Reconnect the drive or move the folder back" in text
    panel = window.delivery_panel
    assert (panel.folder, panel.label_path) == (None, None)  # nothing half-filled
    assert window.history.banner.rows  # still offered: it can be resumed once the folder is back


def test_resuming_a_delivery_to_an_archive_no_longer_set_up_says_how_to_add_it(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    seed_delivery(folder, profile_name="Partner archive", states=(FileState.READY,))
    window = next_window(window_factory)
    qtbot.waitUntil(window.history.banner.isVisible, timeout=RUN_TIMEOUT_MS)
    window.history.banner.rows[0].resume_button.click()
    text = box_text(qtbot, window)
    assert "The archive “Partner archive” this delivery went to is not set up any more" in text
    assert "Drop its profile file (.toml) on this window" in text
    assert window.delivery_panel.folder is None


def test_not_now_hides_the_offer(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    seed_delivery(tmp_path, states=(FileState.READY,))
    window = next_window(window_factory)
    qtbot.waitUntil(window.history.banner.isVisible, timeout=RUN_TIMEOUT_MS)
    window.history.banner.not_now_button.click()
    assert not window.history.banner.isVisible()


def test_a_first_launch_offers_nothing_and_creates_no_store(
    qtbot: QtBot, window_factory: WindowFactory
) -> None:
    window = next_window(window_factory)
    qtbot.waitUntil(lambda: window.history.has_offered, timeout=RUN_TIMEOUT_MS)
    assert not window.history.banner.isVisible()
    assert not app_dirs().state_db_path.exists()
    dialog = history_dialog(qtbot, window, rows=0)
    qtbot.waitUntil(lambda: "No deliveries yet" in dialog.status_label.text())
    assert not dialog.receipt_button.isEnabled()
    assert "No receipt" in dialog.receipt_button.toolTip()


def test_the_history_model_passes_qtmodeltester(qtmodeltester: object, tmp_path: Path) -> None:
    seed_delivery(tmp_path / "a", states=(FileState.VALID, FileState.READY))
    seed_delivery(tmp_path / "b", states=(FileState.VALID,))
    dialog = HistoryDialog()
    dialog.show_entries(read_history())
    assert dialog.model.rowCount() == 2
    qtmodeltester.check(dialog.model)  # type: ignore[attr-defined]
    dialog.model.set_entries([])
    qtmodeltester.check(dialog.model)  # type: ignore[attr-defined]
    dialog.close()


def test_resume_from_history_fills_the_window_and_closes_the_view(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    seed_delivery(folder, states=(FileState.VALID, FileState.READY))
    window = next_window(window_factory)
    dialog = history_dialog(qtbot, window, rows=1)
    assert dialog.resume_button.isEnabled()
    dialog.resume_button.click()
    panel = window.delivery_panel
    qtbot.waitUntil(lambda: panel.folder == str(folder), timeout=RUN_TIMEOUT_MS)
    assert panel.label_path == str(DEMO_LABEL)
    assert not dialog.isVisible()
    assert window.history.banner.rows == []  # no longer offered: it is in the window now


def test_discard_from_history_asks_and_the_row_says_discarded_at_once(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    finished = tmp_path / "finished"
    unfinished = tmp_path / "unfinished"
    for folder in (finished, unfinished):
        folder.mkdir()
    seed_delivery(finished, states=(FileState.VALID,))
    key = seed_delivery(unfinished, states=(FileState.VALID, FileState.READY))
    window = next_window(window_factory)
    qtbot.waitUntil(window.history.banner.isVisible, timeout=RUN_TIMEOUT_MS)
    dialog = history_dialog(qtbot, window, rows=2)
    dialog.table.selectRow(1)  # the finished one (older): nothing to discard
    assert not dialog.discard_button.isEnabled()
    assert "Only unfinished deliveries" in dialog.discard_button.toolTip()
    dialog.table.selectRow(0)
    assert dialog.discard_button.isEnabled()

    dialog.discard_button.click()  # Keep it: nothing changes
    assert "Nothing is deleted" in box_text(qtbot, window)
    box = window.history.boxes[-1]
    assert box.parent() is dialog  # asked in front of the view it was pressed in
    (keep,) = [b for b in box.buttons() if b.text() == KEEP_CHOICE]
    keep.click()
    assert dialog.discard_button.isEnabled()
    assert window.history.banner.rows

    dialog.discard_button.click()
    box_text(qtbot, window)
    (discard,) = [b for b in window.history.boxes[-1].buttons() if b.text() == DISCARD_CHOICE]
    discard.click()
    outcome = dialog.model.index(0, HistoryColumn.OUTCOME)
    qtbot.waitUntil(lambda: outcome.data().startswith("Discarded — "), timeout=RUN_TIMEOUT_MS)
    assert not dialog.discard_button.isEnabled()
    assert not dialog.resume_button.isEnabled()
    assert window.history.banner.rows == []  # no longer offered on the window either
    with StateStore() as store:
        summaries = {summary.key: summary for summary in store.delivery_summaries()}
    assert summaries[key].record.discarded_at is not None
    assert summaries[key].files_total == 2  # only marked: its saved progress is kept
    # The re-read after the discard keeps the person's place on the discarded delivery.
    qtbot.waitUntil(lambda: dialog.selected_entry() is not None)
    selected = dialog.selected_entry()
    assert selected is not None
    assert selected.summary.key == key
