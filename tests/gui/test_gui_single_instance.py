"""One window per user: a double-clicked profile file goes to the window already open, which
adds the archive and selects it; `--import-profile` adds it from a terminal; dropping a profile
file on the window adds it too."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.gui.conftest import (
    WindowFactory,
    mime_for,
    send_drag_enter,
    send_drag_move,
    send_drop,
    status_text,
)
from tests.gui.test_gui_app import COGNITO_PROFILE, REPO_ROOT

WINDOW_SCRIPT = """
from PySide6.QtCore import QTimer
from uploader_gui.ui.app import run_app

def drive(window):
    combo = window.delivery_panel.archive_combo
    print("ready", flush=True)

    def poll():
        if "Remote" in combo.currentText():
            print("selected:", combo.currentText(), flush=True)
            print("status:", window.status_area.message_label.text(), flush=True)
            window.close()
        else:
            QTimer.singleShot(50, poll)

    poll()

print("exit", run_app(on_window_shown=drive), flush=True)
"""


def environment(home: Path) -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "UPLOADER_GUI_HOME": str(home)}


def test_a_second_launch_hands_its_profile_file_to_the_open_window(tmp_path: Path) -> None:
    profile = tmp_path / "Remote archive.fastprofile"
    profile.write_text(COGNITO_PROFILE, encoding="utf-8")
    env = environment(tmp_path / "home")
    first = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WINDOW_SCRIPT)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stdout is not None
        assert first.stdout.readline().strip() == "ready"
        second = subprocess.run(
            [sys.executable, "-m", "uploader_gui", str(profile)],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert second.returncode == 0, second.stderr[-2000:]
        out, err = first.communicate(timeout=60)
    finally:
        first.kill()
    assert "selected: Remote" in out, out + err[-2000:]
    assert "Archive “Remote” added (remote.toml)." in out
    assert out.strip().endswith("exit 0")
    assert (tmp_path / "home" / "config" / "profiles" / "remote.toml").is_file()


def test_import_profile_from_a_terminal_adds_it_or_says_what_to_fix(tmp_path: Path) -> None:
    env = environment(tmp_path / "home")
    good = tmp_path / "remote.fastprofile"
    good.write_text(COGNITO_PROFILE, encoding="utf-8")
    bad = tmp_path / "broken.fastprofile"
    bad.write_text(COGNITO_PROFILE.replace("[cognito]", "[cognito"), encoding="utf-8")

    def run(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "uploader_gui", "--import-profile", str(path)],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    added = run(good)
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "Archive “Remote” added (remote.toml)."
    refused = run(bad)
    assert refused.returncode == 2
    assert str(bad) in refused.stderr
    assert "not valid TOML" in refused.stderr


def test_dropping_a_profile_file_on_the_window_adds_and_selects_it(
    qtbot: QtBot, window_factory: WindowFactory, tmp_path: Path
) -> None:
    profile = tmp_path / "remote.fastprofile"
    profile.write_text(COGNITO_PROFILE, encoding="utf-8")
    window = window_factory()
    mime = mime_for(profile)
    assert send_drag_enter(window, mime)
    assert send_drag_move(window, mime)
    assert send_drop(window, mime)
    combo = window.delivery_panel.archive_combo
    qtbot.waitUntil(lambda: "Remote" in combo.currentText(), timeout=10_000)
    qtbot.waitUntil(lambda: "added" in status_text(window), timeout=10_000)
