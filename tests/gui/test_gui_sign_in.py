"""The delivery panel's sign-in row: hidden for the local archive; for a `[cognito]` archive a
browser sign-in (a scripted browser opened through the row's URL handler) shows the account,
Cancel stops a sign-in in progress, Sign out removes the keychain entry.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from tests.auth_browser import ScriptedBrowser
from tests.auth_provider import CognitoLikeProvider, running_provider
from tests.auth_support import (
    CLIENT_ID,
    REGION,
    USER_POOL_ID,
    MemoryKeyring,
    free_loopback_port,
)
from uploader_gui.archive_service import ArchiveChoice
from uploader_gui.auth.profile_sign_in import ProfileSignIn
from uploader_gui.auth.token_store import KnownAccounts, RefreshTokenStore
from uploader_gui.core.delivery.profile import Profile, profile_from_dict
from uploader_gui.ui.delivery_panel import DeliveryPanel
from uploader_gui.ui.sign_in_row import NOT_SIGNED_IN_TEXT, WAITING_TEXT, SignInRow

WAIT_MS = 30_000


@pytest.fixture
def provider() -> Iterator[CognitoLikeProvider]:
    redirect_uri = f"http://localhost:{free_loopback_port()}/callback"
    with running_provider(client_id=CLIENT_ID, redirect_uri=redirect_uri) as running:
        running.add_user("alice", "alice@example.org", [])
        yield running


def cognito_profile(provider: CognitoLikeProvider) -> Profile:
    data = {
        "name": "Remote archive",
        "region": REGION,
        "cognito": {
            "domain": provider.base_url,
            "client_id": CLIENT_ID,
            "redirect_uri": provider.redirect_uri,
            "user_pool_id": USER_POOL_ID,
            "identity_pool_id": f"{REGION}:pool",
        },
    }
    return profile_from_dict(data, "remote.toml")


@pytest.fixture
def keychain() -> MemoryKeyring:
    return MemoryKeyring()


def row(qtbot: QtBot, keychain: MemoryKeyring, tmp_path: Path, opener: object) -> SignInRow:
    def make_auth(profile: Profile) -> ProfileSignIn:
        return ProfileSignIn(
            profile,
            store=RefreshTokenStore(keychain),
            accounts=KnownAccounts(tmp_path / "accounts.json"),
        )

    widget = SignInRow(make_auth=make_auth, open_url=opener)  # type: ignore[arg-type]
    qtbot.addWidget(widget)
    return widget


def test_the_row_is_hidden_for_the_local_archive(qtbot: QtBot) -> None:
    panel = DeliveryPanel(list_choices=lambda: [ArchiveChoice("Local archive")])
    qtbot.addWidget(panel)
    panel.show()
    assert panel.selected_archive().is_local_archive
    assert not panel.sign_in_row.isVisible()
    panel.shutdown()


def test_sign_in_shows_the_account_and_sign_out_removes_the_token(
    qtbot: QtBot, provider: CognitoLikeProvider, keychain: MemoryKeyring, tmp_path: Path
) -> None:
    browser = ScriptedBrowser()
    widget = row(qtbot, keychain, tmp_path, browser)
    widget.set_profile(cognito_profile(provider))
    widget.show()
    qtbot.waitUntil(lambda: widget.status_label.text() == NOT_SIGNED_IN_TEXT, timeout=WAIT_MS)
    assert widget.sign_in_button.isVisible()

    widget.sign_in_button.click()
    qtbot.waitUntil(
        lambda: widget.status_label.text() == "Signed in as alice@example.org", timeout=WAIT_MS
    )
    browser.join()
    assert len(browser.opened_urls) == 1
    assert ("uploader-gui", "Remote archive:alice@example.org") in keychain.entries
    assert not widget.sign_in_button.isVisible()

    widget.sign_out_button.click()
    qtbot.waitUntil(lambda: widget.status_label.text() == NOT_SIGNED_IN_TEXT, timeout=WAIT_MS)
    assert keychain.entries == {}
    assert widget.sign_in_button.isVisible()
    widget.shutdown()


def test_cancel_stops_a_sign_in_in_progress(
    qtbot: QtBot, provider: CognitoLikeProvider, keychain: MemoryKeyring, tmp_path: Path
) -> None:
    opened: list[str] = []
    widget = row(qtbot, keychain, tmp_path, lambda url: opened.append(url) or True)
    widget.set_profile(cognito_profile(provider))
    widget.show()
    qtbot.waitUntil(lambda: widget.status_label.text() == NOT_SIGNED_IN_TEXT, timeout=WAIT_MS)
    widget.sign_in_button.click()
    qtbot.waitUntil(lambda: bool(opened), timeout=WAIT_MS)  # the browser "opened", nobody signs in
    assert widget.status_label.text() == WAITING_TEXT
    assert widget.cancel_button.isVisible()

    widget.cancel_button.click()
    qtbot.waitUntil(lambda: "cancelled" in widget.status_label.text(), timeout=WAIT_MS)
    assert widget.status_label.text().startswith(NOT_SIGNED_IN_TEXT)
    assert not widget.cancel_button.isVisible()
    assert keychain.entries == {}
    widget.shutdown()
