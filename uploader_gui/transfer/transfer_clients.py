"""boto3 clients for the data plane: one per worker, made once, configured for bulk transfer.

Settings, and why:
- botocore retries off (one attempt): the engine retries with backoff, persists each attempt and
  shows it; botocore's own retries would be invisible and would re-read request bodies.
- `request_checksum_calculation="when_required"`: we send the CRC32 we computed while reading
  (or the index's), so botocore must not hash the payload again; `response_checksum_validation`
  likewise, as nothing here downloads object data.
- `payload_signing_enabled=False`: with a CRC32 header S3 does not need a SHA-256 of the body.
  botocore already skips it over HTTPS; without this it would hash every byte twice over plain
  HTTP (the local archive), 2.3× the CPU (DESIGN.md §7).
- TLS verification always on; path-style addressing for a custom endpoint (no DNS for
  virtual-hosted bucket names on 127.0.0.1).
- Proxies: the same as the control plane's (`fast.aws_clients.proxies_for`).
- Connections per client: each worker sends one request at a time on its own client.
- No `Expect: 100-continue` on a PutObject whose body is in memory: botocore turns `bytes` into
  a `BytesIO` and asks for 100-continue on every file-like body, a round trip before each small
  PUT. Small files are sent as bytes (`single_put`); larger bodies keep the header.

Small files' PUTs do not go through the client's call machinery at all but through `lean_put`,
which reads every setting above (endpoint, addressing, proxies, timeouts, CA bundle,
credentials) from the client, so both paths send alike.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from botocore.config import Config
from botocore.credentials import RefreshableCredentials

from uploader_gui.aws.clients import endpoint_host, proxies_for
from uploader_gui.core.delivery.profile import Profile

TRANSFER_CONNECT_TIMEOUT_S = 10
# CompleteMultipartUpload of a large object can take a while on S3 (it keeps the connection
# alive with whitespace meanwhile); a part sent under a bandwidth limit is paced per block.
TRANSFER_READ_TIMEOUT_S = 120
CONNECTIONS_PER_CLIENT = 2


def transfer_config(profile: Profile, *, proxies: Mapping[str, str] | None = None) -> Config:
    """The botocore settings of a transfer worker's client (see the module docstring)."""
    s3_settings: dict[str, Any] = {"payload_signing_enabled": False}
    if profile.endpoint_url:
        s3_settings["addressing_style"] = "path"
    return Config(
        region_name=profile.region,
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=TRANSFER_CONNECT_TIMEOUT_S,
        read_timeout=TRANSFER_READ_TIMEOUT_S,
        max_pool_connections=CONNECTIONS_PER_CLIENT,
        tcp_keepalive=True,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        proxies=dict(proxies) if proxies is not None else proxies_for(endpoint_host(profile)),
        s3=s3_settings,
    )


class TransferClientFactory:
    """Makes one S3 client per call from one session; safe to call from several threads.

    boto3 sessions are not safe for concurrent client creation, so creation is serialised
    (each worker calls once, when it starts).
    """

    def __init__(
        self, session: boto3.Session, profile: Profile, *, config: Config | None = None
    ) -> None:
        self._session = session
        self._profile = profile
        self._config = config or transfer_config(profile)
        self._lock = threading.Lock()
        self.created_count = 0

    def __call__(self) -> Any:
        with self._lock:
            client = self._session.client(
                "s3", endpoint_url=self._profile.endpoint_url, verify=None, config=self._config
            )
            client.meta.events.register("request-created.s3.PutObject", drop_expect_for_bytes)
            self.created_count += 1
            return client


def drop_expect_for_bytes(request: Any, **_: Any) -> None:
    """Send an in-memory body at once, without waiting for `100 Continue` first."""
    if isinstance(request.body, io.BytesIO) and "Expect" in request.headers:
        del request.headers["Expect"]


def refresh_hook(credentials: RefreshableCredentials) -> Callable[[], None]:
    """A hook that renews `credentials` now, whatever their expiry time says.

    For `TransferEngine(refresh_credentials=...)`: the archive said they expired, so the
    local view of their lifetime is wrong (a skewed clock, revoked early).
    """

    def refresh() -> None:
        # botocore has no public "refresh now"; this is what its own mandatory refresh does,
        # under the same lock.
        with credentials._refresh_lock:
            credentials._protected_refresh(is_mandatory=True)

    return refresh
