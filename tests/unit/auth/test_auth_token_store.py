"""The refresh token goes to the keychain, or to memory with one warning; never to a file."""

from __future__ import annotations

from pathlib import Path

import keyring.backends.fail
import keyring.errors

from tests.auth_support import MemoryKeyring
from uploader_gui.auth.token_store import (
    NO_KEYCHAIN_WARNING,
    SERVICE_NAME,
    KnownAccounts,
    RefreshTokenStore,
)


def test_tokens_are_kept_per_profile_and_account_in_the_keychain() -> None:
    backend = MemoryKeyring()
    store = RefreshTokenStore(backend)
    store.save("Archive A", "alice@example.org", "rt-alice")
    store.save("Archive B", "alice@example.org", "rt-alice-b")
    assert backend.entries[(SERVICE_NAME, "Archive A:alice@example.org")] == "rt-alice"
    # A second store on the same keychain is the next launch of the app.
    assert RefreshTokenStore(backend).load("Archive B", "alice@example.org") == "rt-alice-b"
    store.delete("Archive A", "alice@example.org")
    store.delete("Archive A", "alice@example.org")  # already gone: not an error
    assert store.load("Archive A", "alice@example.org") is None
    assert store.is_persistent


def test_without_a_keychain_tokens_live_in_memory_and_the_person_is_told_once() -> None:
    warnings: list[str] = []
    store = RefreshTokenStore(keyring.backends.fail.Keyring(), on_warning=warnings.append)
    assert not store.is_persistent
    store.save("Archive", "bob", "rt-1")
    store.save("Archive", "bob", "rt-2")
    assert store.load("Archive", "bob") == "rt-2"
    assert warnings == [NO_KEYCHAIN_WARNING]
    assert "rt-2" not in repr(store)


class LockedKeyring(MemoryKeyring):
    """A keychain that refuses access, as a locked or denied one does."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("locked")


def test_a_keychain_that_fails_at_runtime_falls_back_to_memory_with_a_warning() -> None:
    warnings: list[str] = []
    store = RefreshTokenStore(LockedKeyring(), on_warning=warnings.append)
    store.save("Archive", "carol", "rt-c")
    assert store.load("Archive", "carol") == "rt-c"
    assert not store.is_persistent
    assert warnings == [NO_KEYCHAIN_WARNING]


def test_known_accounts_remember_the_last_account_but_never_a_token(tmp_path: Path) -> None:
    path = tmp_path / "accounts.json"
    accounts = KnownAccounts(path)
    accounts.remember("Archive", "alice")
    accounts.remember("Archive", "bob")
    accounts.remember("Archive", "alice")
    again = KnownAccounts(path)
    assert again.last("Archive") == "alice"
    assert again.accounts("Archive") == ["bob", "alice"]
    again.forget("Archive")
    assert KnownAccounts(path).last("Archive") is None


def test_an_unreadable_accounts_file_means_no_known_accounts(tmp_path: Path) -> None:
    path = tmp_path / "accounts.json"
    path.write_text("{not json", encoding="utf-8")
    assert KnownAccounts(path).last("Archive") is None
