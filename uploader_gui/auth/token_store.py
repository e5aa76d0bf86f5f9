"""Where the refresh token lives between launches: the OS keychain, per profile and account.

Only the refresh token is kept, under service `uploader-gui`, user `{profile name}:{account}`;
access and id tokens live in memory only. Without a usable keychain (a headless Linux box, a
plaintext `keyrings.alt` backend, a locked or broken keychain) the token is kept in memory for
this process, the person is told once, and nothing is ever written to a file.

`KnownAccounts` remembers which account last signed in with each profile (not the token), so
the next launch knows which keychain entry to read.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.backends.null
import keyring.errors

log = logging.getLogger(__name__)

SERVICE_NAME = "uploader-gui"
NO_KEYCHAIN_WARNING = (
    "No system keychain is available, so your sign-in is kept only until the uploader closes "
    "and you will sign in again next time. (On Linux, a Secret Service keychain such as "
    "GNOME Keyring or KWallet keeps it between launches.)"
)


def is_usable_keychain(backend: keyring.backend.KeyringBackend) -> bool:
    """False for the stand-ins keyring picks when there is no real keychain."""
    if isinstance(backend, keyring.backends.fail.Keyring | keyring.backends.null.Keyring):
        return False
    # keyrings.alt stores secrets in plain or weakly encrypted files: that is writing to a file.
    return not type(backend).__module__.startswith("keyrings.alt")


class RefreshTokenStore:
    def __init__(
        self,
        backend: keyring.backend.KeyringBackend | None = None,
        *,
        on_warning: Callable[[str], None] = log.warning,
    ) -> None:
        self._backend = backend if backend is not None else keyring.get_keyring()
        self._on_warning = on_warning
        self._lock = threading.Lock()
        self._memory: dict[str, str] = {}
        self._is_persistent = is_usable_keychain(self._backend)
        self._has_warned = False

    def __repr__(self) -> str:
        where = type(self._backend).__name__ if self._is_persistent else "memory"
        return f"RefreshTokenStore({where})"

    @property
    def is_persistent(self) -> bool:
        """True while tokens go to the OS keychain (they survive a restart)."""
        return self._is_persistent

    def warn_if_not_persistent(self) -> None:
        """Say once per store that sign-ins will not survive a restart."""
        with self._lock:
            if self._is_persistent or self._has_warned:
                return
            self._has_warned = True
        self._on_warning(NO_KEYCHAIN_WARNING)

    def load(self, profile_name: str, account: str) -> str | None:
        user = _username(profile_name, account)
        if self._is_persistent:
            try:
                return self._backend.get_password(SERVICE_NAME, user)
            except keyring.errors.KeyringError as exc:
                self._fall_back_to_memory(exc)
        with self._lock:
            return self._memory.get(user)

    def save(self, profile_name: str, account: str, refresh_token: str) -> None:
        user = _username(profile_name, account)
        if self._is_persistent:
            try:
                self._backend.set_password(SERVICE_NAME, user, refresh_token)
                return
            except keyring.errors.KeyringError as exc:
                self._fall_back_to_memory(exc)
        with self._lock:
            self._memory[user] = refresh_token
        self.warn_if_not_persistent()

    def delete(self, profile_name: str, account: str) -> None:
        user = _username(profile_name, account)
        with self._lock:
            self._memory.pop(user, None)
        if not self._is_persistent:
            return
        try:
            self._backend.delete_password(SERVICE_NAME, user)
        except keyring.errors.PasswordDeleteError:
            pass  # nothing stored: already signed out
        except keyring.errors.KeyringError as exc:
            self._fall_back_to_memory(exc)

    def _fall_back_to_memory(self, exc: keyring.errors.KeyringError) -> None:
        # The message of a keyring error names the backend's trouble, never a secret.
        log.warning("the keychain failed (%s); keeping sign-ins in memory", type(exc).__name__)
        with self._lock:
            self._is_persistent = False
        self.warn_if_not_persistent()


def _username(profile_name: str, account: str) -> str:
    return f"{profile_name}:{account}"


class KnownAccounts:
    """`accounts.json` in the config dir: per profile, the accounts signed in and the last one."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()

    def last(self, profile_name: str) -> str | None:
        entry = self._read().get(profile_name, {})
        last = entry.get("last")
        return last if isinstance(last, str) else None

    def accounts(self, profile_name: str) -> list[str]:
        entry = self._read().get(profile_name, {})
        names = entry.get("accounts", [])
        return [name for name in names if isinstance(name, str)]

    def remember(self, profile_name: str, account: str) -> None:
        with self._lock:
            data = self._read()
            names = [n for n in data.get(profile_name, {}).get("accounts", []) if n != account]
            data[profile_name] = {"last": account, "accounts": [*names, account]}
            self._write(data)

    def forget(self, profile_name: str) -> None:
        with self._lock:
            data = self._read()
            if data.pop(profile_name, None) is not None:
                self._write(data)

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        profiles = data.get("profiles") if isinstance(data, dict) else None
        return profiles if isinstance(profiles, dict) else {}

    def _write(self, profiles: dict[str, Any]) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temp = self._path.with_name(f".{self._path.name}.tmp")
        with temp.open("w", encoding="utf-8") as handle:
            json.dump({"profiles": profiles}, handle, indent=2, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self._path)
