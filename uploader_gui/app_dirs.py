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

    @property
    def local_archive_dir(self) -> Path:
        """The embedded local archive's own folder: its process's port file, start lock, log
        and private profile, and `local_archive_data_dir` (one folder per archive)."""
        return self.data_dir / "local-archive"

    @property
    def local_archive_data_dir(self) -> Path:
        """What the local archive keeps (buckets, objects): `--reset` empties this folder."""
        return self.local_archive_dir / "data"


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


def local_archive_data_dir() -> Path:
    """This user's local archive's data folder (the one place that says where it is)."""
    return app_dirs().local_archive_data_dir
