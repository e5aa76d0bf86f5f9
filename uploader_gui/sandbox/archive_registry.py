"""What the local archive's process and its clients share: the port file and the control lines.

The archive's process writes `archive.json` in its folder (`AppDirs.local_archive_dir`) once it
serves: its pid and start time (a pid alone may be reused), an instance id, the archive's
endpoint and the port of its control endpoint. A client reads it, connects to the control
endpoint and holds that TCP connection open as its lease; the archive stops when the last
lease goes. Messages on the control connection are one JSON object a line.

Light imports only (no moto, no boto3): the window reads this to find the archive.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, BinaryIO

import psutil

RECORD_FILENAME = "archive.json"
LOCK_FILENAME = "archive.lock"
LOG_FILENAME = "archive.log"
PROFILE_FILENAME = "profile.toml"  # the archive's own copy of its profile, for joining clients
CONTROL_HOST = "127.0.0.1"
MAX_LINE_BYTES = 64 * 1024
EXIT_OS_ERROR = 3  # the archive's process could not listen and the like: clients raise OSError
EXIT_REFUSED = 2  # its options were refused: clients raise RuntimeError


@dataclass(frozen=True, slots=True)
class ArchiveRecord:
    """One running archive process, as its port file says."""

    pid: int
    create_time: float  # psutil's, so a reused pid is not taken for the archive
    instance_id: str
    endpoint_url: str
    control_port: int
    bucket_stem: str
    options: dict[str, Any]  # the SandboxOptions it was started with (non-default fields)
    # What a control request must carry: the control endpoint listens on 127.0.0.1, which every
    # account on the computer reaches, so only whoever can read this (owner-only) file may hold
    # a lease on the archive or stop it.
    control_key: str = ""

    def profile_path(self, home: Path) -> Path:
        return home / PROFILE_FILENAME


def read_record(home: Path) -> ArchiveRecord | None:
    """The port file's record, or None when there is none or it is unreadable (stale)."""
    try:
        data = json.loads((home / RECORD_FILENAME).read_text(encoding="utf-8"))
        return ArchiveRecord(**data)
    except (OSError, ValueError, TypeError):
        return None


def write_record(home: Path, record: ArchiveRecord) -> None:
    """Atomically: a client never reads half a file."""
    home.mkdir(parents=True, exist_ok=True)
    temp = home / f".{RECORD_FILENAME}.{os.getpid()}.tmp"
    # Owner-only from the start: it holds the control key (POSIX; Windows' per-user profile
    # folders are private already).
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(json.dumps(asdict(record)))
    os.replace(temp, home / RECORD_FILENAME)


def remove_record(home: Path, instance_id: str | None = None) -> None:
    """Remove the port file; with `instance_id`, only if it still names that archive."""
    if instance_id is not None:
        record = read_record(home)
        if record is not None and record.instance_id != instance_id:
            return
    with contextlib.suppress(FileNotFoundError):
        (home / RECORD_FILENAME).unlink()


def process_create_time(pid: int) -> float | None:
    """When process `pid` started, or None if there is no such live process."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return None  # exited, not yet reaped: it serves nothing
        return process.create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def process_is_alive(pid: int, create_time: float | None = None) -> bool:
    """Whether `pid` runs (and, given `create_time`, is still the same process)."""
    started = process_create_time(pid)
    if started is None:
        return False
    return create_time is None or abs(started - create_time) < 1.0


def send_message(connection: socket.socket, message: dict[str, Any]) -> None:
    connection.sendall(json.dumps(message).encode("utf-8") + b"\n")


def read_message(stream: BinaryIO) -> dict[str, Any] | None:
    """The next line's object; None at end of stream, on a reset or on a garbled line."""
    try:
        line = stream.readline(MAX_LINE_BYTES)
    except OSError:
        return None
    if not line:
        return None
    try:
        message = json.loads(line)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def options_payload(options: Any) -> dict[str, Any]:
    """A `SandboxOptions`' fields that differ from their defaults, as JSON values.

    What a client passes the archive's process on its command line, and what it compares with
    a running archive's record: the same payload means the same archive. `data_dir` is left
    out: it is the archive folder's own, passed on its own.
    """
    payload: dict[str, Any] = {}
    for option in fields(options):
        value = getattr(options, option.name)
        if option.name == "data_dir" or value == option.default:
            continue
        payload[option.name] = _json_value(value)
    return payload


def _json_value(value: Any) -> Any:
    if isinstance(value, Path):
        return os.path.abspath(value)  # the archive's process runs in its own folder
    if isinstance(value, tuple | list):
        return [_json_value(item) for item in value]
    return value
