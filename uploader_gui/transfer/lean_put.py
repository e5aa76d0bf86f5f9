"""The lean request path of a small file's PutObject: botocore's SigV4 signer, urllib3's pool.

A botocore `put_object` call costs ~2.7 ms of client CPU per small file (parameter validation,
endpoint rules, event hooks, serialising, parsing), where the request itself needs ~0.8: sign
a PUT with a CRC32 header and send bytes on a kept-alive connection (README, Performance). So
a small file's PUT is made here instead, from the same worker thread, with the worker's
botocore client as the only source of settings, so both paths behave alike:

- credentials: the client's own credentials object (refreshable identity-pool credentials
  renew themselves, and `s3_requests.with_fresh_credentials` renews them on `ExpiredToken`);
  signed with `botocore.auth.S3SigV4Auth` and `UNSIGNED-PAYLOAD` (the CRC32 header protects the
  bytes, and S3 checks it: `BadDigest`);
- endpoint, region, path or virtual-host addressing, proxies (with their authorisation),
  timeouts, TCP keep-alive, and TLS verification against the same CA bundle (`AWS_CA_BUNDLE`
  or botocore's) as the client;
- the client's `before-send.s3.PutObject` hooks run with the prepared request, as botocore runs
  them (injected faults in tests answer or alter the request there);
- errors become the exceptions botocore would raise (`aws.http_errors`), so `translate` gives
  the same classes and messages; one attempt per call, retries stay the engine's.

Choosing it is one function of the file's size: `uses_lean_put`.
"""

from __future__ import annotations

import os
import socket
from typing import Any
from urllib.parse import quote, urlsplit

import urllib3
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.hooks import first_non_none_response
from botocore.httpsession import ProxyConfiguration, get_cert_path
from botocore.utils import check_dns_name
from urllib3.connection import HTTPConnection

from uploader_gui import __version__
from uploader_gui.aws.errors import AWS_EXCEPTIONS, translate
from uploader_gui.aws.http_errors import response_error, transport_error

# Files up to this size go the lean way (the same limit as a PUT sent as bytes, single_put).
LEAN_PUT_MAX_BYTES = 8 * 1024 * 1024
OPERATION = "PutObject"
_UNSIGNED_PAYLOAD = Config(s3={"payload_signing_enabled": False})
_POOLS = 4  # endpoints (and proxies) one worker may talk to; it is one in practice
_CONNECTIONS_PER_POOL = 2
_ONE_ATTEMPT: dict[str, Any] = {
    "retries": False,  # every retry is the engine's (s3_requests)
    "redirect": False,
    "assert_same_host": False,
    "preload_content": True,
}
_KEEPALIVE_OPTIONS = [
    *HTTPConnection.default_socket_options,
    (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1),
]


def uses_lean_put(size_bytes: int, lean_put_max_bytes: int | None) -> bool:
    """Whether a file of `size_bytes` is sent by `LeanPutter` (else by botocore's client);
    `lean_put_max_bytes` None sends every file through botocore."""
    return lean_put_max_bytes is not None and size_bytes <= lean_put_max_bytes


