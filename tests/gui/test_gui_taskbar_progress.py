"""The taskbar/dock progress on Linux, for real: a private D-Bus session bus (`dbus-daemon`),
the window's launcher entry sending on it, and a listener on the same bus recording every
`com.canonical.Unity.LauncherEntry.Update` signal, as KDE Plasma's task manager and the
GNOME/Ubuntu docks receive them, during a real delivery to the local archive."""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import SLOT, QObject, Slot
from PySide6.QtDBus import QDBusConnection, QDBusMessage
from pytestqt.qtbot import QtBot

from tests.gui import delivery_run_kit
from tests.gui.comfort_kit import (
    RecordingKeepAwake,
    RecordingNotifier,
    comfort_window,
    look_at,
    look_elsewhere,
    wait_for_end,
)
from tests.gui.delivery_run_kit import DEMO_FILES, RUN_TIMEOUT_MS, wait_until_transferring
from uploader_gui.core.engine.session_states import SessionOutcome, SessionState
from uploader_gui.core.engine.sign_in_pause import SIGN_IN_CHOICES, SIGN_IN_QUESTION_ID, STOP
from uploader_gui.core.events import SessionEnded
from uploader_gui.core.questions import QuestionAsked, ReplyHandle
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.ui.delivery_comfort import ComfortPorts
from uploader_gui.ui.main_window import MainWindow
from uploader_gui.ui.taskbar_progress import (
    APP_URI,
    LAUNCHER_INTERFACE,
    LAUNCHER_SIGNAL,
    LauncherState,
    UnityLauncherEntry,
    session_bus,
)

archive_factory = delivery_run_kit.archive_factory
delivery_window_factory = delivery_run_kit.delivery_window_factory
WindowFactory = Callable[..., MainWindow]
ArchiveFactory = Callable[..., LocalArchive]
BIG_FILE = "images/a.fits"
SLOW_FILES = {**DEMO_FILES, BIG_FILE: b"x" * 800_000}  # about 4 s at the slow rate
SLOW_RATE_BYTES_PER_S = 200_000.0
DAEMON_START_TIMEOUT_S = 10


@dataclass(frozen=True)
class Update:
    """One Update signal as a dock receives it."""

    path: str
    app_uri: str
    progress: float
    is_progress_visible: bool
    is_urgent: bool


class Listener(QObject):
    """Records the launcher-entry signals on a bus (as a dock does: any sender, any path)."""

    def __init__(self, bus: QDBusConnection) -> None:
        super().__init__()
        self.updates: list[Update] = []
        slot = SLOT("on_update(QString,QVariantMap,QDBusMessage)")
        assert bus.connect("", "", LAUNCHER_INTERFACE, LAUNCHER_SIGNAL, self, slot)

    @Slot(str, "QVariantMap", QDBusMessage)
    def on_update(self, app_uri: str, properties: dict[str, object], message: QDBusMessage) -> None:
        self.updates.append(
            Update(
                message.path(),
                app_uri,
                float(properties["progress"]),  # type: ignore[arg-type]
                bool(properties["progress-visible"]),
                bool(properties["urgent"]),
            )
        )

    @property
    def last(self) -> Update | None:
        return self.updates[-1] if self.updates else None


@dataclass
class PrivateBus:
    address: str
    names: list[str]

    def connection(self) -> QDBusConnection:
        name = f"test-{secrets.token_hex(4)}"
        self.names.append(name)
        return QDBusConnection.connectToBus(self.address, name)


