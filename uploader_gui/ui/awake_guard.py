"""When the computer is kept awake, and the status bar's word on it.

`KeepAwakeGuard` holds the `KeepAwake` port while the session works (checking, connecting,
sending, waiting for the network or for the archive's verdicts, stopping) and lets go when it
waits on the person (paused, sign-in needed) or is over. `AwakeIndicator` says what came of it
in words, not only an icon: "☕ Keeping this computer awake", or "Could not keep the computer
awake: …" with wakepy's account in the tooltip, and nothing while it is not asked for.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QLabel, QWidget

from uploader_gui.core.engine.session_states import SessionState
from uploader_gui.ui.keep_awake import AwakeStatus, KeepAwake

HELD_TEXT = "☕ Keeping this computer awake"
FAILED_TEXT = "Could not keep the computer awake"
HELD_TOOLTIP = (
    "This computer does not go to sleep while files are sent or the archive's verdicts are "
    "awaited ({detail}). Paused or finished, it may sleep again. Settings turns this off."
)
FAILED_TOOLTIP = (
    "The delivery goes on. If the computer sleeps for more than a few minutes the archive may "
    "stop the session (Start again resumes it); its power settings can keep it awake.\n\n"
    "{detail}"
)

_S = SessionState
AWAKE_STATES = frozenset(
    {
        _S.CHECKING,
        _S.CONNECTING,
        _S.LOCKING,
        _S.STARTING_PIPELINE,
        _S.TRANSFERRING,
        _S.OFFLINE,  # it goes on by itself once the archive answers: asleep, it could not
        _S.AWAITING_VERDICTS,
        _S.STOPPING,  # the receipt and the lock's release are still to come
    }
)
del _S


def is_awake_wanted(state: str) -> bool:
    """Whether a session in `state` (a `SessionState` value) works without the person."""
    try:
        return SessionState(state) in AWAKE_STATES
    except ValueError:
        return False


class KeepAwakeGuard(QObject):
    """Acquires and releases the port as the wish changes; `statusChanged(AwakeStatus | None)`
    says what holds now (None: not asked for). GUI thread only."""

    statusChanged = Signal(object)
    _reported = Signal(int, object)  # from the port's thread: request number, AwakeStatus

    def __init__(self, port: KeepAwake, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.port = port
        self.status: AwakeStatus | None = None
        self._is_wanted = False
        self._request_ids = itertools.count(1)
        self._request_id = 0
        self._reported.connect(self._on_reported)

    @property
    def is_wanted(self) -> bool:
        return self._is_wanted

    def set_wanted(self, is_wanted: bool) -> None:
        if is_wanted == self._is_wanted:
            return
        self._is_wanted = is_wanted
        if is_wanted:
            request_id = self._request_id = next(self._request_ids)
            self.port.acquire(lambda status: self._reported.emit(request_id, status))
            return
        self._request_id = 0  # a report still on its way is for a wish given up
        self.port.release()
        self._set_status(None)

    def close(self) -> None:
        """The window is going: let go for good."""
        self._is_wanted, self._request_id = False, 0
        self.port.close()
        self._set_status(None)

    @Slot(int, object)
    def _on_reported(self, request_id: int, status: AwakeStatus) -> None:
        if request_id == self._request_id:
            self._set_status(status)

    def _set_status(self, status: AwakeStatus | None) -> None:
        if status != self.status:
            self.status = status
            self.statusChanged.emit(status)


class AwakeIndicator(QLabel):
    """The status bar's words on keeping awake; hidden while it is not asked for."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Keeping the computer awake")
        self.hide()

    @Slot(object)
    def show_status(self, status: AwakeStatus | None) -> None:
        if status is None:
            self.clear()
            self.setToolTip("")
            self.hide()
            return
        if status.is_held:
            self.setText(HELD_TEXT)
            self.setToolTip(HELD_TOOLTIP.format(detail=status.detail or "as the system allows"))
        else:
            self.setText(f"{FAILED_TEXT}: {status.reason}")
            self.setToolTip(FAILED_TOOLTIP.format(detail=status.detail or status.reason).strip())
        self.show()
