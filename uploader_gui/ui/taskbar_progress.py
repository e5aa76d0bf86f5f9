"""The delivery's progress on the taskbar or dock icon, where the platform allows: the
`LauncherEntry` port, its Linux adapter, and `TaskbarProgress`, which drives it.

Qt 6 has no API for it (Qt 5's QWinTaskbarProgress and the macOS extras are gone). On Linux,
KDE Plasma's task manager and the GNOME/Ubuntu docks (Dash to Dock, Ubuntu Dock) read the
`com.canonical.Unity.LauncherEntry` D-Bus signal `Update(s app_uri, a{sv} properties)` on the
session bus: `progress` (0..1), `progress-visible`, `urgent`. `UnityLauncherEntry` sends it with
QtDBus for this app's desktop entry (`packaging/linux/uploader-gui.desktop`, the id Qt is given
by `setDesktopFileName`). A signal is sent, never a call waited on: QtDBus queues it on its own
thread, so the GUI thread never waits for the bus. Without a session bus (a headless box, SSH)
it does nothing and says so once in the log, as keep-awake does.

On Windows (ITaskbarList3) and macOS (NSDockTile) there is no adapter yet: `NoLauncherEntry`,
and the title's "42 % — folder" is what their taskbar and dock show.

`TaskbarProgress` shows the same percentage as the window title while files move, hides it
when the delivery is paused (by the person, or until sign-in) or over, and marks the icon
urgent when the delivery failed or a sign-in is needed while the person looks elsewhere, until
they come back to the window.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, Slot
from PySide6.QtDBus import QDBusConnection, QDBusMessage
from PySide6.QtWidgets import QWidget

from uploader_gui.app_dirs import APP_NAME
from uploader_gui.core.engine.session_states import SessionState
from uploader_gui.core.engine.sign_in_pause import SIGN_IN_QUESTION_ID
from uploader_gui.core.events import SessionEnded, SessionStateChanged, TransferProgressed
from uploader_gui.core.questions import QuestionAsked
from uploader_gui.ui.delivery_notices import end_notice, is_in_front
from uploader_gui.ui.notifier import NoticeKind

log = logging.getLogger(__name__)

LAUNCHER_INTERFACE = "com.canonical.Unity.LauncherEntry"
LAUNCHER_SIGNAL = "Update"
# The desktop entry's file name without ".desktop": packaging/linux/uploader-gui.desktop.
APP_URI = f"application://{APP_NAME}.desktop"
_NO_BUS_HINT = "DBUS_SESSION_BUS_ADDRESS"
# Files are not moving in these: the bar would claim a progress that is not happening.
_HIDDEN_STATES = frozenset({SessionState.PAUSED.value, SessionState.SIGN_IN_NEEDED.value})


@dataclass(frozen=True, slots=True)
class LauncherState:
    """What the icon shows: a progress bar (0..1) or none, and whether it asks for attention."""

    progress: float = 0.0
    is_progress_visible: bool = False
    is_urgent: bool = False

    def properties(self) -> dict[str, object]:
        """The `a{sv}` of the Update signal (a float and two booleans)."""
        return {
            "progress": float(self.progress),
            "progress-visible": self.is_progress_visible,
            "urgent": self.is_urgent,
        }


HIDDEN = LauncherState()


class LauncherEntry(Protocol):
    """The app's taskbar entry or dock icon (the GUI thread only)."""

    def show(self, state: LauncherState) -> None: ...

    def close(self) -> None:
        """Take the progress and the urgency away (the window is closing)."""
        ...


class NoLauncherEntry:
    """`LauncherEntry` where the app has no adapter (Windows, macOS): shows nothing."""

    def show(self, state: LauncherState) -> None:
        del state

    def close(self) -> None:
        pass


def launcher_path(app_uri: str) -> str:
    """`/com/canonical/unity/launcherentry/<n>`: one object path per app, as libunity makes."""
    return f"/com/canonical/unity/launcherentry/{zlib.crc32(app_uri.encode())}"


BusFactory = Callable[[], QDBusConnection | None]


def session_bus() -> QDBusConnection | None:
    """The desktop session's bus, or None where there is none to find.

    Without an address libdbus would "autolaunch" a bus of its own (dbus-launch, on an X
    display): a daemon that nothing reads and that outlives the app. A session bus is either
    in DBUS_SESSION_BUS_ADDRESS or at $XDG_RUNTIME_DIR/bus; neither means no desktop listens."""
    runtime_dir = os.environ.get("XDG_RUNTIME_DIR", "")
    if not os.environ.get(_NO_BUS_HINT) and not (
        runtime_dir and (Path(runtime_dir) / "bus").exists()
    ):
        return None
    return QDBusConnection.sessionBus()


