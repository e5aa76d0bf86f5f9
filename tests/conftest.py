"""Test-wide setup: Qt offscreen, and every test gets its own app home (never the real one)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def app_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private UPLOADER_GUI_HOME so tests never touch the person's data or config dirs."""
    home = tmp_path_factory.mktemp("app-home")
    monkeypatch.setenv("UPLOADER_GUI_HOME", str(home))
    return home
