"""Save support bundle… at the end of a delivery: the button is there, the chosen zip holds the
log, the receipt and the invalid file's verdict and no secret; a target that cannot be written
says which file and what to do."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from tests.gui import delivery_run_kit
from tests.gui.delivery_run_kit import RUN_TIMEOUT_MS, messages, ready_window
from uploader_gui import __version__
from uploader_gui.app_dirs import app_dirs
from uploader_gui.core.engine.session_states import SessionOutcome
from uploader_gui.core.events import SessionEnded
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.ui.main_window import MainWindow

archive_factory = delivery_run_kit.archive_factory
delivery_window_factory = delivery_run_kit.delivery_window_factory
WindowFactory = Callable[..., MainWindow]
ArchiveFactory = Callable[..., LocalArchive]


def chooser_of(path: Path, asked: list[str]) -> Callable[[QWidget, str], str | None]:
    def choose(parent: QWidget, suggested: str) -> str | None:
        asked.append(suggested)
        return str(path)

    return choose


def test_after_an_invalid_verdict_the_saved_bundle_holds_what_the_help_desk_needs(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    tmp_path: Path,
) -> None:
    archive = archive_factory(invalid_globs=("*.parquet",))
    window = ready_window(qtbot, delivery_window_factory, archive, tmp_path / "data")
    profile = window.delivery_panel.delivery_profile()
    assert profile is not None
    assert profile.credentials is not None
    secret = profile.credentials.secret_access_key
    logs = app_dirs().data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    (logs / "uploader-gui.log").write_text(f"INFO started\nDEBUG careless {secret}\n", "utf-8")
    window.delivery_panel.start_button.click()
    qtbot.waitUntil(lambda: window.delivery.last_end is not None, timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.delivery.is_running, timeout=RUN_TIMEOUT_MS)
    summary = window.transfer_bar.end_summary
    assert summary.bundle_button.isVisible()
    target = tmp_path / "for-the-help-desk.zip"
    asked: list[str] = []
    window.delivery.bundle_saver.chooser = chooser_of(target, asked)

    with qtbot.waitSignal(window.delivery.bundle_saver.saved, timeout=RUN_TIMEOUT_MS):
        summary.bundle_button.click()

    assert asked  # the person was asked where, with a suggested name
    assert asked[0].endswith(".zip")
    assert summary.bundle_label.isVisible()
    assert summary.bundle_label.text() == f"Support bundle saved: {target}"
    with zipfile.ZipFile(target) as bundle:
        contents = {name: bundle.read(name).decode("utf-8") for name in bundle.namelist()}
    assert "INFO started" in contents["logs/uploader-gui.log"]
    receipts = [Path(p).name for p in window.delivery.receipt_paths]
    assert receipts
    assert all(f"receipts/{name}" in contents for name in receipts)
    delivery = json.loads(contents["delivery.json"])
    (invalid,) = delivery["files_not_valid"]
    assert invalid["path"] == "catalog_main.parquet"
    assert invalid["verdict_message"].strip() == messages(window)["catalog_main.parquet"].strip()
    about = json.loads(contents["about.json"])
    assert about["versions"]["app"] == __version__
    assert about["versions"]["qt"]
    assert json.loads(contents["profile.json"])["name"] == profile.name
    for name, text in contents.items():
        assert secret not in text, name


def ended_with_problems() -> SessionEnded:
    outcome = SessionOutcome.WITH_PROBLEMS
    return SessionEnded(
        outcome.value,
        outcome.final_state.value,
        "1 invalid",
        files_total=2,
        files_valid=1,
        files_invalid=1,
        files_failed=0,
        exit_status=outcome.exit_status,
    )


def test_a_target_that_cannot_be_written_says_which_file_and_the_fix(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    window = window_factory()
    window.transfer_bar.show()
    window.transfer_bar.show_end(ended_with_problems())
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("a file, not a folder", "utf-8")
    target = not_a_folder / "bundle.zip"
    window.delivery.bundle_saver.chooser = chooser_of(target, [])
    summary = window.transfer_bar.end_summary

    with qtbot.waitSignal(window.delivery.bundle_saver.failed, timeout=RUN_TIMEOUT_MS):
        summary.bundle_button.click()

    text = summary.bundle_label.text()
    assert str(target) in text
    assert "choose a folder you can write to" in text
    assert summary.bundle_button.isEnabled()  # the person can try another place
    (box,) = [box for box in window.delivery.boxes if box.isVisible()]
    assert str(target) in box.text()
    assert not target.exists()


def test_cancelling_the_dialog_saves_nothing(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    window = window_factory()
    window.transfer_bar.show()
    window.transfer_bar.show_end(ended_with_problems())
    window.delivery.bundle_saver.chooser = lambda parent, suggested: None
    summary = window.transfer_bar.end_summary

    summary.bundle_button.click()

    assert not summary.bundle_label.isVisible()
    assert summary.bundle_button.isEnabled()
