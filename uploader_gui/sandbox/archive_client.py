"""Finding, starting and leaving the local archive's process (`archive_process`), for clients.

`lease_local_archive()` joins the archive running for this user (its port file and a lease on
its control endpoint) or starts one, under a file lock so two clients starting at once get the
same archive. A stale port file (its process gone, or not answering) is replaced. The lease is
a TCP connection held open: when the client's process ends, however it ends, the OS closes it
and the archive knows. `reset_local_archive()` stops it whoever uses it and empties its data folder.

Light imports only (no moto, no boto3): the window's process never loads the archive.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import filelock
import psutil

from uploader_gui.sandbox.archive_registry import (
    CONTROL_HOST,
    EXIT_OS_ERROR,
    LOCK_FILENAME,
    LOG_FILENAME,
    ArchiveRecord,
    process_is_alive,
    read_message,
    read_record,
    remove_record,
    send_message,
)

START_TIMEOUT_S = 120.0  # a frozen app on a slow disk imports moto in ~10 s; be generous
CONNECT_TIMEOUT_S = 5.0
STOP_TIMEOUT_S = 30.0
_POLL_S = 0.05


class ArchiveLease:
    """This client's lease on a running archive: `release()` when done with it."""

    def __init__(
        self, home: Path, record: ArchiveRecord, connection: socket.socket, spawned: Any
    ) -> None:
        self.home = home
        self.record = record
        self.joined_running = spawned is None  # another client had started it
        self._connection = connection
        self._spawned: subprocess.Popen[bytes] | None = spawned
        self.leases_left: int | None = None  # after release: 0 when it stopped the archive

    @property
    def profile_path(self) -> Path:
        return self.record.profile_path(self.home)

    def release(self, timeout_s: float = STOP_TIMEOUT_S) -> int:
        """Give the lease back; if it was the last, wait until the archive has stopped (its
        port closed, its port file and profiles gone). Returns how many users are left."""
        if self.leases_left is not None:
            return self.leases_left
        self.leases_left = 0
        try:
            self._connection.settimeout(timeout_s)
            send_message(self._connection, {"op": "release"})
            with self._connection.makefile("rb") as stream:
                reply = read_message(stream) or {}
                self.leases_left = int(reply.get("leases_left", 0))
                if self.leases_left == 0:
                    read_message(stream)  # None once the archive has stopped and hung up
        except OSError:
            pass  # the archive is gone already
        finally:
            self._connection.close()
        if self.leases_left == 0:
            _wait_for_exit(self.record, self._spawned, timeout_s)
        return self.leases_left


def lease_local_archive(
    home: Path,
    payload: dict[str, Any] | None,
    *,
    profile_path: Path | None,
    data_dir: Path,
    start_timeout_s: float = START_TIMEOUT_S,
) -> ArchiveLease:
    """A lease on this user's archive, starting it if none runs.

    `payload`: the options wanted (`options_payload`); None joins whatever runs, or starts one
    that accepts any label. Raises OSError when the archive cannot listen, RuntimeError when
    one with other options runs or the archive refuses its options.
    """
    home.mkdir(parents=True, exist_ok=True)
    wanted = {"auto_accept": True} if payload is None else payload
    with filelock.FileLock(str(home / LOCK_FILENAME), timeout=start_timeout_s):
        record = read_record(home)
        if record is not None:
            lease = _join(home, record, payload, profile_path)
            if lease is not None:
                return lease
            _retire(home, record)
        child = _spawn(home, wanted, data_dir)
        record = _wait_for_record(home, child, start_timeout_s)
        lease = _join(home, record, None, profile_path, spawned=child)
        if lease is None:
            child.kill()
            child.wait()
            raise RuntimeError("the local archive started but did not answer")
        return lease


def reset_local_archive(home: Path, data_dir: Path) -> str:
    """Stop the archive (whoever uses it) and empty its data folder; what was done, for
    people. Raises RuntimeError if another archive still runs on that folder."""
    home.mkdir(parents=True, exist_ok=True)
    stopped = ""
    with filelock.FileLock(str(home / LOCK_FILENAME), timeout=START_TIMEOUT_S):
        record = read_record(home)
        if record is not None and process_is_alive(record.pid, record.create_time):
            users = _request_stop(record)
            _retire(home, record)
            used_by = f" (used by {users} program{'s' if users != 1 else ''})" if users else ""
            stopped = f"Stopped the local archive at {record.endpoint_url}{used_by}"
        remove_record(home)
        existed = data_dir.exists()
        if existed:
            _empty(data_dir)
    return _reset_text(stopped, data_dir if existed else None)


def _empty(data_dir: Path) -> None:
    """Every bucket and object goes; the account and keys stay, so profiles written for it
    reach the empty archive and a delivery sent before is known to be lost, not resumed.

    Imports the archive's disk code (and moto with it): a reset is rare, and the window runs
    it on its archive thread. Raises RuntimeError if an archive still runs on the folder."""
    from uploader_gui.sandbox.disk_restore import empty_folder

    empty_folder(data_dir)


def _reset_text(stopped: str, emptied: Path | None) -> str:
    if stopped and emptied:
        return f"{stopped} and emptied its data folder {emptied}. It starts again empty."
    if stopped:
        return f"{stopped}; it kept nothing on disk. It starts again empty."
    if emptied:
        return f"The local archive was not running; emptied its data folder {emptied}."
    return "The local archive was not running and kept nothing on disk: nothing to reset."


