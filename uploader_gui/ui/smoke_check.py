"""`uploader-gui --smoke-test`: the window opens, the embedded local archive starts, both close.

Run by the installer builds on each platform (packaging/build.py, the release workflow) to
prove that the frozen app's window and local archive work there: it prints one line saying what
it saw and the exit status is 0 only if the window showed and the archive ran.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer

from uploader_gui.ui.archive_runner import LocalArchiveState
from uploader_gui.ui.main_window import MainWindow

SMOKE_TIMEOUT_S = 120.0
_POLL_MS = 100
_SETTLED = (LocalArchiveState.RUNNING, LocalArchiveState.FAILED)


class SmokeCheck:
    """Watches the shown window until its local archive has started (or failed), then closes it."""

    def __init__(self, timeout_s: float = SMOKE_TIMEOUT_S) -> None:
        self.timeout_s = timeout_s
        self.is_ok = False
        self.line = ""

    def __call__(self, window: MainWindow) -> None:
        deadline = time.monotonic() + self.timeout_s
        archives = window.delivery_panel.archives

        def poll() -> None:
            if archives.state in _SETTLED or time.monotonic() > deadline:
                self._finish(window)
            else:
                QTimer.singleShot(_POLL_MS, poll)

        poll()

    def _finish(self, window: MainWindow) -> None:
        archives = window.delivery_panel.archives
        self.is_ok = archives.state is LocalArchiveState.RUNNING and window.isVisible()
        where = archives.handle.host_port if archives.handle is not None else "-"
        self.line = (
            f"smoke test: window {'shown' if window.isVisible() else 'not shown'}; "
            f"local archive {archives.state.value} at {where}"
        )
        print(self.line, flush=True)
        window.close()
