"""The delivery panel in the real window: the local archive, label and index pickers, pre-flight."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.gui.conftest import INDEX_TIMEOUT_MS, WindowFactory, drop_folder, make_tree
from uploader_gui.app_dirs import app_dirs
from uploader_gui.archive_service import (
    LOCAL_PROFILE_FILENAME,
    LocalArchiveHandle,
    start_local_archive,
)
from uploader_gui.core.checksums.crc32 import crc32_of_bytes, crc32_to_base64
from uploader_gui.core.delivery.folder_index import IndexCancelledError
from uploader_gui.ui.app import run_app
from uploader_gui.ui.archive_runner import ArchiveRunner
from uploader_gui.ui.archive_texts import LOCAL_ARCHIVE_TEXT
from uploader_gui.ui.delivery_panel import BUILD_FROM_FOLDER_TEXT, START_TOOLTIP, DeliveryPanel
from uploader_gui.ui.main_window import MainWindow
from uploader_gui.ui.preflight_worker import (
    NO_LABEL_TEXT,
    PreflightRequest,
    PreflightVerdict,
    VerdictKind,
    check_delivery,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_LABEL = REPO_ROOT / "resources" / "examples" / "demo-label.yaml"
DEMO_FILES = {
    "images/a.fits": b"f1",
    "images/b.fits": b"f2",
    "catalog_main.parquet": b"p",
    "README.md": b"# demo\n",
}
ACCEPTED_TEXT = "✓ The archive would accept 4 files (images 2, catalogue 1, readme 1)"
ARCHIVE_TIMEOUT_MS = 30_000


def port_is_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def profiles_dir() -> Path:
    folder = app_dirs().profiles_dir
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def bad_label(folder: Path) -> Path:
    """The demo label with a key the archive does not know, on line 20."""
    text = DEMO_LABEL.read_text(encoding="utf-8")
    text = text.replace("    standard: fits\n", "    standard: fits\n    colour: blue\n")
    path = folder / "bad-label.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def verdict_text(window: MainWindow) -> str:
    return window.delivery_panel.verdict_label.text()


def wait_for_verdict(qtbot: QtBot, window: MainWindow, starts_with: str) -> str:
    qtbot.waitUntil(lambda: verdict_text(window).startswith(starts_with), timeout=INDEX_TIMEOUT_MS)
    return verdict_text(window)


def record_verdicts(panel: DeliveryPanel) -> list[PreflightVerdict]:
    shown: list[PreflightVerdict] = []
    panel.verdictShown.connect(shown.append)
    return shown


class GatedCheck:
    """The real check, held at its start for one label until released (an injected delay).

    It ignores cancellation, as a check stuck in a slow read would, so its result comes late.
    """

    def __init__(self, gated_label: Path) -> None:
        self.gated_label = str(gated_label)
        self.started = threading.Event()
        self.released = threading.Event()
        self.late_results: list[PreflightVerdict] = []

    def __call__(
        self, request: PreflightRequest, is_cancelled: Callable[[], bool], on_progress: object
    ) -> PreflightVerdict:
        if request.label_path != self.gated_label:
            return check_delivery(request, is_cancelled)
        self.started.set()
        self.released.wait(timeout=30)
        verdict = check_delivery(request)
        self.late_results.append(verdict)
        return verdict


# --- the local archive --------------------------------------------------------------------


def test_the_window_runs_the_local_archive_and_closing_stops_it(
    qtbot: QtBot, window_factory: WindowFactory
) -> None:
    window = window_factory(start_local_archive=start_local_archive)
    panel = window.delivery_panel
    qtbot.waitUntil(lambda: panel.archives.handle is not None, timeout=ARCHIVE_TIMEOUT_MS)
    handle = panel.archives.handle
    assert handle is not None
    # The combo says what the archive is; its address is in the line under it and the tip.
    assert panel.archive_combo.currentText() == LOCAL_ARCHIVE_TEXT
    assert f"Running at 127.0.0.1:{handle.port}" in panel.archive_status.text()
    assert f"127.0.0.1:{handle.port}" in panel.archive_combo.toolTip()
    assert port_is_open(handle.port)
    profile_path = app_dirs().profiles_dir / LOCAL_PROFILE_FILENAME
    assert profile_path.is_file()
    assert str(profile_path) in panel.archive_combo.toolTip()
    assert "--profile local-archive" in panel.archive_status.text()
    assert not panel.start_button.isEnabled()
    assert panel.start_button.toolTip() == START_TOOLTIP
    window.close()
    assert handle.is_stopped
    assert not port_is_open(handle.port)
    assert not profile_path.exists()


def test_a_local_archive_that_cannot_start_is_shown_and_can_be_retried(
    qtbot: QtBot, window_factory: WindowFactory
) -> None:
    profiles_dir().joinpath("survey.toml").write_text(
        'name = "Survey archive"\nregion = "eu-west-1"\nendpoint_url = "https://s3.example.org"\n'
    )
    attempts: list[LocalArchiveHandle] = []

    def fails_once() -> LocalArchiveHandle:  # an injected fault on the first start
        if not attempts:
            attempts.append(None)  # type: ignore[arg-type]
            raise OSError(98, "Address already in use")
        handle = start_local_archive()
        attempts.append(handle)
        return handle

    window = window_factory(start_local_archive=fails_once)
    panel = window.delivery_panel
    qtbot.waitUntil(lambda: "could not start" in panel.archive_combo.itemText(0))
    assert panel.archive_status.text().startswith(
        "The local archive could not start: Address already in use."
    )
    qtbot.waitUntil(lambda: panel.archive_combo.count() == 2)
    panel.archive_combo.setCurrentIndex(1)
    assert panel.archive_status.text().startswith(
        "Profile “Survey archive” · https://s3.example.org"
    )
    assert panel.archive_combo.toolTip().endswith("survey.toml")
    panel.archive_combo.setCurrentIndex(0)  # choosing it again retries
    qtbot.waitUntil(lambda: panel.archives.handle is not None, timeout=ARCHIVE_TIMEOUT_MS)
    assert panel.archive_combo.itemText(0) == LOCAL_ARCHIVE_TEXT
    assert "Running at 127.0.0.1:" in panel.archive_status.text()
    window.close()
    assert attempts[-1].is_stopped


def test_a_profile_with_problems_is_listed_with_the_reason(
    qtbot: QtBot, window_factory: WindowFactory
) -> None:
    profiles_dir().joinpath("broken.toml").write_text('name = "Broken"\n')
    window = window_factory()
    panel = window.delivery_panel
    qtbot.waitUntil(lambda: panel.archive_combo.count() == 2)
    assert panel.archive_combo.itemText(1) == "broken (cannot be used)"
    panel.archive_combo.setCurrentIndex(1)
    assert panel.archive_status.text().startswith("This profile cannot be used:")
    assert "missing region" in panel.archive_status.text()


def test_an_unwritable_profile_is_said_while_the_archive_still_runs(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    not_a_folder = tmp_path / "profiles"
    not_a_folder.write_text("a file where the folder should be")
    window = window_factory(
        start_local_archive=lambda: start_local_archive(profiles_dir=not_a_folder)
    )
    panel = window.delivery_panel
    qtbot.waitUntil(lambda: panel.archives.handle is not None, timeout=ARCHIVE_TIMEOUT_MS)
    assert panel.archive_combo.currentText() == LOCAL_ARCHIVE_TEXT
    assert "Running at 127.0.0.1:" in panel.archive_status.text()
    assert "profile could not be written" in panel.archive_status.text()
    assert "only this window can use it" in panel.archive_status.text()


def test_closing_while_the_archive_is_starting_still_stops_it(
    qtbot: QtBot, window_factory: WindowFactory
) -> None:
    entered, armed = threading.Event(), threading.Event()
    runners: list[ArchiveRunner] = []
    started: list[LocalArchiveHandle] = []

    def start_once_closing() -> LocalArchiveHandle:
        entered.set()
        armed.wait(timeout=30)
        runners[0].shutdown_started.wait(timeout=30)  # go on only once the window is closing
        handle = start_local_archive()
        started.append(handle)
        return handle

    window = window_factory(start_local_archive=start_once_closing)
    runners.append(window.delivery_panel.archives)
    armed.set()
    qtbot.waitUntil(entered.is_set, timeout=ARCHIVE_TIMEOUT_MS)
    window.close()
    assert len(started) == 1
    assert started[0].is_stopped
    assert not port_is_open(started[0].port)
    assert not (app_dirs().profiles_dir / LOCAL_PROFILE_FILENAME).exists()


def test_run_app_starts_the_archive_after_showing_and_stops_it_on_close(tmp_path: Path) -> None:
    script = """
        import socket
        from pathlib import Path
        from uploader_gui.ui.app import run_app

        seen = []

        def drive(window):
            panel = window.delivery_panel
            assert panel.archives.handle is None, "the window shows before the archive starts"
            def running(handle):
                seen.append(handle)
                expected = f"Running at 127.0.0.1:{handle.port}"
                print(panel.archive_combo.currentText() == "Local archive (on this computer)")
                print(expected in panel.archive_status.text())
                print(Path(handle.profile_path).is_file())
                window.close()
            panel.archives.localArchiveStarted.connect(running)

        code = run_app(on_window_shown=drive)
        with socket.socket() as probe:
            print("port closed", probe.connect_ex(("127.0.0.1", seen[0].port)) != 0)
        print("profile removed", not Path(seen[0].profile_path).exists())
        print("exit", code)
        """
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "UPLOADER_GUI_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines() == [
        "True",
        "True",
        "True",
        "port closed True",
        "profile removed True",
        "exit 0",
    ]
    assert "QThread: Destroyed" not in result.stderr


def test_run_app_shows_a_failed_start_instead_of_crashing(qapp: QApplication) -> None:
    shown: list[str] = []

    def broken_start() -> LocalArchiveHandle:
        raise RuntimeError("bucket stem 'fast' is in use by another local archive in this process")

    def close_when_failed(window: MainWindow) -> None:
        def failed(reason: str) -> None:
            shown.append(window.delivery_panel.archive_status.text())
            window.close()

        window.delivery_panel.archives.localArchiveFailed.connect(failed)

    assert (
        run_app(["uploader-gui"], on_window_shown=close_when_failed, start_archive=broken_start)
        == 0
    )
    assert shown == [
        "The local archive could not start: bucket stem 'fast' is in use by another local "
        "archive in this process. Choose it again to retry."
    ]


# --- label, index and pre-flight ----------------------------------------------------------


def test_without_a_label_the_panel_asks_for_one(window_factory: WindowFactory) -> None:
    window = window_factory()
    panel = window.delivery_panel
    assert verdict_text(window) == NO_LABEL_TEXT
    assert panel.details_button.isHidden()
    assert panel.index_text.text() == BUILD_FROM_FOLDER_TEXT
    assert panel.clear_index_button.isHidden()


def test_a_label_with_problems_is_refused_and_details_name_the_key(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    window = window_factory()
    panel = window.delivery_panel
    panel.set_label_path(str(bad_label(tmp_path)))
    assert wait_for_verdict(qtbot, window, "✗").startswith("✗ 1 problem")
    assert panel.label_text.text() == "bad-label.yaml"
    assert panel.details_button.isVisible()
    qtbot.mouseClick(panel.details_button, Qt.MouseButton.LeftButton)
    dialog = panel.problems_dialog
    assert dialog is not None
    assert dialog.isVisible()
    kind, file, line, key, message, fix = dialog.model.row_texts(0)
    assert (kind, file, line, key) == ("Problem", "bad-label.yaml", "20", "filetypes.images.colour")
    assert "'colour' is not a key" in message
    assert fix.startswith("remove it")
    dialog.copy_to_clipboard()
    assert "filetypes.images.colour" in QGuiApplication.clipboard().text()


def test_a_good_label_alone_says_the_files_are_not_checked_yet(
    qtbot: QtBot, window_factory: WindowFactory
) -> None:
    window = window_factory()
    window.delivery_panel.set_label_path(str(DEMO_LABEL))
    text = wait_for_verdict(qtbot, window, "✓")
    assert text.startswith("✓ The label is valid (3 filetypes)")


def test_a_good_label_and_a_dropped_folder_are_accepted_with_counts(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    folder = make_tree(tmp_path / "demo", DEMO_FILES)
    window = window_factory()
    window.delivery_panel.set_label_path(str(DEMO_LABEL))
    wait_for_verdict(qtbot, window, "✓ The label is valid")
    drop_folder(window, folder)
    assert wait_for_verdict(qtbot, window, "✓ The archive") == ACCEPTED_TEXT
    assert window.delivery_panel.folder == str(folder)


def test_changing_the_label_runs_the_check_again(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    folder = make_tree(tmp_path / "demo", DEMO_FILES)
    window = window_factory()
    panel = window.delivery_panel
    drop_folder(window, folder)
    panel.set_label_path(str(DEMO_LABEL))
    wait_for_verdict(qtbot, window, ACCEPTED_TEXT)
    panel.set_label_path(str(bad_label(tmp_path)))
    wait_for_verdict(qtbot, window, "✗ 1 problem")
    panel.set_label_path(str(DEMO_LABEL))
    assert wait_for_verdict(qtbot, window, "✓") == ACCEPTED_TEXT
    panel.set_label_path(None)
    assert verdict_text(window) == NO_LABEL_TEXT


def test_an_index_with_a_bad_line_is_refused_with_its_line(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    folder = make_tree(tmp_path / "demo", DEMO_FILES)
    index = tmp_path / "index.csv"
    index.write_text("path\nimages/a.fits\n/images/b.fits\ncatalog_main.parquet\nREADME.md\n")
    window = window_factory()
    panel = window.delivery_panel
    drop_folder(window, folder)
    panel.set_label_path(str(DEMO_LABEL))
    wait_for_verdict(qtbot, window, ACCEPTED_TEXT)
    panel.set_index_path(str(index))
    assert panel.index_text.text() == "index.csv"
    assert panel.clear_index_button.isVisible()
    wait_for_verdict(qtbot, window, "✗ 1 problem")
    panel.show_details()
    assert panel.problems_dialog is not None
    _, file, line, key, message, _ = panel.problems_dialog.model.row_texts(0)
    assert (file, line, key) == (str(index), "3", "path")
    assert "absolute" in message
    qtbot.mouseClick(panel.clear_index_button, Qt.MouseButton.LeftButton)
    assert panel.index_text.text() == BUILD_FROM_FOLDER_TEXT
    assert wait_for_verdict(qtbot, window, "✓") == ACCEPTED_TEXT


def test_an_index_checksum_that_does_not_match_its_file_is_refused_before_start(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    folder = make_tree(tmp_path / "demo", DEMO_FILES)
    index = tmp_path / "index.csv"
    rows = {path: crc32_to_base64(crc32_of_bytes(body)) for path, body in DEMO_FILES.items()}
    rows["images/b.fits"] = crc32_to_base64(crc32_of_bytes(b"what it held yesterday"))
    index.write_text("path,checksum\n" + "".join(f"{p},{c}\n" for p, c in rows.items()))
    window = window_factory()
    panel = window.delivery_panel
    progress: list[str] = []
    panel.preflight.progressed.connect(lambda _generation, text: progress.append(text))
    drop_folder(window, folder)
    panel.set_label_path(str(DEMO_LABEL))
    panel.set_index_path(str(index))
    wait_for_verdict(qtbot, window, "✗ 1 problem")
    assert not panel.start_button.isEnabled()
    assert progress[-1].startswith(f"Checking the index's checksums: {len(rows)} of {len(rows)}")
    panel.show_details()
    assert panel.problems_dialog is not None
    _, file, line, key, message, _ = panel.problems_dialog.model.row_texts(0)
    assert (file, line, key) == (str(index), "3", "checksum")
    assert "images/b.fits" in message
    assert rows["images/b.fits"] in message


def test_a_stale_result_is_discarded(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    folder = make_tree(tmp_path / "demo", DEMO_FILES)
    slow_bad_label = bad_label(tmp_path)
    gate = GatedCheck(slow_bad_label)
    window = window_factory(check=gate)
    panel = window.delivery_panel
    shown = record_verdicts(panel)
    drop_folder(window, folder)
    panel.set_label_path(str(slow_bad_label))
    qtbot.waitUntil(gate.started.is_set)
    panel.set_label_path(str(DEMO_LABEL))  # newer: the slow check's answer is for the old label
    gate.released.set()
    assert wait_for_verdict(qtbot, window, "✓") == ACCEPTED_TEXT
    assert [verdict.kind for verdict in gate.late_results] == [VerdictKind.REFUSED]
    assert VerdictKind.REFUSED not in [verdict.kind for verdict in shown]
    assert verdict_text(window) == ACCEPTED_TEXT


def test_a_newer_request_stops_the_folder_walk(tmp_path: Path) -> None:
    folder = make_tree(tmp_path / "demo", DEMO_FILES)
    request = PreflightRequest(str(DEMO_LABEL), None, str(folder))
    with pytest.raises(IndexCancelledError):
        check_delivery(request, is_cancelled=lambda: True)


def test_a_folder_gone_before_the_check_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    request = PreflightRequest(str(DEMO_LABEL), None, str(tmp_path / "gone"))
    verdict = check_delivery(request)
    assert verdict.kind is VerdictKind.REFUSED
    assert "does not exist" in verdict.problems[0].message


def test_a_bug_in_the_check_is_shown_as_an_internal_error(
    qtbot: QtBot, window_factory: WindowFactory
) -> None:
    def broken_check(
        request: PreflightRequest, is_cancelled: object, on_progress: object
    ) -> PreflightVerdict:
        raise KeyError("filetypes")

    window = window_factory(check=broken_check)
    window.delivery_panel.set_label_path(str(DEMO_LABEL))
    text = wait_for_verdict(qtbot, window, "✗ The check stopped")
    assert text == "✗ The check stopped with an internal error: KeyError: 'filetypes'"