def archive_command(home: Path, payload: dict[str, Any], data_dir: Path) -> list[str]:
    """How to run the archive's process: the frozen app is its own interpreter."""
    import json

    if getattr(sys, "frozen", False):  # PyInstaller: sys.executable is the app itself
        program: Sequence[str] = [sys.executable]
    else:
        program = [sys.executable, "-m", "uploader_gui"]
    return [
        *program,
        "sandbox",
        "--serve",
        str(home),
        "--options-json",
        json.dumps(payload),
        "--data-dir",
        str(data_dir),
        "--parent-pid",
        str(os.getpid()),
    ]


def _spawn(home: Path, payload: dict[str, Any], data_dir: Path) -> subprocess.Popen[bytes]:
    # Its own session / process group: Ctrl-C in a terminal running `uploader-gui sandbox`
    # must not kill an archive the window also uses; its leases decide when it ends.
    flags: dict[str, Any] = {"start_new_session": True}
    if sys.platform == "win32":
        flags = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.CREATE_NO_WINDOW}
    with (home / LOG_FILENAME).open("wb") as log:  # read back if it fails to start
        return subprocess.Popen(
            archive_command(home, payload, data_dir),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            cwd=home,  # not the client's: a folder it runs in could not be deleted on Windows
            **flags,
        )


def _wait_for_record(home: Path, child: subprocess.Popen[bytes], timeout_s: float) -> ArchiveRecord:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        record = read_record(home)
        if record is not None and record.pid == child.pid:
            return record
        status = child.poll()
        if status is not None:
            raise _start_failure(home, status)
        time.sleep(_POLL_S)  # another process's start: nothing here to wait on
    child.kill()
    child.wait()
    raise RuntimeError(f"the local archive did not start within {timeout_s:.0f} s")


def _start_failure(home: Path, status: int) -> Exception:
    try:
        lines = (home / LOG_FILENAME).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    said = [line for line in lines if line.strip()]
    reason = said[-1].removeprefix("uploader-gui sandbox: ") if said else f"exit status {status}"
    return OSError(reason) if status == EXIT_OS_ERROR else RuntimeError(reason)


def _join(
    home: Path,
    record: ArchiveRecord,
    payload: dict[str, Any] | None,
    profile_path: Path | None,
    *,
    spawned: subprocess.Popen[bytes] | None = None,
) -> ArchiveLease | None:
    """A lease on `record`'s archive; None if it is gone or stopping."""
    if spawned is None and not process_is_alive(record.pid, record.create_time):
        return None
    if payload is not None and payload != record.options:
        raise RuntimeError(
            f"a local archive with other settings runs at {record.endpoint_url} (pid "
            f"{record.pid}); stop the programs using it or run `uploader-gui sandbox --reset`"
        )
    try:
        connection = socket.create_connection(
            (CONTROL_HOST, record.control_port), timeout=CONNECT_TIMEOUT_S
        )
    except OSError:
        return None
    try:
        request = {
            "op": "lease",
            "key": record.control_key,
            "pid": os.getpid(),
            "profile_path": _text(profile_path),
        }
        send_message(connection, request)
        with connection.makefile("rb") as stream:
            reply = read_message(stream) or {}
    except OSError:
        reply = {}
    if not reply.get("ok") or reply.get("instance_id") != record.instance_id:
        connection.close()
        return None
    connection.settimeout(None)
    return ArchiveLease(home, record, connection, spawned)


def _text(path: Path | None) -> str | None:
    return None if path is None else str(path)


def _request_stop(record: ArchiveRecord) -> int:
    """Ask the archive to stop now; how many users it had."""
    try:
        with socket.create_connection(
            (CONTROL_HOST, record.control_port), timeout=CONNECT_TIMEOUT_S
        ) as connection:
            send_message(connection, {"op": "shutdown", "key": record.control_key})
            with connection.makefile("rb") as stream:
                reply = read_message(stream) or {}
                connection.settimeout(STOP_TIMEOUT_S)
                read_message(stream)  # None once it has stopped
    except OSError:
        return 0
    return int(reply.get("leases", 0))


def _retire(home: Path, record: ArchiveRecord) -> None:
    """Make way for a new archive: the old one's process ends (a stopping one is waited for,
    a hung one ended) and its port file goes."""
    _wait_for_exit(record, None, STOP_TIMEOUT_S)
    if process_is_alive(record.pid, record.create_time):
        with contextlib.suppress(psutil.Error):
            process = psutil.Process(record.pid)
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_S)
    remove_record(home, record.instance_id)


def _wait_for_exit(
    record: ArchiveRecord, spawned: subprocess.Popen[bytes] | None, timeout_s: float
) -> None:
    if spawned is not None:  # our child: reap it, no zombie left
        with contextlib.suppress(subprocess.TimeoutExpired):
            spawned.wait(timeout=timeout_s)
        return
    deadline = time.monotonic() + timeout_s
    while process_is_alive(record.pid, record.create_time) and time.monotonic() < deadline:
        time.sleep(_POLL_S)  # not our child: psutil can only poll it
