"""boto3 sessions and clients built from a connection `Profile` (DESIGN.md §1, PROTOCOL.md §1.4).

One session per delivery; clients are created from it once per thread that needs them (creating
one costs 60–80 ms of GIL time). Local profiles carry static credentials; real archives pass a
credentials object from the Cognito sign-in (`auth/`). TLS verification is always on: a local
archive is plain HTTP on loopback, a remote one must present a valid certificate.

Every client (control plane here, data plane in `transfer.transfer_clients`) goes through the
same proxies: the system's (Windows registry, macOS System Configuration) or the environment's
(`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`), read through `urllib.request`; hosts the bypass list
names are reached directly.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import Credentials

from uploader_gui.core.delivery.profile import Profile
from uploader_gui.core.errors import FatalError

LAMBDA_READ_TIMEOUT_S = 300
LAMBDA_CONNECT_TIMEOUT_S = 10
CONTROL_READ_TIMEOUT_S = 60
CONTROL_CONNECT_TIMEOUT_S = 10

GetProxies = Callable[[], Mapping[str, str]]
ProxyBypass = Callable[[str], Any]


def proxies_for(
    endpoint_host: str,
    *,
    get_proxies: GetProxies = urllib.request.getproxies,
    bypasses: ProxyBypass = urllib.request.proxy_bypass,
) -> dict[str, str]:
    """The proxies to reach `endpoint_host` through ({} for a direct connection)."""
    proxies = {scheme: url for scheme, url in get_proxies().items() if scheme in ("http", "https")}
    if not proxies or bypasses(endpoint_host):
        return {}
    return proxies


def endpoint_host(profile: Profile, service: str = "s3") -> str:
    """The host `service`'s clients connect to."""
    if profile.endpoint_url:
        return urlsplit(profile.endpoint_url).hostname or ""
    return f"{service}.{profile.region}.amazonaws.com"


def make_session(profile: Profile, credentials: Credentials | None = None) -> boto3.Session:
    """A session for `profile`: `credentials` (e.g. refreshable Cognito ones) or the static keys.

    The session never reads ~/.aws or AWS_* key variables: an uploader must not quietly act
    with whatever identity the machine happens to have.
    """
    core_session = botocore.session.Session()
    if credentials is None and profile.credentials is not None:
        credentials = Credentials(
            profile.credentials.access_key_id, profile.credentials.secret_access_key
        )
    if credentials is None:
        raise FatalError(
            f"profile {profile.name!r} has no credentials: sign in to the archive first"
        )
    core_session._credentials = credentials
    return boto3.Session(botocore_session=core_session, region_name=profile.region)


def _config(profile: Profile, service: str, **settings: Any) -> Config:
    if profile.endpoint_url:
        # A custom endpoint has no DNS for virtual-hosted bucket names: use path addressing.
        settings.setdefault("s3", {"addressing_style": "path"})
    settings.setdefault("proxies", proxies_for(endpoint_host(profile, service)))
    return Config(region_name=profile.region, **settings)


def s3_client(session: boto3.Session, profile: Profile, *, max_pool_connections: int = 10) -> Any:
    """An S3 client for the control and transfer buckets (standard retries, 3 attempts)."""
    config = _config(
        profile,
        "s3",
        retries={"mode": "standard", "total_max_attempts": 3},
        connect_timeout=CONTROL_CONNECT_TIMEOUT_S,
        read_timeout=CONTROL_READ_TIMEOUT_S,
        max_pool_connections=max_pool_connections,
    )
    return session.client("s3", endpoint_url=profile.endpoint_url, verify=None, config=config)


def ssm_client(session: boto3.Session, profile: Profile) -> Any:
    config = _config(profile, "ssm", retries={"mode": "standard", "total_max_attempts": 3})
    return session.client("ssm", endpoint_url=profile.endpoint_url, verify=None, config=config)


def lambda_client(
    session: boto3.Session, profile: Profile, *, read_timeout_s: float = LAMBDA_READ_TIMEOUT_S
) -> Any:
    """The init-step client: ONE attempt and a 300 s read timeout, as upstream (§1.4, §7).

    A retried invoke could launch a second validator, so botocore must never retry it. The
    init step can take 150 s or more: keep `read_timeout_s` at 300 outside tests.
    """
    config = _config(
        profile,
        "lambda",
        retries={"mode": "standard", "total_max_attempts": 1},
        read_timeout=read_timeout_s,
        connect_timeout=LAMBDA_CONNECT_TIMEOUT_S,
    )
    return session.client("lambda", endpoint_url=profile.endpoint_url, verify=None, config=config)
