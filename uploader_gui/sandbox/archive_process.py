"""The local archive's own process (`uploader-gui sandbox --serve FOLDER`), one per user.

Started by the first client that needs it (`archive_client.lease_local_archive`): it runs a
`LocalArchive`, listens for leases on a control endpoint on 127.0.0.1, writes its port file
(`archive_registry`) and its own profile, and stops when its last user goes:
- a client that releases its lease cleanly and was the last stops it at once;
- a client that vanished (killed, crashed: the OS closes its connection) leaves a short grace
  period for another to come;
- a client that started it but died before taking a lease is noticed by its pid (checked every
  second), and one that never came is waited for `FIRST_LEASE_TIMEOUT_S` at most.
So it is never orphaned. It runs the archive's work on its own interpreter, not the window's.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets
import signal
import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from uploader_gui.core.delivery.problems import ProblemsFound
from uploader_gui.core.delivery.profile import load_profile
from uploader_gui.sandbox.archive import LocalArchive, SandboxOptions
from uploader_gui.sandbox.archive_registry import (
    CONTROL_HOST,
    EXIT_OS_ERROR,
    EXIT_REFUSED,
    LOG_FILENAME,
    PROFILE_FILENAME,
    ArchiveRecord,
    process_create_time,
    process_is_alive,
    read_message,
    remove_record,
    send_message,
    write_record,
)

POLL_S = 1.0
IDLE_GRACE_S = 2.0  # after a client vanished: time for another (a restarted window) to come
FIRST_LEASE_TIMEOUT_S = 60.0


@dataclass
class LeaseBook:
    """Who holds a lease, and whether the archive is stopping (thread-safe)."""

    changed: threading.Condition = field(default_factory=threading.Condition)
    leases: set[socket.socket] = field(default_factory=set)
    held: set[socket.socket] = field(default_factory=set)  # closed when the archive has stopped
    profile_paths: set[Path] = field(default_factory=set)
    ever_leased: bool = False
    last_left_cleanly: bool = False
    stop_requested: bool = False
    is_stopping: bool = False

    def add(self, connection: socket.socket, profile_path: str | None) -> int | None:
        """Count a lease in; None once the archive is stopping (the client starts another)."""
        with self.changed:
            if self.is_stopping:
                return None
            self.leases.add(connection)
            self.held.add(connection)
            self.ever_leased = True
            if profile_path:
                self.profile_paths.add(Path(profile_path))
            self.changed.notify_all()
            return len(self.leases)

    def drop(self, connection: socket.socket, *, cleanly: bool) -> int:
        with self.changed:
            if connection in self.leases:
                self.leases.discard(connection)
                self.last_left_cleanly = cleanly
            self.changed.notify_all()
            return len(self.leases)

    def request_stop(self) -> int:
        """Stop whoever holds a lease (`--reset`, SIGTERM); returns how many did."""
        with self.changed:
            self.stop_requested = True
            self.changed.notify_all()
            return len(self.leases)

    def begin_stopping(self) -> None:
        with self.changed:
            self.is_stopping = True

    def hold(self, connection: socket.socket) -> None:
        with self.changed:
            self.held.add(connection)

    def forget(self, connection: socket.socket) -> None:
        with self.changed:
            self.held.discard(connection)

    def close_all(self) -> None:
        """End every connection: a client waiting for the archive to stop sees it has."""
        with self.changed:
            connections = list(self.held)
            self.held.clear()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()


class ControlServer:
    """The control endpoint: one thread per connection, each a lease or a request."""

    def __init__(self, book: LeaseBook, instance_id: str, control_key: str) -> None:
        self._book = book
        self._instance_id = instance_id
        self._control_key = control_key
        self._listener = socket.create_server((CONTROL_HOST, 0))
        self.port = int(self._listener.getsockname()[1])
        threading.Thread(target=self._accept, name="archive-control", daemon=True).start()

    def close(self) -> None:
        self._listener.close()
        self._book.close_all()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return  # closed: the archive is stopping
            threading.Thread(
                target=self._serve, args=(connection,), name="archive-lease", daemon=True
            ).start()

    def _serve(self, connection: socket.socket) -> None:
        with contextlib.suppress(OSError), connection.makefile("rb") as stream:
            request = read_message(stream) or {}
            key = request.get("key")
            if not isinstance(key, str) or not hmac.compare_digest(key, self._control_key):
                # Another account on this computer, or a stray program: not a user of it.
                send_message(connection, {"ok": False, "reason": "wrong control key"})
                connection.close()
                return
            if request.get("op") == "lease":
                self._serve_lease(connection, stream, request)
                return
            if request.get("op") == "shutdown":
                self._book.hold(connection)  # answered, then closed once stopped
                users = self._book.request_stop()
                send_message(connection, {"ok": True, "leases": users})
                return
            send_message(connection, {"ok": False, "reason": "unknown request"})
        connection.close()

    def _serve_lease(self, connection: socket.socket, stream: Any, request: dict[str, Any]) -> None:
        count = self._book.add(connection, request.get("profile_path"))
        if count is None:
            send_message(connection, {"ok": False, "reason": "stopping"})
            connection.close()
            return
        send_message(connection, {"ok": True, "instance_id": self._instance_id, "leases": count})
        message = read_message(stream)
        if message is None:  # the client went away without a word (killed, crashed)
            self._book.drop(connection, cleanly=False)
            self._book.forget(connection)
            connection.close()
            return
        left = self._book.drop(connection, cleanly=True)
        send_message(connection, {"ok": True, "leases_left": left})
        if left:
            self._book.forget(connection)
            connection.close()
        # The last one's connection stays open until the archive has stopped (close_all).


def sandbox_options(payload: dict[str, Any], data_dir: Path | None) -> SandboxOptions:
    """`SandboxOptions` from a client's payload (`archive_registry.options_payload`).

    `data_dir` is handed on only if this version's `SandboxOptions` keeps objects on disk.
    """
    kinds = {option.name: str(option.type) for option in fields(SandboxOptions)}
    values: dict[str, Any] = {}
    for name, value in payload.items():
        if name not in kinds:
            raise ValueError(f"the local archive has no option {name!r}")
        is_path = "Path" in kinds[name]
        if isinstance(value, list):
            value = tuple(Path(item) if is_path else item for item in value)
        elif isinstance(value, str) and is_path:
            value = Path(value)
        values[name] = value
    if data_dir is not None and "data_dir" in kinds:
        values["data_dir"] = data_dir
    return SandboxOptions(**values)


def serve(
    home: Path, payload: dict[str, Any], data_dir: Path | None, parent_pid: int | None
) -> int:
    """Run the archive until its last user has gone; the exit status."""
    if sys.stderr is None:  # a frozen windowed app has none: its client reads this log
        sys.stderr = (home / LOG_FILENAME).open("a", encoding="utf-8")
    try:
        archive = LocalArchive(sandbox_options(payload, data_dir))
        archive.start()
    except OSError as error:
        print(f"uploader-gui sandbox: {error.strerror or error}", file=sys.stderr, flush=True)
        return EXIT_OS_ERROR
    except (ValueError, RuntimeError, ProblemsFound) as error:
        print(f"uploader-gui sandbox: {error}", file=sys.stderr, flush=True)
        return EXIT_REFUSED
    book = LeaseBook()
    instance_id = uuid.uuid4().hex
    control_key = secrets.token_urlsafe(32)
    control = ControlServer(book, instance_id, control_key)
    with contextlib.suppress(ValueError):  # not the main thread (tests): SIGTERM stays default
        signal.signal(signal.SIGTERM, lambda *_: book.request_stop())
    try:
        archive.write_profile(home / PROFILE_FILENAME)
        record = _record(archive, instance_id, control.port, payload)
        write_record(home, replace(record, control_key=control_key))
        wait_for_last_user(book, _parent_watch(parent_pid))
    finally:
        book.begin_stopping()
        remove_record(home, instance_id)
        archive.stop()
        _remove_profiles(book.profile_paths | {home / PROFILE_FILENAME}, archive.endpoint_url)
        control.close()
    return 0


def wait_for_last_user(book: LeaseBook, parent_is_alive: Any) -> None:
    """Block until the archive should stop (see the module's docstring for when); from then
    on it takes no new lease (a client arriving now starts a new archive once this one ends)."""
    idle_since = time.monotonic()
    with book.changed:
        while not book.stop_requested:
            book.changed.wait(timeout=POLL_S)
            if book.leases:
                idle_since = time.monotonic()
                continue
            idle_s = time.monotonic() - idle_since
            if book.ever_leased and (book.last_left_cleanly or idle_s >= IDLE_GRACE_S):
                break
            if not book.ever_leased and (idle_s >= FIRST_LEASE_TIMEOUT_S or not parent_is_alive()):
                break
        book.is_stopping = True


def _parent_watch(parent_pid: int | None) -> Any:
    created = process_create_time(parent_pid) if parent_pid else None

    def parent_is_alive() -> bool:
        return parent_pid is not None and process_is_alive(parent_pid, created)

    return parent_is_alive


def _record(
    archive: LocalArchive, instance_id: str, control_port: int, payload: dict[str, Any]
) -> ArchiveRecord:
    pid = os.getpid()
    return ArchiveRecord(
        pid=pid,
        create_time=process_create_time(pid) or time.time(),
        instance_id=instance_id,
        endpoint_url=archive.endpoint_url,
        control_port=control_port,
        bucket_stem=archive.network_config.bucket_stem,
        options=payload,
    )


def _remove_profiles(paths: set[Path], endpoint_url: str) -> None:
    """Profiles that name this archive mislead once it stops; others' are left alone."""
    for path in paths:
        try:
            if load_profile(path).endpoint_url == endpoint_url:
                path.unlink()
        except (ProblemsFound, OSError):
            pass
