"""Integration fixtures: a real local archive over HTTP on 127.0.0.1, shared per test module.

`local_archive` auto-accepts any label and creates a delivery's buckets on first use, so a test
only needs a label. Each module gets its own archive (own moto account, own bucket stem) and it
is wiped when the module ends. Tests that need other options start their own `LocalArchive`
with `archive_options(...)`, which gives a fresh bucket stem so it never collides with the
module's archive.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from uploader_gui.core.delivery.profile import Profile
from uploader_gui.sandbox.archive import LocalArchive, SandboxOptions


def archive_options(**overrides: Any) -> SandboxOptions:
    """Sandbox options with a bucket stem no other archive in this process uses."""
    overrides.setdefault("bucket_stem", f"t{secrets.token_hex(4)}")
    return SandboxOptions(**overrides)


@pytest.fixture(scope="module")
def local_archive() -> Iterator[LocalArchive]:
    with LocalArchive(archive_options(auto_accept=True)) as archive:
        yield archive
    assert not archive.validator_failures, "the reference validator reported protocol errors"


def plain_boto3_client(profile: Profile, service: str) -> Any:
    """boto3 exactly as an unmodified client would build it from a profile: no custom config."""
    assert profile.credentials is not None
    return boto3.client(
        service,
        endpoint_url=profile.endpoint_url,
        region_name=profile.region,
        aws_access_key_id=profile.credentials.access_key_id,
        aws_secret_access_key=profile.credentials.secret_access_key,
    )
