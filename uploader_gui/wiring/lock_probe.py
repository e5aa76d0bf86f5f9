"""Reading a delivery's lock again and again while the window waits for it to be free.

The same `ArchiveControl` a session uses, so the lock is read by `ClientLock.check()` exactly as
a starting session reads it (there is no second lock reader). It connects on its first check,
on the waiting thread, and keeps its S3 client for the later ones (a client costs 60–80 ms).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from uploader_gui.core.delivery.profile import Profile
from uploader_gui.core.events import LockHolder
from uploader_gui.core.protocol.lock_status import LockStatus
from uploader_gui.wiring.control_channel import ArchiveControl, CredentialsSource
from uploader_gui.wiring.session_setup import credentials_for

if TYPE_CHECKING:
    from uploader_gui.auth.profile_sign_in import ProfileSignIn


class ArchiveLockProbe:
    """A `LockProbe` for the delivery `holder` was seen on; call it on one thread only."""

    def __init__(
        self, profile: Profile, holder: LockHolder, credentials: CredentialsSource
    ) -> None:
        self._control = ArchiveControl(profile, credentials=credentials)
        self._holder = holder
        self._is_connected = False

    def __call__(self) -> LockStatus:
        if not self._is_connected:
            holder = self._holder
            self._control.connect(holder.dataset, holder.delivery_id, holder.transfer_type)
            self._is_connected = True
        return self._control.check_lock().status


def lock_probe_for(
    profile: Profile, holder: LockHolder, auth: ProfileSignIn | None
) -> ArchiveLockProbe:
    """The probe with the profile's credentials (a sign-in's, for a Cognito profile)."""
    credentials, _ = credentials_for(profile, auth)
    return ArchiveLockProbe(profile, holder, credentials)
