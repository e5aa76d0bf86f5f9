"""One copy of the window per user: a second launch hands its arguments to the running one.

Two engines on one state store would fight over the same deliveries, and a double-clicked
profile file must land in the window already open. The first launch holds a `QLockFile` in the
app's data folder and listens on a `QLocalServer` whose name is derived from that folder (so
`UPLOADER_GUI_HOME` gives tests and portable installs their own); a later launch finds the lock
taken, connects, sends its arguments as one JSON line and exits once the running window has
acknowledged them. A lock left by a crashed process is stale and taken over (QLockFile checks
the holder's pid).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QByteArray, QLockFile, QObject, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

HANDOVER_TIMEOUT_MS = 5_000
_ACK = b"ok\n"


def server_name(data_dir: Path) -> str:
    """A local-socket name unique to this user's app data folder."""
    digest = hashlib.sha256(str(data_dir.resolve()).encode("utf-8")).hexdigest()[:16]
    return f"uploader-gui-{digest}"


def hand_over(name: str, arguments: Sequence[str]) -> bool:
    """Give `arguments` to the running window; True once it has acknowledged them."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(HANDOVER_TIMEOUT_MS):
        return False
    socket.write(QByteArray(json.dumps({"arguments": list(arguments)}).encode() + b"\n"))
    socket.flush()
    acknowledged = b""
    while not acknowledged.endswith(b"\n") and socket.waitForReadyRead(HANDOVER_TIMEOUT_MS):
        acknowledged += bytes(socket.readAll().data())
    socket.disconnectFromServer()
    return acknowledged == _ACK


class SingleInstance(QObject):
    """`claim()` on start; `argumentsReceived` brings a later launch's arguments."""

    argumentsReceived = Signal(list)  # list[str]

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(data_dir)
        self._lock = QLockFile(str(data_dir / "window.lock"))
        self._lock.setStaleLockTime(0)  # stale only when its process is gone, never by age
        self._server: QLocalServer | None = None

    def claim(self) -> bool:
        """True if this process is the one window: it then listens for later launches."""
        if not self._lock.tryLock(0):
            return False
        QLocalServer.removeServer(self.name)  # a socket file left by a crashed first launch
        server = self._server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.newConnection.connect(self._on_connection)
        if not server.listen(self.name):
            self._server = None
        return True

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        self._lock.unlock()

    @Slot()
    def _on_connection(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(socket.deleteLater)

    def _read(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            return
        line = bytes(socket.readLine().data())
        try:
            arguments = [str(a) for a in json.loads(line)["arguments"]]
        except (ValueError, KeyError, TypeError):
            socket.disconnectFromServer()
            return
        socket.write(QByteArray(_ACK))
        socket.flush()
        self.argumentsReceived.emit(arguments)


def tell_running_window(data_dir: Path, arguments: Sequence[str]) -> bool:
    """From a command (no window of its own): hand `arguments` to this user's open window."""
    from PySide6.QtCore import QCoreApplication

    if QCoreApplication.instance() is None:
        application = QCoreApplication(["uploader-gui"])
        try:
            return hand_over(server_name(data_dir), arguments)
        finally:
            del application
    return hand_over(server_name(data_dir), arguments)
