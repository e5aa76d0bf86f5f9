"""The one-shot loopback listener that receives the browser's answer after hosted-UI sign-in.

Better than upstream's (PROTOCOL.md §2, §11 item 14): it binds 127.0.0.1 on the registered port
only; stray requests (`/favicon.ico`, a bare reload, an answer to another attempt) get a page
and the wait goes on; idle pre-connects time out on their own thread; the wait can be cancelled
at any moment from another thread; a busy port is explained; and the socket is always closed.
"""

from __future__ import annotations

import errno
import hmac
import html
import logging
import socket
import socketserver
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from uploader_gui.auth.errors import RedirectPortBusy, SignInCancelled, SignInTimedOut

log = logging.getLogger(__name__)

_PORT_BUSY_ERRNOS = {errno.EADDRINUSE, errno.EACCES, 48, 98, 10013, 10048}
_SERVE_POLL_S = 0.1
_WAIT_SLICE_S = 0.25


@dataclass(frozen=True, slots=True)
class AuthorizationCallback:
    """What the browser brought back: a code, or an error with its description."""

    code: str = field(default="", repr=False)
    error: str = ""
    error_description: str = ""


def redirect_port(redirect_uri: str) -> int:
    port = urlsplit(redirect_uri).port
    if port is None:
        raise ValueError(f"redirect_uri {redirect_uri!r} has no explicit port")
    return port


class _LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True
    # On Windows SO_REUSEADDR lets a second socket steal a bound port; ask for exclusive use.
    allow_reuse_address = sys.platform != "win32"
    listener: RedirectListener

    def server_bind(self) -> None:
        exclusive = getattr(socket, "SO_EXCLUSIVEADDRUSE", None)
        if exclusive is not None:
            self.socket.setsockopt(socket.SOL_SOCKET, exclusive, 1)
        # Skip HTTPServer.server_bind: its getfqdn() can stall for seconds on a reverse lookup.
        socketserver.TCPServer.server_bind(self)
        self.server_name = "localhost"
        self.server_port = self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("redirect listener: a request failed", exc_info=True)


class _CallbackHandler(BaseHTTPRequestHandler):
    server: _LoopbackServer
    timeout = 10.0  # an idle pre-connect holds only its own thread, and only this long
    server_version = "uploader-gui"
    sys_version = ""

    def do_GET(self) -> None:
        self.server.listener.handle_get(self)

    def log_message(self, format: str, *args: Any) -> None:
        # The default writes the request line, with the code and state, to stderr.
        log.debug("redirect listener: %s", urlsplit(self.path).path)

    def send_page(self, status: int, title: str, message: str) -> None:
        body = _PAGE.format(title=html.escape(title), message=html.escape(message)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;line-height:1.5}}
</style></head><body><h1>{title}</h1><p>{message}</p></body></html>
"""


class RedirectListener:
    """Listens on 127.0.0.1:{port of redirect_uri} until one answer with the right `state`."""

    def __init__(
        self,
        redirect_uri: str,
        expected_state: str,
        *,
        bind_host: str = "127.0.0.1",
    ) -> None:
        self._redirect_uri = redirect_uri
        self._path = urlsplit(redirect_uri).path.rstrip("/")
        self._port = redirect_port(redirect_uri)
        self._expected_state = expected_state
        self._bind_host = bind_host
        self._lock = threading.Lock()
        self._finished = threading.Event()
        self._outcome: AuthorizationCallback | None = None
        self._is_cancelled = False
        self._server: _LoopbackServer | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"RedirectListener({self._bind_host}:{self._port})"

    @property
    def port(self) -> int:
        return self._server.server_port if self._server else self._port

    def start(self) -> None:
        """Bind the port and serve on a daemon thread; a busy port raises RedirectPortBusy."""
        try:
            server = _LoopbackServer((self._bind_host, self._port), _CallbackHandler)
        except OSError as exc:
            if exc.errno in _PORT_BUSY_ERRNOS or getattr(exc, "winerror", None) in {10013, 10048}:
                raise RedirectPortBusy(_port_busy_message(self._port, self._redirect_uri)) from None
            raise
        server.listener = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": _SERVE_POLL_S},
            name="sign-in-redirect-listener",
            daemon=True,
        )
        self._thread.start()

    def wait(self, timeout_s: float) -> AuthorizationCallback:
        """Block until the answer, a cancel, or the timeout; the listener stays open."""
        deadline = time.monotonic() + timeout_s
        # Short slices, so Ctrl-C reaches a CLI waiting on its main thread (Windows included).
        while not self._finished.wait(max(0.0, min(_WAIT_SLICE_S, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                raise SignInTimedOut(timed_out_message(timeout_s))
        if self._is_cancelled or self._outcome is None:
            raise SignInCancelled("Sign-in was cancelled.")
        return self._outcome

    def cancel(self) -> None:
        """Safe from any thread, at any moment: the waiter wakes up with SignInCancelled."""
        with self._lock:
            if self._outcome is None:
                self._is_cancelled = True
        self._finished.set()

    def close(self) -> None:
        """Stop serving and close the listening socket (idempotent)."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> RedirectListener:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def handle_get(self, handler: _CallbackHandler) -> None:
        parts = urlsplit(handler.path)
        if parts.path.rstrip("/") != self._path:
            handler.send_page(404, "Not found", "This address only receives sign-in answers.")
            return
        params = {key: values[0] for key, values in parse_qs(parts.query).items()}
        code, error = params.get("code", ""), params.get("error", "")
        if not code and not error:
            handler.send_page(
                400, "Waiting for sign-in", "This page receives the answer from the sign-in page."
            )
            return
        if not hmac.compare_digest(params.get("state", ""), self._expected_state):
            handler.send_page(
                400,
                "Sign-in answer not accepted",
                "This answer belongs to a different sign-in attempt. Use the newest sign-in "
                "tab, or start sign-in again from the uploader.",
            )
            return
        if error:
            outcome = AuthorizationCallback(
                error=error, error_description=params.get("error_description", "")
            )
            reason = outcome.error_description or outcome.error
            handler.send_page(
                400, "Sign-in did not finish", f"{reason}. Go back to the uploader to try again."
            )
        else:
            outcome = AuthorizationCallback(code=code)
            handler.send_page(
                200, "Signed in", "You can close this tab and go back to the uploader."
            )
        # Set only after the page went out, so a CLI that exits right away still shows it.
        with self._lock:
            if self._outcome is None and not self._is_cancelled:
                self._outcome = outcome
        self._finished.set()


def _port_busy_message(port: int, redirect_uri: str) -> str:
    return (
        f"Another program on this computer is using port {port}, which sign-in needs to "
        f"receive the answer from the browser (the archive registered {redirect_uri} for this "
        f"app). Close the program that uses port {port} (often a local web development "
        "server) and sign in again."
    )


def timed_out_message(timeout_s: float) -> str:
    return (
        f"No answer came back from the browser within {_duration(timeout_s)}, so sign-in "
        "stopped. Start it again and finish signing in in the browser."
    )


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.3g} seconds"
