"""Starting and stopping the whole app: `run_app` in this process and in a fresh one."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from tests.e2e.transfer_cli_kit import LABEL_TEMPLATE
from uploader_gui.ui.app import run_app
from uploader_gui.ui.main_window import MainWindow

REPO_ROOT = Path(__file__).resolve().parents[2]
COGNITO_PROFILE = """\
name = "Remote"
region = "us-east-1"
[cognito]
domain = "auth.example.org"
client_id = "abc"
redirect_uri = "http://localhost:3000"
user_pool_id = "us-east-1_x"
identity_pool_id = "us-east-1:y"
"""


SCRIPT_TIMEOUT_S = 240  # generous: a loaded CI machine, never a timing assertion
# A script still running this long prints every thread's stack, so a hang says where it is
# (before pytest-timeout's 300 s would end the test with nothing from the script).
HANG_REPORT = f"import faulthandler; faulthandler.dump_traceback_later({SCRIPT_TIMEOUT_S - 20})\n"


def run_script(script: str, app_home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "UPLOADER_GUI_HOME": str(app_home)}
    try:
        return subprocess.run(
            [sys.executable, "-c", HANG_REPORT + textwrap.dedent(script)],
            capture_output=True,
            text=True,
            timeout=SCRIPT_TIMEOUT_S,
            cwd=REPO_ROOT,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as hung:
        output, errors = (
            text.decode(errors="replace") if isinstance(text, bytes) else text or ""
            for text in (hung.stdout, hung.stderr)
        )
        pytest.fail(f"the app did not end; it printed:\n{output}\n{errors[-6000:]}")


def test_run_app_shows_the_window_and_returns_when_it_closes(
    qapp: QApplication, app_home: Path
) -> None:
    shown: list[MainWindow] = []

    def close_soon(window: MainWindow) -> None:
        shown.append(window)
        QTimer.singleShot(0, window.close)

    assert run_app(["uploader-gui"], on_window_shown=close_soon) == 0
    assert len(shown) == 1
    assert QCoreApplication.applicationName() == "uploader-gui"
    assert QCoreApplication.organizationName() == "FAST"
    # Settings live in the app's own config dir (here the test's private UPLOADER_GUI_HOME).
    assert Path(QSettings().fileName()).is_relative_to(app_home)
    assert not qapp.windowIcon().isNull()


def test_a_fresh_process_indexes_a_folder_and_exits_cleanly(tmp_path: Path) -> None:
    folder = tmp_path / "delivery"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "one.txt").write_bytes(b"1")
    (folder / "two.txt").write_bytes(b"22")
    result = run_script(
        f"""
        from uploader_gui.ui.app import run_app

        def drive(window):
            def report(summary):
                print("rows", window.model.rowCount(), "files", summary.files)
                window.close()
            window.bridge.indexFinished.connect(report)
            window.open_folder({str(folder)!r})

        print("exit", run_app(on_window_shown=drive))
        """,
        tmp_path / "home",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["rows", "2", "files", "2", "exit", "0"]
    assert "QThread: Destroyed" not in result.stderr


def test_sigterm_closes_the_window_and_exits_cleanly(tmp_path: Path) -> None:
    result = run_script(
        """
        import os, signal
        from uploader_gui.ui.app import run_app

        code = run_app(on_window_shown=lambda window: os.kill(os.getpid(), signal.SIGTERM))
        print("exit", code)
        """,
        tmp_path / "home",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "exit 0"


def test_choosing_a_sign_in_archive_and_starting_import_nothing_heavy_on_the_gui_thread(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "delivery"
    folder.mkdir()
    (folder / "a.fits").write_bytes(b"a\n")
    label = tmp_path / "label.yaml"
    label.write_text(LABEL_TEMPLATE.format(delivery_id="0001"), "utf-8")
    result = run_script(
        f"""
        import sys, threading
        from PySide6.QtCore import QTimer

        HEAVY = ("boto3", "botocore", "keyring", "moto", "uploader_gui.wiring",
                 "uploader_gui.auth", "uploader_gui.sandbox")
        on_gui_thread = []

        class FirstImports:
            def find_spec(self, name, path=None, target=None):
                if threading.current_thread() is threading.main_thread() and (
                    name.startswith(HEAVY)
                ):
                    on_gui_thread.append(name)
                return None

        sys.meta_path.insert(0, FirstImports())
        from uploader_gui.app_dirs import app_dirs
        profiles = app_dirs().profiles_dir
        profiles.mkdir(parents=True, exist_ok=True)
        (profiles / "remote.toml").write_text({COGNITO_PROFILE!r})
        from uploader_gui.ui.app import run_app

        def drive(window):
            panel, row = window.delivery_panel, window.delivery_panel.sign_in_row
            combo = panel.archive_combo

            def when(condition, then):
                def poll():
                    if condition():
                        then()
                    else:
                        QTimer.singleShot(50, poll)
                poll()

            def choose_remote():
                names = [combo.itemText(i) for i in range(combo.count())]
                combo.setCurrentIndex(next(i for i, n in enumerate(names) if "Remote" in n))
                when(lambda: row.status_label.text() != "Checking the kept sign-in…", deliver)

            def deliver():
                print("sign-in row:", row.status_label.text())
                combo.setCurrentIndex(0)
                window.open_folder({str(folder)!r})
                panel.set_label_path({str(label)!r})
                when(panel.start_button.isEnabled, start)

            def start():
                window.bridge.sessionEnded.connect(ended)
                panel.start_button.click()

            def ended(event):
                print("ended:", event.outcome)
                # The session's thread may finish just after its last event: closing before
                # that would ask whether to stop the delivery, and nobody would answer.
                when(lambda: not window.delivery.is_running, window.close)

            when(lambda: combo.count() >= 2, choose_remote)

        code = run_app(on_window_shown=drive)
        print("on the GUI thread:", sorted(set(on_gui_thread)))
        print("exit", code)
        """,
        tmp_path / "home",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert "ended: all files valid" in lines, result.stdout + result.stderr[-3000:]
    assert "on the GUI thread: []" in lines
    assert lines[-1] == "exit 0"
