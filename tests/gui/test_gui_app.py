"""Starting and stopping the whole app: `run_app` in this process and in a fresh one."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from uploader_gui.ui.app import run_app
from uploader_gui.ui.main_window import MainWindow

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_script(script: str, app_home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "UPLOADER_GUI_HOME": str(app_home)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        env=env,
        check=False,
    )


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