class UnityLauncherEntry:
    """`LauncherEntry` as the Unity launcher signal on the D-Bus session bus (Linux)."""

    def __init__(self, bus: BusFactory = session_bus, *, app_uri: str = APP_URI) -> None:
        """`bus`: the connection, opened when first needed (tests give a private bus)."""
        self._bus_factory = bus
        self._bus: QDBusConnection | None = None
        self._has_no_bus = False
        self._app_uri = app_uri
        self._shown: LauncherState | None = None  # what was last sent: nothing twice

    @property
    def is_connected(self) -> bool:
        return self._connection() is not None

    def show(self, state: LauncherState) -> None:
        if state == self._shown:
            return
        bus = self._connection()
        if bus is None:
            return
        message = QDBusMessage.createSignal(
            launcher_path(self._app_uri), LAUNCHER_INTERFACE, LAUNCHER_SIGNAL
        )
        message.setArguments([self._app_uri, state.properties()])
        if bus.send(message):
            self._shown = state
        else:
            log.info("the taskbar progress could not be sent: %s", bus.lastError().message())

    def close(self) -> None:
        if self._shown is not None and self._shown != HIDDEN:
            self.show(HIDDEN)

    def _connection(self) -> QDBusConnection | None:
        # Opened on first use, at a delivery's start, not at launch: most launches deliver
        # nothing, and a desktop without a bus is told once, not on every update.
        if self._bus is None and not self._has_no_bus:
            bus = self._bus_factory()
            if bus is not None and bus.isConnected():
                self._bus = bus
            else:
                self._has_no_bus = True
                why = bus.lastError().message() if bus is not None else ""
                log.info(
                    "no D-Bus session bus: the taskbar shows no progress (%s)",
                    why or f"{_NO_BUS_HINT} is not set",
                )
        return self._bus


def default_launcher_entry() -> LauncherEntry:
    """The adapter for this platform."""
    if sys.platform.startswith("linux"):
        return UnityLauncherEntry()
    return NoLauncherEntry()


def shown_fraction(event: TransferProgressed) -> float:
    """The share of bytes processed, floored to the percent the window title shows."""
    fraction = event.bytes_processed / event.bytes_total if event.bytes_total else 1.0
    return math.floor(max(0.0, min(1.0, fraction)) * 100) / 100


class TaskbarProgress(QObject):
    """Drives a `LauncherEntry` from the session's signals (connect them; see the top)."""

    def __init__(self, window: QWidget, entry: LauncherEntry) -> None:
        super().__init__(window)
        self._window, self.entry = window, entry
        self._state = HIDDEN
        self._is_running = False
        self._session_state = ""
        self._progress: float | None = None  # None until the run's first progress, as the title
        window.installEventFilter(self)  # coming back to the window answers an urgent icon

    def begin(self) -> None:
        self._is_running, self._session_state, self._progress = True, "", None
        self._show(LauncherState())

    def end(self) -> None:
        self._is_running = False
        self._show(LauncherState(is_urgent=self._state.is_urgent))

    @Slot(object)
    def show_progress(self, event: TransferProgressed) -> None:
        if self._is_running:
            self._progress = shown_fraction(event)
            self._show(self._with())

    @Slot(object)
    def on_state(self, event: SessionStateChanged) -> None:
        was_waiting = self._session_state == SessionState.SIGN_IN_NEEDED.value
        self._session_state = event.state
        state = self._with()
        if was_waiting and event.state != SessionState.SIGN_IN_NEEDED.value:
            state = self._with(is_urgent=False)  # signed in (or given up): nothing to answer
        self._show(state)

    @Slot(object)
    def on_ended(self, ended: SessionEnded) -> None:
        self._is_running = False
        is_failure = end_notice(ended)[1] is NoticeKind.FAILED
        is_urgent = self._state.is_urgent or self._wants_urgent(is_failure)
        self._show(LauncherState(is_urgent=is_urgent))

    @Slot(object)
    def on_question(self, question: QuestionAsked) -> None:
        if question.question_id == SIGN_IN_QUESTION_ID and self._wants_urgent(True):
            self._show(self._with(is_urgent=True))

    def close(self) -> None:
        self._window.removeEventFilter(self)
        self.entry.close()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.WindowActivate and self._state.is_urgent:
            self._show(self._with(is_urgent=False))
        return super().eventFilter(watched, event)

    def _wants_urgent(self, is_needed: bool) -> bool:
        # Whoever looks at the window sees it already; the icon asks the person who does not.
        return is_needed and not is_in_front(self._window)

    def _with(self, *, is_urgent: bool | None = None) -> LauncherState:
        """The state now: the progress bar shows while a running delivery moves files."""
        is_moving = self._is_running and self._session_state not in _HIDDEN_STATES
        return LauncherState(
            self._progress or 0.0,
            is_moving and self._progress is not None,
            self._state.is_urgent if is_urgent is None else is_urgent,
        )

    def _show(self, state: LauncherState) -> None:
        self._state = state
        self.entry.show(state)
