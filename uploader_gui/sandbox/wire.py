"""One HTTP exchange of the local archive, buffered: what came in, what goes out, and S3 errors.

The gap closers need the whole request body (checksums, appends) and sometimes moto's whole
response (to patch it), so every request is read into a `WireRequest` and answered with a
`WireResponse`. `forward_environ` turns a (possibly rewritten) request back into a WSGI environ
for moto.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote
from xml.sax.saxutils import escape

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# botocore names the signing service in the credential scope: ".../us-east-1/s3/aws4_request".
_SCOPE_SERVICE = re.compile(r"^[^/,]+/\d{8}/[^/]+/([^/,]+)/aws4_request")
_HEADER_CREDENTIAL = re.compile(r"Credential=([^,\s]+)")
_S3_SIGNING_NAMES = {"s3", "s3express"}


@dataclass
class WireRequest:
    environ: dict[str, Any]
    method: str
    path: str  # decoded PATH_INFO
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    # Header changes to pass on to moto: a value replaces, None removes.
    header_overrides: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def read(cls, environ: dict[str, Any]) -> WireRequest:
        headers = {
            key[5:].replace("_", "-").lower(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers[key.replace("_", "-").lower()] = str(environ[key])
        return cls(
            environ=environ,
            method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
            path=unquote(str(environ.get("PATH_INFO", "/"))),
            query=parse_qs(str(environ.get("QUERY_STRING", "")), keep_blank_values=True),
            headers=headers,
            body=_read_body(environ),
        )

    def header(self, name: str, default: str = "") -> str:
        lowered = name.lower()
        if lowered in self.header_overrides:
            return self.header_overrides[lowered] or default
        return self.headers.get(lowered, default)

    def has_query(self, name: str) -> bool:
        return name in self.query

    def query_value(self, name: str) -> str:
        return self.query.get(name, [""])[0]

    @property
    def signing_service(self) -> str:
        """`s3`, `s3express`, `ssm`, ... from the SigV4 scope (header or presigned query)."""
        header_match = _HEADER_CREDENTIAL.search(self.headers.get("authorization", ""))
        credential = header_match.group(1) if header_match else self.query_value("X-Amz-Credential")
        match = _SCOPE_SERVICE.match(credential)
        return match.group(1) if match else ""

    @property
    def is_s3(self) -> bool:
        return self.signing_service in _S3_SIGNING_NAMES

    def forward_environ(self) -> dict[str, Any]:
        """The environ moto sees: this request's body and the header overrides applied."""
        environ = dict(self.environ)
        environ["wsgi.input"] = io.BytesIO(self.body)
        environ["CONTENT_LENGTH"] = str(len(self.body))
        # The body is now whole and its length known, however it arrived.
        environ.pop("wsgi.input_terminated", None)
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        for name, value in self.header_overrides.items():
            key = (
                "CONTENT_TYPE"
                if name == "content-type"
                else "HTTP_" + name.upper().replace("-", "_")
            )
            if value is None:
                environ.pop(key, None)
            else:
                environ[key] = value
        return environ


@dataclass
class WireResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    def set_header(self, name: str, value: str) -> None:
        lowered = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != lowered]
        self.headers.append((name, value))

    def replace_body(self, body: bytes) -> None:
        self.body = body
        self.set_header("Content-Length", str(len(body)))

    def error_code(self) -> str | None:
        """The `Code` of an XML or JSON error body, if this is an error."""
        if self.status < 400:
            return None
        match = re.search(rb"<Code>([^<]+)</Code>", self.body) or re.search(
            rb'"__type"\s*:\s*"(?:[^"#]*#)?([^"]+)"', self.body
        )
        return match.group(1).decode("utf-8", "replace") if match else None


def call_app(app: WsgiApp, environ: dict[str, Any]) -> WireResponse:
    """Run a WSGI app to completion and keep what it answered."""
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"] = int(status.split(" ", 1)[0])
        captured["headers"] = list(headers)
        return lambda data: None

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return WireResponse(captured["status"], captured["headers"], body)


def s3_error(
    status: int,
    code: str,
    message: str,
    *,
    resource: str = "",
    extra: Mapping[str, str] | None = None,
    headers: Iterable[tuple[str, str]] = (),
) -> WireResponse:
    """An error exactly as S3 shapes it, so botocore raises a ClientError with this Code."""
    request_id = uuid.uuid4().hex[:16].upper()
    parts = [f"<Code>{escape(code)}</Code>", f"<Message>{escape(message)}</Message>"]
    if resource:
        parts.append(f"<Resource>{escape(resource)}</Resource>")
    parts += [f"<{name}>{escape(value)}</{name}>" for name, value in (extra or {}).items()]
    parts.append(f"<RequestId>{request_id}</RequestId><HostId>local-archive</HostId>")
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' + "".join(parts) + "</Error>"
    ).encode()
    return WireResponse(
        status,
        [("Content-Type", "application/xml"), ("x-amz-request-id", request_id), *headers],
        body,
    )


def json_response(
    status: int, body: bytes, headers: Iterable[tuple[str, str]] = ()
) -> WireResponse:
    return WireResponse(status, [("Content-Type", "application/json"), *headers], body)


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    if environ.get("wsgi.input_terminated"):
        return bytes(stream.read())
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return bytes(stream.read(length)) if length > 0 else b""
