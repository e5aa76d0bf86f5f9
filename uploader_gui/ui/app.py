"""Starting the window: the `QApplication`, the asyncio loop it shares, and a clean exit.

`uploader-gui` with no arguments calls `run_app()`. The window starts the embedded local archive
on a worker thread once it is shown, and stops it when it closes. The Qt event loop is a
`qasync.QEventLoop`, so later asyncio code (the browser sign-in) runs on the GUI thread without a
second loop.
Application and organisation names match `app_dirs` (platformdirs), and `QSettings` is kept in
the same config directory, so `UPLOADER_GUI_HOME` moves both.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from types import FrameType

import qasync
from PySide6.QtCore import QCoreApplication, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from uploader_gui import __version__
from uploader_gui.app_dirs import APP_AUTHOR, APP_NAME, app_dirs
from uploader_gui.archive_service import LocalArchiveStarter, start_local_archive
from uploader_gui.ui.app_icon import app_icon
from uploader_gui.ui.crash_reports import CrashReporter
from uploader_gui.ui.gc_guard import GuiThreadGarbageCollector
from uploader_gui.ui.main_window import APP_TITLE, MainWindow
from uploader_gui.ui.single_instance import SingleInstance, hand_over

# Python runs signal handlers only between bytecodes; while Qt sleeps none run. A timer this often
# lets Ctrl+C and SIGTERM close the window (and join its threads) promptly.
SIGNAL_WAKE_INTERVAL_MS = 250


def configure_application(app: QCoreApplication) -> None:
    """Names, version and settings location shared with the rest of the app."""
    app.setOrganizationName(APP_AUTHOR)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    if isinstance(app, QApplication):
        app.setApplicationDisplayName(APP_TITLE)
        app.setDesktopFileName(APP_NAME)
        app.setWindowIcon(app_icon())
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(app_dirs().config_dir)
    )


def run_app(
    argv: Sequence[str] | None = None,
    *,
    on_window_shown: Callable[[MainWindow], None] | None = None,
    start_archive: LocalArchiveStarter | None = start_local_archive,
    open_arguments: Sequence[str] = (),
) -> int:
    """Open the main window and run until it closes; returns the exit code.

    `argv` is Qt's argument list (program name first; default: just the program name).
    `on_window_shown` is called once with the window right after it is shown (tests and
    end-to-end drivers use it to act on the real window). `start_archive` starts the local
    archive (None: no local archive); a failure is shown in the window, never raised.
    `open_arguments` (e.g. a double-clicked profile file) go to the window; if a window of
    this user is open already, they go to that one and this call returns 0 at once.
    """
    qt_argv = list(argv) if argv is not None else sys.argv[:1] or [APP_NAME]
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(qt_argv)
    configure_application(app)
    instance = SingleInstance(app_dirs().data_dir)
    if not instance.claim():
        return _hand_over_to_running_window(instance, open_arguments)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    collector = GuiThreadGarbageCollector()
    crashes = CrashReporter()
    try:
        window = MainWindow(start_local_archive=start_archive)
        crashes.crashed.connect(window.show_crash)
        crashes.install()
        instance.argumentsReceived.connect(window.open_arguments)
        window.show()
        if open_arguments:
            window.open_arguments(list(open_arguments))
        with close_on_termination_signals(window):
            if on_window_shown is not None:
                on_window_shown(window)
            with loop:
                exit_code = loop.run_forever()
            window.shutdown()  # the loop can also end by QApplication.quit(), without a close
    finally:
        instance.release()
        crashes.uninstall()
        collector.stop()
        asyncio.set_event_loop(None)
    return int(exit_code)


def _hand_over_to_running_window(instance: SingleInstance, arguments: Sequence[str]) -> int:
    """Another window of this user runs: it gets the arguments and comes to the front."""
    if hand_over(instance.name, list(arguments)):
        return 0
    QMessageBox.critical(
        None,
        APP_TITLE,
        "FAST Uploader is already open for this user but does not answer. Close it (or end "
        "its process), then start it again.",
    )
    return 1


@contextlib.contextmanager
def close_on_termination_signals(window: MainWindow) -> Iterator[None]:
    """While inside, SIGINT and SIGTERM close the window as its close button would."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def close_window(signal_number: int, frame: FrameType | None) -> None:
        del signal_number, frame
        QTimer.singleShot(0, window.close)

    wake_timer = QTimer()
    wake_timer.timeout.connect(lambda: None)
    wake_timer.start(SIGNAL_WAKE_INTERVAL_MS)
    handled = [signal.SIGINT, signal.SIGTERM]
    previous = {number: signal.signal(number, close_window) for number in handled}
    try:
        yield
    finally:
        wake_timer.stop()
        for number, handler in previous.items():
            signal.signal(number, handler)
