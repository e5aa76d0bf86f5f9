"""Where the app keeps its own files: the platform's user data and config directories.

Never the person's data folder and never the current directory. `UPLOADER_GUI_HOME` overrides
both (tests and portable installs use it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "uploader-gui"
APP_AUTHOR = "FAST"
HOME_ENV = "UPLOADER_GUI_HOME"


@dataclass(frozen=True)
class AppDirs:
    data_dir: Path
    config_dir: Path

    @property
    def state_db_path(self) -> Path:
        return self.data_dir / "state.sqlite3"

    @property
    def receipts_dir(self) -> Path:
        return self.data_dir / "receipts"

    @property
    def profiles_dir(self) -> Path:
        return self.config_dir / "profiles"


def app_dirs() -> AppDirs:
    """The directories for this user, created on first use."""
    override = os.environ.get(HOME_ENV)
    if override:
        base = Path(override)
        dirs = AppDirs(data_dir=base / "data", config_dir=base / "config")
    else:
        dirs = AppDirs(
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)),
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)),
        )
    dirs.data_dir.mkdir(parents=True, exist_ok=True)
    dirs.config_dir.mkdir(parents=True, exist_ok=True)
    return dirs