@pytest.fixture
def private_bus() -> Iterator[PrivateBus]:
    """A session bus of the test's own, so no desktop's dock sees the test (and none is needed)."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon is not installed (Debian: dbus-daemon; packaging/dev.py adds it)")
    process = subprocess.Popen(
        [daemon, "--session", "--print-address", "--nofork"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # it says it cannot raise its fd limit when not root
        text=True,
    )
    assert process.stdout is not None
    address = process.stdout.readline().strip()  # printed once it listens
    bus = PrivateBus(address, [])
    try:
        assert address.startswith("unix:"), "dbus-daemon printed no address"
        yield bus
    finally:
        for name in bus.names:
            QDBusConnection.disconnectFromBus(name)
        process.terminate()
        process.wait(timeout=DAEMON_START_TIMEOUT_S)


def launcher_ports(bus: PrivateBus) -> tuple[ComfortPorts, UnityLauncherEntry]:
    entry = UnityLauncherEntry(bus.connection)
    ports = ComfortPorts(
        notifier=RecordingNotifier(), keep_awake=RecordingKeepAwake(), launcher=entry
    )
    return ports, entry


def title_percent(window: MainWindow) -> int | None:
    match = re.fullmatch(r"(\d{1,3}) % — data", window.windowTitle())
    return int(match.group(1)) if match else None


def test_a_delivery_shows_its_progress_on_the_dock_hidden_while_paused_and_at_the_end(
    qtbot: QtBot,
    delivery_window_factory: WindowFactory,
    archive_factory: ArchiveFactory,
    private_bus: PrivateBus,
    tmp_path: Path,
) -> None:
    listener = Listener(private_bus.connection())
    ports, _ = launcher_ports(private_bus)
    window = comfort_window(
        qtbot,
        delivery_window_factory,
        archive_factory(),
        tmp_path / "data",
        SLOW_FILES,
        ports=ports,
        bandwidth_limit_bytes_per_s=SLOW_RATE_BYTES_PER_S,
    )
    window.delivery_panel.start_button.click()
    wait_until_transferring(qtbot, window, BIG_FILE)

    def dock_shows_the_titles_percent() -> bool:
        last, percent = listener.last, title_percent(window)
        return (
            last is not None
            and last.is_progress_visible
            and percent is not None
            and round(last.progress * 100) == percent
        )

    qtbot.waitUntil(dock_shows_the_titles_percent, timeout=RUN_TIMEOUT_MS)
    window.transfer_bar.pause_button.click()
    qtbot.waitUntil(lambda: window.transfer_bar.is_paused, timeout=RUN_TIMEOUT_MS)
    qtbot.waitUntil(lambda: listener.last is not None and not listener.last.is_progress_visible)
    window.transfer_bar.pause_button.click()  # Resume
    qtbot.waitUntil(lambda: listener.last is not None and listener.last.is_progress_visible)
    wait_for_end(qtbot, window)
    assert window.delivery.last_end is not None
    assert window.delivery.last_end.outcome == SessionOutcome.ALL_VALID
    # The bus delivers the end's update a moment later: the bar goes from the icon.
    qtbot.waitUntil(lambda: listener.last is not None and not listener.last.is_progress_visible)

    updates = listener.updates
    assert {
        (u.app_uri, u.path.startswith("/com/canonical/unity/launcherentry/")) for u in updates
    } == {(APP_URI, True)}
    assert APP_URI == "application://uploader-gui.desktop"  # packaging/linux's desktop entry
    shown = [u.progress for u in updates if u.is_progress_visible]
    assert len(shown) >= 3
    assert shown == sorted(shown)  # it only goes forward, in whole percents as in the title
    assert all(0.0 <= p <= 1.0 and round(p * 100) == p * 100 for p in shown)
    assert updates[-1] == Update(updates[-1].path, APP_URI, updates[-1].progress, False, False)
    assert not any(u.is_urgent for u in updates)  # a delivery that went well asks for nothing


def sign_in_question() -> QuestionAsked:
    return QuestionAsked(
        SIGN_IN_QUESTION_ID,
        "Sign in again",
        "The sign-in ended.",
        SIGN_IN_CHOICES,
        STOP,
        ReplyHandle(SIGN_IN_CHOICES),
    )


def failed_end() -> SessionEnded:
    return SessionEnded(
        outcome=SessionOutcome.VALIDATOR_STOPPED.value,
        state=SessionState.FAILED.value,
        message="The archive's validator stopped answering.",
        files_total=4,
        files_valid=1,
        files_invalid=0,
        files_failed=0,
        exit_status=3,
    )


def test_sign_in_needed_marks_the_icon_urgent(
    qtbot: QtBot, window_factory: WindowFactory, private_bus: PrivateBus
) -> None:
    listener = Listener(private_bus.connection())
    ports, _ = launcher_ports(private_bus)
    window = window_factory(comfort_ports=ports)
    look_elsewhere(qtbot, window)
    # As the session asks it (through the bridge) when the archive's sign-in ended mid-run.
    window.bridge.put(sign_in_question())
    # Any update, not the last: the offscreen platform activates the window as the sign-in box
    # opens, which answers the urgency at once (a desktop leaves a background window alone).
    qtbot.waitUntil(lambda: any(u.is_urgent for u in listener.updates))


def test_a_failed_delivery_marks_the_icon_urgent_until_the_person_comes_back(
    qtbot: QtBot, window_factory: WindowFactory, private_bus: PrivateBus
) -> None:
    listener = Listener(private_bus.connection())
    ports, _ = launcher_ports(private_bus)
    window = window_factory(comfort_ports=ports)
    window.show()
    look_at(qtbot, window)
    window.bridge.put(failed_end())
    qtbot.waitUntil(lambda: window.delivery.last_end is not None)
    assert not any(u.is_urgent for u in listener.updates)  # the person saw it in the window
    look_elsewhere(qtbot, window)
    window.bridge.put(failed_end())
    qtbot.waitUntil(lambda: listener.last is not None and listener.last.is_urgent)
    assert not listener.last.is_progress_visible
    look_at(qtbot, window)
    qtbot.waitUntil(lambda: listener.last is not None and not listener.last.is_urgent)


def test_without_a_session_bus_the_taskbar_shows_nothing_and_says_so_once(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))  # no bus socket in it
    assert session_bus() is None  # a headless box: no bus is looked for, none autolaunched
    gone = f"unix:path={tmp_path / 'no-bus'}"
    entry = UnityLauncherEntry(lambda: QDBusConnection.connectToBus(gone, "test-no-bus"))
    try:
        with caplog.at_level("INFO", logger="uploader_gui.ui.taskbar_progress"):
            entry.show(LauncherState(0.5, True, False))
            entry.show(LauncherState(0.6, True, True))
            entry.close()
    finally:
        QDBusConnection.disconnectFromBus("test-no-bus")
    assert not entry.is_connected
    notes = [r.getMessage() for r in caplog.records if "no D-Bus session bus" in r.getMessage()]
    assert len(notes) == 1, notes
