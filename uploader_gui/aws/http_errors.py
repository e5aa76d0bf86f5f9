"""botocore's exceptions for requests sent without a botocore client (the lean PutObject path).

The lean path (`transfer.lean_put`) signs with botocore and sends with urllib3. Its failures are
turned into the exceptions botocore itself would have raised for the same answer, so
`errors.translate` classifies them, and words them, exactly as before: an S3 error answer
becomes a `ClientError` with the XML's code and message, the status and the headers (for
`Retry-After`); a urllib3 transport failure becomes botocore's exception for it, as
`botocore.httpsession.URLLib3Session.send` maps them.
"""

from __future__ import annotations

import http.client
import socket
from collections.abc import Mapping
from xml.etree import ElementTree

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
    ProxyConnectionError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.exceptions import ConnectTimeoutError as Urllib3ConnectTimeoutError
from urllib3.exceptions import NewConnectionError, ProtocolError
from urllib3.exceptions import ProxyError as Urllib3ProxyError
from urllib3.exceptions import ReadTimeoutError as Urllib3ReadTimeoutError
from urllib3.exceptions import SSLError as Urllib3SSLError

# Of an error body, only this much is parsed: S3's error documents are a few hundred bytes.
_ERROR_BODY_LIMIT_BYTES = 64 * 1024


def response_error(
    operation: str, status: int, headers: Mapping[str, str], body: bytes
) -> ClientError:
    """The `ClientError` botocore raises for an S3 error answer (`status` ≥ 300)."""
    code, message, request_id = _parse_error(body[:_ERROR_BODY_LIMIT_BYTES])
    if not code:  # no XML (a HEAD, a proxy's page): botocore names the error by its status
        code, message = str(status), http.client.responses.get(status, "")
    metadata = {
        "HTTPStatusCode": status,
        "HTTPHeaders": {name.lower(): value for name, value in headers.items()},
        "RequestId": request_id,
    }
    error = {"Code": code, "Message": message}
    return ClientError({"Error": error, "ResponseMetadata": metadata}, operation)


def _parse_error(body: bytes) -> tuple[str, str, str]:
    """(Code, Message, RequestId) of an S3 error document; empty strings where absent."""
    if not body.strip():
        return "", "", ""
    try:
        # The archive's own answer, a few hundred bytes; expat refuses entity expansion bombs.
        root = ElementTree.fromstring(body)  # noqa: S314
    except ElementTree.ParseError:
        return "", "", ""
    return (
        root.findtext("Code") or "",
        root.findtext("Message") or "",
        root.findtext("RequestId") or "",
    )


def transport_error(exc: Exception, url: str, proxy_url: str | None) -> Exception:
    """botocore's exception for a urllib3 failure while sending to `url`."""
    error: Exception
    if isinstance(exc, Urllib3SSLError):
        error = SSLError(endpoint_url=url, error=exc)
    elif isinstance(exc, Urllib3ProxyError) and proxy_url:
        error = ProxyConnectionError(proxy_url=_without_password(proxy_url), error=exc)
    elif isinstance(exc, NewConnectionError | socket.gaierror):
        error = EndpointConnectionError(endpoint_url=url, error=exc)
    elif isinstance(exc, Urllib3ConnectTimeoutError):
        error = ConnectTimeoutError(endpoint_url=url, error=exc)
    elif isinstance(exc, Urllib3ReadTimeoutError):
        error = ReadTimeoutError(endpoint_url=url, error=exc)
    elif isinstance(exc, ProtocolError):
        error = ConnectionClosedError(error=exc, endpoint_url=url)
    else:
        error = HTTPClientError(error=exc)
    return error


def _without_password(proxy_url: str) -> str:
    """The proxy's URL for a message: a password in it is never shown."""
    scheme, _, rest = proxy_url.rpartition("://")
    credentials, at, host = rest.rpartition("@")
    if not at:
        return proxy_url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if scheme else f"{user}:***@{host}"
