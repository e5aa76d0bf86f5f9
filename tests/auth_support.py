"""Real-but-local parts for the sign-in tests: keychain, clock, moto's identity pool, profiles.

`MemoryKeyring` is a genuine keyring backend that keeps entries in a dict; `FakeClock` is the
only fake (time). moto runs as a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import keyring
import keyring.backend
import keyring.errors
from moto.server import ThreadedMotoServer

from tests.auth_browser import ScriptedBrowser
from tests.auth_provider import CognitoLikeProvider, running_provider
from uploader_gui.auth.profile_sign_in import ProfileSignIn
from uploader_gui.auth.token_store import KnownAccounts, RefreshTokenStore
from uploader_gui.core.delivery.profile import Profile, profile_from_dict, save_profile

REGION = "us-east-1"
CLIENT_ID = "test-app-client"
USER_POOL_ID = "us-east-1_TestPool"
ACCOUNT_ID = "123456789012"
# moto's cognito-identity hands out these fixed values (PROTOCOL.md §14).
MOTO_SECRET_KEY = "ABCSECRETKEY"
MOTO_SESSION_TOKEN = "ABC12345"
SERVICE_NAME_FOR_TESTS = "uploader-gui"
LABEL_TEXT = """\
dataset: ds
delivery_id: '0012'
time:
  delivery_start_date: 2025-01-15
delivery_meta:
  schema_version: 0.1.0
filetypes:
  images:
    filename: '.*\\.fits$'
    standard: fits
"""


def role_arn(dataset: str, delivery_id: str) -> str:
    return f"arn:aws:iam::{ACCOUNT_ID}:role/archive-{dataset}-{delivery_id}-role"


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


class FakeClock:
    """Aware UTC time that moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_moto() -> Iterator[str]:
    """A moto server on 127.0.0.1; yields its endpoint URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def create_identity_pool(endpoint: str) -> str:
    admin = boto3.client(
        "cognito-identity",
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="admin",
        aws_secret_access_key="admin-secret",
    )
    answer = admin.create_identity_pool(
        IdentityPoolName="deliveries", AllowUnauthenticatedIdentities=False
    )
    return str(answer["IdentityPoolId"])


@dataclass
class Archive:
    """The test archive: OIDC provider + moto identity pool, and a profile pointing at both."""

    provider: CognitoLikeProvider
    endpoint: str
    identity_pool_id: str
    redirect_uri: str

    def profile(self, name: str = "Test archive") -> Profile:
        return profile_from_dict(self.profile_dict(name), "test-profile.toml")

    def profile_dict(self, name: str = "Test archive") -> dict[str, Any]:
        return {
            "name": name,
            "region": REGION,
            "endpoint_url": self.endpoint,
            "cognito": {
                "domain": self.provider.base_url,
                "client_id": CLIENT_ID,
                "redirect_uri": self.redirect_uri,
                "user_pool_id": USER_POOL_ID,
                "identity_pool_id": self.identity_pool_id,
            },
        }

    def write_profile(self, path: Path, name: str = "Test archive") -> Path:
        save_profile(self.profile(name), path)
        return path


USERS = {
    "alice": ("alice@example.org", [role_arn("ds", "0012"), role_arn("ds", "0013")]),
    "twice": (
        "twice@example.org",
        [role_arn("ds", "0012"), f"arn:aws:iam::{ACCOUNT_ID}:role/old-ds-0012-role"],
    ),
    "nobody": ("nobody@example.org", []),
}


@contextmanager
def running_archive(moto_endpoint: str, *, id_token_lifetime_s: int = 3600) -> Iterator[Archive]:
    """A fresh provider (users alice, twice, nobody) and identity pool, on 127.0.0.1."""
    redirect_uri = f"http://localhost:{free_loopback_port()}/callback"
    with running_provider(
        client_id=CLIENT_ID, redirect_uri=redirect_uri, id_token_lifetime_s=id_token_lifetime_s
    ) as provider:
        for username, (email, roles) in USERS.items():
            provider.add_user(username, email, roles)
        yield Archive(provider, moto_endpoint, create_identity_pool(moto_endpoint), redirect_uri)


def new_auth_session(
    archive: Archive,
    tmp_path: Path,
    *,
    backend: keyring.backend.KeyringBackend | None = None,
    clock: FakeClock | None = None,
    warnings: list[str] | None = None,
) -> ProfileSignIn:
    sink = warnings if warnings is not None else []
    return ProfileSignIn(
        archive.profile(),
        store=RefreshTokenStore(backend or MemoryKeyring(), on_warning=sink.append),
        accounts=KnownAccounts(tmp_path / "accounts.json"),
        clock=clock or FakeClock(),
        on_warning=sink.append,
    )


def sign_in_with_browser(auth: ProfileSignIn, browser: ScriptedBrowser | None = None) -> str:
    """A whole browser sign-in, the person played by `browser`; returns the account."""
    browser = browser or ScriptedBrowser()
    sign_in = auth.new_sign_in(timeout_s=30)
    browser(sign_in.start())
    account = auth.finish_sign_in(sign_in)
    browser.join()
    return account
