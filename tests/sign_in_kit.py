"""Shared parts of the signed-in delivery tests: a local archive with its identity pool
enabled for a local OIDC provider, users holding the deliveries' roles, and the secret scan.

Real servers on 127.0.0.1 only: the archive (moto behind the sandbox), the provider (Authlib).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import keyring
import keyring.backend

from tests.auth_provider import CognitoLikeProvider, running_provider
from tests.auth_support import CLIENT_ID, MemoryKeyring, free_loopback_port
from uploader_gui.sandbox.archive import LocalArchive

AUTHORIZE_URL = re.compile(r"http://127\.0\.0\.1:\d+/oauth2/authorize\?[^\s\"]+")
EMAIL = "alice@example.org"


def delivery_role(archive: LocalArchive, dataset: str, delivery_id: str) -> str:
    return f"arn:aws:iam::{archive.account_id}:role/archive-{dataset}-{delivery_id}-role"


@contextmanager
def signed_in_archive(
    archive: LocalArchive,
    deliveries: Iterable[tuple[str, str]],
    *,
    credentials_lifetime_s: float = 90.0,
    id_token_lifetime_s: int = 3600,
) -> Iterator[CognitoLikeProvider]:
    """A provider whose user alice may deliver `deliveries`, trusted by `archive`."""
    redirect_uri = f"http://localhost:{free_loopback_port()}/callback"
    with running_provider(
        client_id=CLIENT_ID, redirect_uri=redirect_uri, id_token_lifetime_s=id_token_lifetime_s
    ) as provider:
        roles = [delivery_role(archive, dataset, delivery) for dataset, delivery in deliveries]
        provider.add_user("alice", EMAIL, roles)
        archive.enable_cognito(
            domain=provider.base_url,
            client_id=CLIENT_ID,
            redirect_uri=redirect_uri,
            credentials_lifetime_s=credentials_lifetime_s,
        )
        yield provider


@contextmanager
def keychain() -> Iterator[MemoryKeyring]:
    """A real keyring backend, in memory, as the process's keychain for the test."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def files_holding_secrets(roots: Iterable[Path], secrets: Iterable[str]) -> list[str]:
    """`path: secret…` for every file under `roots` that contains one of `secrets`."""
    wanted = [secret.encode("utf-8") for secret in secrets if len(secret) >= 6]
    found = []
    for root in roots:
        for dirpath, _, names in os.walk(root):
            for name in names:
                path = Path(dirpath) / name
                data = path.read_bytes()
                found += [f"{path}: {s[:4]!r}…" for s in wanted if s in data]
    return found
