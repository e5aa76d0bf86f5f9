"""The person's Settings (concurrency, bandwidth limit, receipt folder, keep-awake,
notifications), kept in the app's `QSettings` INI file and read back by every new window.

`SettingsStore` reads and writes them; `AppSettings.tuning()` is what a session started now
takes from them. Values read from the file are checked and a bad one falls back to its default
(an edited INI file must not stop the app from opening), with a line in the log saying so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings

from uploader_gui.app_dirs import APP_AUTHOR, APP_NAME, app_dirs
from uploader_gui.core.engine.session_tuning import (
    DEFAULT_CONCURRENCY,
    MAX_CONCURRENCY,
    SessionTuning,
)

log = logging.getLogger(__name__)

MIB = 1024 * 1024
MAX_BANDWIDTH_MIB_S = 100_000.0
_GROUP = "delivery"
_CONCURRENCY, _BANDWIDTH, _RECEIPTS = "concurrency", "bandwidth_limit_mib_s", "receipt_folder"
_KEEP_AWAKE, _NOTIFY = "keep_awake", "notifications"


@dataclass(frozen=True, slots=True)
class AppSettings:
    """What the Settings dialog shows; the defaults are a first run's."""

    concurrency: int = DEFAULT_CONCURRENCY
    bandwidth_limit_mib_s: float | None = None  # None: no limit
    receipt_folder: str = ""  # "": the app's receipts folder
    is_keep_awake_on: bool = True
    is_notify_on: bool = True

    @property
    def bandwidth_limit_bytes_per_s(self) -> float | None:
        if self.bandwidth_limit_mib_s is None:
            return None
        return self.bandwidth_limit_mib_s * MIB

    def tuning(self) -> SessionTuning:
        """What a session started now takes from these settings.

        A setting at its default is left to the session's own options (None), so a window
        made with particular options (a test's slow bandwidth, say) keeps them until the
        person changes that setting."""
        return SessionTuning(
            concurrency=None if self.concurrency == DEFAULT_CONCURRENCY else self.concurrency,
            bandwidth_limit_bytes_per_s=self.bandwidth_limit_bytes_per_s,
            receipt_target=Path(self.receipt_folder) if self.receipt_folder else None,
        )


def settings_file() -> Path:
    """The INI file `QSettings()` uses once `configure_application` ran (same names, same
    folder), named outright so a window made without the app (tests) uses it too."""
    return app_dirs().config_dir / APP_AUTHOR / f"{APP_NAME}.ini"


def concurrency_problem(value: int) -> str:
    """Why `value` cannot be the concurrency, or ""."""
    if not 1 <= value <= MAX_CONCURRENCY:
        return f"Files sent at once must be from 1 to {MAX_CONCURRENCY}, not {value}."
    return ""


def bandwidth_problem(mib_s: float | None) -> str:
    """Why `mib_s` cannot be the bandwidth limit, or "" (None: no limit)."""
    if mib_s is not None and not 0 < mib_s <= MAX_BANDWIDTH_MIB_S:
        return f"A bandwidth limit must be above 0 and at most {MAX_BANDWIDTH_MIB_S:,.0f} MiB/s."
    return ""


class SettingsStore:
    """Reads and writes `AppSettings` (GUI thread; the INI file is a few hundred bytes)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or settings_file()

    def _qsettings(self) -> QSettings:
        return QSettings(str(self.path), QSettings.Format.IniFormat)

    def load(self) -> AppSettings:
        settings = self._qsettings()
        settings.beginGroup(_GROUP)
        defaults = AppSettings()
        concurrency = _int(settings.value(_CONCURRENCY), defaults.concurrency)
        if concurrency_problem(concurrency):
            log.warning("settings: ignoring concurrency %r (%s)", concurrency, self.path)
            concurrency = defaults.concurrency
        bandwidth = _float(settings.value(_BANDWIDTH), 0.0) or None
        if bandwidth_problem(bandwidth):
            log.warning("settings: ignoring bandwidth limit %r (%s)", bandwidth, self.path)
            bandwidth = None
        return AppSettings(
            concurrency=concurrency,
            bandwidth_limit_mib_s=bandwidth,
            receipt_folder=str(settings.value(_RECEIPTS, "") or ""),
            is_keep_awake_on=_bool(settings.value(_KEEP_AWAKE), defaults.is_keep_awake_on),
            is_notify_on=_bool(settings.value(_NOTIFY), defaults.is_notify_on),
        )

    def save(self, values: AppSettings) -> bool:
        """Write `values`; False if the file could not be written (they then last as long
        as this window)."""
        settings = self._qsettings()
        settings.beginGroup(_GROUP)
        settings.setValue(_CONCURRENCY, values.concurrency)
        settings.setValue(_BANDWIDTH, values.bandwidth_limit_mib_s or 0.0)
        settings.setValue(_RECEIPTS, values.receipt_folder)
        settings.setValue(_KEEP_AWAKE, values.is_keep_awake_on)
        settings.setValue(_NOTIFY, values.is_notify_on)
        settings.endGroup()
        settings.sync()
        if settings.status() != QSettings.Status.NoError:
            log.warning("settings could not be written to %s", self.path)
            return False
        return True


# An INI file gives strings back ("true", "4"); a value of the wrong kind keeps the default.


def _int(value: object, default: int) -> int:
    try:
        return int(str(value)) if value is not None else default
    except ValueError:
        return default


def _float(value: object, default: float) -> float:
    try:
        return float(str(value)) if value is not None else default
    except ValueError:
        return default


def _bool(value: object, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"true", "1", "yes", "on"}
