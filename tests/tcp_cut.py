"""A loopback TCP proxy that can cut the client off from the archive the ways a network does.

It forwards bytes both ways between `127.0.0.1:port` and the archive's endpoint until told to
`cut` in one of three ways, then `restore`:

- `REFUSE`: the port stops listening, so every new connection is refused (the archive's host
  is down, or a firewall rejects);
- `RESET`: connections are accepted, then reset at once (a middlebox dropping the flow);
- `BLACK_HOLE`: connections are accepted and whatever is sent is swallowed, never answered
  (a dead Wi-Fi link); the held connections are reset when the cut ends, as a NAT that lost
  its state does.

Entering any cut also resets every connection already open through the proxy, so requests in
flight fail there and then instead of finishing.
"""

from __future__ import annotations

import enum
import socket
import struct
import threading
from collections import Counter
from contextlib import suppress


class Cut(enum.Enum):
    REFUSE = "refuse"
    RESET = "reset"
    BLACK_HOLE = "black-hole"


def _stop_listening(listener: socket.socket) -> None:
    """Close a listening socket for real: on Linux a bare close() leaves it listening while
    another thread is blocked in accept(); shutdown() wakes that thread and refuses at once."""
    with suppress(OSError):
        listener.shutdown(socket.SHUT_RDWR)
    with suppress(OSError):
        listener.close()


def _reset(connection: socket.socket) -> None:
    """Close with an RST instead of a FIN (SO_LINGER with a zero timeout)."""
    with suppress(OSError):
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with suppress(OSError):
        connection.close()


class TcpCutter:
    """The proxy; `url` is what the client's profile points at instead of the archive."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._lock = threading.Lock()
        self._met = threading.Condition(self._lock)
        self._open: set[socket.socket] = set()
        self._cut: Cut | None = None
        self._listener: socket.socket | None = None
        self._closed = False
        self.met: Counter[Cut] = Counter()  # connections accepted during each cut, then cut
        self.port = self._listen(0)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut(self, how: Cut) -> None:
        with self._lock:
            self._cut = how
            held = list(self._open)
            self._open.clear()
            listener = self._listener if how is Cut.REFUSE else None
            if listener is not None:
                self._listener = None
            must_listen = how is not Cut.REFUSE and self._listener is None
        for connection in held:
            _reset(connection)
        if listener is not None:
            _stop_listening(listener)
        if must_listen:  # from a REFUSE cut to one that accepts
            self._listen(self.port)

    def wait_until_met(self, how: Cut, timeout_s: float = 60) -> None:
        """Until a connection has met the cut `how` (RESET and BLACK_HOLE: accepted, then cut)."""
        with self._met:
            if not self._met.wait_for(lambda: self.met[how] > 0, timeout_s):
                raise AssertionError(f"no connection met the {how.value} cut in {timeout_s} s")

    def restore(self) -> None:
        with self._lock:
            self._cut = None
            held = list(self._open)  # black-holed connections: reset, as a lost NAT entry
            self._open.clear()
            must_listen = self._listener is None
        for connection in held:
            _reset(connection)
        if must_listen:
            self._listen(self.port)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            held = list(self._open)
            self._open.clear()
            listener, self._listener = self._listener, None
        for connection in held:
            _reset(connection)
        if listener is not None:
            _stop_listening(listener)

    def _listen(self, port: int) -> int:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept_loop, args=(listener,), daemon=True).start()
        return int(listener.getsockname()[1])

    def _accept_loop(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by a REFUSE cut or by close()
            with self._lock:
                how, closed = self._cut, self._closed
                if how is not None and not closed:
                    self.met[how] += 1
                    self._met.notify_all()
            if closed or how is Cut.RESET or how is Cut.REFUSE:
                _reset(client)
            elif how is Cut.BLACK_HOLE:
                self._track(client)
                threading.Thread(target=self._swallow, args=(client,), daemon=True).start()
            else:
                self._forward(client)

    def _forward(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self._upstream, timeout=10)
        except OSError:
            _reset(client)
            return
        upstream.settimeout(None)
        self._track(client)
        self._track(upstream)
        directions = ((client, upstream, "to-archive"), (upstream, client, "to-client"))
        for source, sink, name in directions:
            threading.Thread(
                target=self._pump, args=(source, sink), name=f"cut-{name}", daemon=True
            ).start()

    def _track(self, connection: socket.socket) -> None:
        with self._lock:
            self._open.add(connection)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
        with self._lock:
            is_ours = source in self._open
            self._open.discard(source)
        if is_ours:
            with suppress(OSError):
                source.close()

    def _swallow(self, connection: socket.socket) -> None:
        with suppress(OSError):
            while connection.recv(65536):
                pass