class LeanPutter:
    """One worker's PutObject sender: signs and sends, one attempt, on kept-alive connections."""

    def __init__(self, client: BaseClient) -> None:
        meta = client.meta
        self._events = meta.events
        self._region = meta.region_name
        # botocore has no public accessor for these two; both are what its own calls use.
        self._credentials = client._request_signer._credentials
        verify = client._endpoint.http_session._verify
        endpoint = urlsplit(meta.endpoint_url)
        self._scheme, self._host = endpoint.scheme, endpoint.netloc
        self._base_path = endpoint.path.rstrip("/")
        s3_config = meta.config.s3 or {}
        self._path_style = s3_config.get("addressing_style") == "path"
        self._user_agent = f"uploader-gui/{__version__} lean-put"
        self._proxies = ProxyConfiguration(proxies=meta.config.proxies or {})
        self._proxy_url = self._proxies.proxy_url_for(meta.endpoint_url)
        self._http = _pool_manager(
            verify,
            self._proxy_url,
            self._proxies,
            meta.config.connect_timeout,
            meta.config.read_timeout,
        )
        self._direct_prefix = f"{self._scheme}://{self._host}/"
        self._direct = (
            None if self._proxy_url else self._http.connection_from_url(meta.endpoint_url)
        )

    @classmethod
    def for_client(cls, client: Any) -> LeanPutter | None:
        """The lean sender built from `client`, or None if it is not a signed botocore
        client (a test's in-memory store): then every file goes through the client."""
        if not isinstance(client, BaseClient) or client._get_credentials() is None:
            return None
        return cls(client)

    def object_url(self, bucket: str, key: str) -> str:
        """The object's URL as botocore addresses it (path style, or the bucket as host)."""
        quoted = quote(key, safe="/~")
        if self._path_style or not check_dns_name(bucket) or "." in bucket:
            return f"{self._scheme}://{self._host}{self._base_path}/{bucket}/{quoted}"
        return f"{self._scheme}://{bucket}.{self._host}{self._base_path}/{quoted}"

    def put(self, what: str, bucket: str, key: str, payload: bytes, crc32_base64: str) -> None:
        """PutObject of `payload` with its CRC32; core errors as `translate` words them."""
        try:
            self._put(bucket, key, payload, crc32_base64)
        except AWS_EXCEPTIONS as exc:
            raise translate(exc, what) from exc

    def _put(self, bucket: str, key: str, payload: bytes, crc32_base64: str) -> None:
        url = self.object_url(bucket, key)
        headers = {
            "Content-Length": str(len(payload)),
            "x-amz-checksum-crc32": crc32_base64,
            "x-amz-sdk-checksum-algorithm": "CRC32",
            "User-Agent": self._user_agent,
        }
        request = AWSRequest(method="PUT", url=url, headers=headers, data=payload)
        request.context["client_config"] = _UNSIGNED_PAYLOAD
        frozen = self._credentials.get_frozen_credentials()
        S3SigV4Auth(frozen, "s3", self._region).add_auth(request)
        prepared = request.prepare()
        hooked = first_non_none_response(
            self._events.emit(f"before-send.s3.{OPERATION}", request=prepared), None
        )
        if hooked is not None:  # a hook answered for the archive (an injected fault)
            status, answer, body = hooked.status_code, dict(hooked.headers), hooked.content
        else:
            status, answer, body = self._send(prepared.url, prepared.headers, prepared.body)
        if status >= 300:
            raise response_error(OPERATION, status, answer, body)

    def _send(self, url: str, headers: Any, body: Any) -> tuple[int, dict[str, str], bytes]:
        try:
            if self._direct is not None and url.startswith(self._direct_prefix):
                # The endpoint's own pool, with the path as is: PoolManager would parse the
                # URL and look the pool up again for every file.
                response = self._direct.urlopen(
                    "PUT",
                    url[len(self._direct_prefix) - 1 :],
                    body=body,
                    headers=dict(headers.items()),
                    **_ONE_ATTEMPT,
                )
            else:  # through a proxy, or to a bucket's own host name
                response = self._http.urlopen(
                    "PUT", url, body=body, headers=dict(headers.items()), **_ONE_ATTEMPT
                )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise transport_error(exc, url, self._proxy_url) from exc
        return response.status, dict(response.headers.items()), response.data

    def close(self) -> None:
        self._http.clear()


def _pool_manager(
    verify: bool | str | None,
    proxy_url: str | None,
    proxies: ProxyConfiguration,
    connect_timeout_s: float,
    read_timeout_s: float,
) -> urllib3.PoolManager:
    """Kept-alive connections verifying TLS against the client's CA bundle, via its proxy."""
    tls: dict[str, Any] = {"cert_reqs": "CERT_REQUIRED"}
    cert_path = get_cert_path(True if verify is None or verify is False else verify)
    # Verification is never off (`aws.clients`): a False here would be a bug, so it is ignored.
    if isinstance(cert_path, str) and os.path.isdir(cert_path):
        tls["ca_cert_dir"] = cert_path
    elif isinstance(cert_path, str):
        tls["ca_certs"] = cert_path
    options: dict[str, Any] = {
        "num_pools": _POOLS,
        "maxsize": _CONNECTIONS_PER_POOL,
        "timeout": urllib3.Timeout(connect=connect_timeout_s, read=read_timeout_s),
        "socket_options": _KEEPALIVE_OPTIONS,
        **tls,
    }
    if proxy_url:
        return urllib3.ProxyManager(
            proxy_url, proxy_headers=proxies.proxy_headers_for(proxy_url), **options
        )
    return urllib3.PoolManager(**options)
