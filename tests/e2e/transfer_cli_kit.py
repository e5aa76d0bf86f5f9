"""Shared pieces of the `uploader-gui transfer` end-to-end tests.

Each test module runs its own local archive (moto over real HTTP on 127.0.0.1, with the
reference validator) in the test process, writes a profile file for it, and runs the CLI
against it: in-process through `cli.main` where it can, as a child process where it must be
killed. After the module, the archive is stopped and its strict validator must have recorded no
client row the real validator would crash on (`validator_failures`).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import queue
import secrets
import subprocess
import sys
import threading
import zlib
from base64 import b64encode
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from uploader_gui.cli import main
from uploader_gui.sandbox.archive import LocalArchive, SandboxOptions

LABEL_TEMPLATE = """\
dataset: e2e_set
delivery_id: '{delivery_id}'
time:
  delivery_start_date: 2025-01-15
filetypes:
  images:
    filename: '.*\\.fits$'
    standard: fits
  tables:
    filename: '.*\\.csv$'
    standard: text
delivery_meta:
  schema_version: 0.1.0
  global_validation_options:
    missing_filetypes_ok: true
"""
# Quicker polls than the protocol's 1 s, so each run takes seconds; everything else is default.
FAST_POLLS = ("--poll-every", "0.2")


def crc32_b64(data: bytes) -> str:
    return b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def start_archive(**options: Any) -> LocalArchive:
    options.setdefault("bucket_stem", f"e{secrets.token_hex(3)}")
    options.setdefault("auto_accept", True)
    archive = LocalArchive(SandboxOptions(**options))
    archive.start()
    return archive


@contextlib.contextmanager
def running_archive(**options: Any) -> Iterator[LocalArchive]:
    """An archive for one module; its validator must see no protocol error."""
    archive = start_archive(**options)
    try:
        yield archive
    finally:
        archive.stop()
    assert archive.validator_failures == [], "the reference validator reported protocol errors"


@dataclass
class CliRun:
    exit_status: int
    out: str
    err: str

    @property
    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.splitlines() if line.startswith("{")]

    def of(self, name: str) -> list[dict[str, Any]]:
        return [event for event in self.events if event["event"] == name]

    @property
    def ended(self) -> dict[str, Any]:
        (event,) = self.of("SessionEnded")
        return event


@dataclass
class Workspace:
    """One test's folders, label and profile for an archive."""

    archive: LocalArchive
    root: Path
    delivery_id: str = field(default_factory=lambda: secrets.token_hex(3))

    @property
    def profile_path(self) -> Path:
        path = self.root / "profile.toml"
        if not path.exists():
            self.archive.write_profile(path)
        return path

    @property
    def label_path(self) -> Path:
        path = self.root / f"label-{self.delivery_id}.yaml"
        if not path.exists():
            path.write_text(LABEL_TEMPLATE.format(delivery_id=self.delivery_id), "utf-8")
        return path

    @property
    def names(self) -> Any:
        return self.archive.network_config.names_for("e2e_set", self.delivery_id, "staging")

    def folder(self, files: dict[str, bytes], name: str = "data") -> Path:
        folder = self.root / name
        for relative, content in files.items():
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        return folder

    def args(self, folder: Path, *extra: str) -> list[str]:
        return [
            "transfer",
            str(folder),
            str(self.label_path),
            "--profile-file",
            str(self.profile_path),
            *FAST_POLLS,
            *extra,
        ]

    def run(self, folder: Path, *extra: str) -> CliRun:
        """The CLI in this process, its output captured."""
        return run_cli(self.args(folder, *extra))

    def spawn(self, folder: Path, *extra: str) -> subprocess.Popen[str]:
        """The CLI as a child process: to be killed, or to use the second core (the archive
        keeps this process busy)."""
        return self.spawn_args(self.args(folder, *extra))

    def spawn_args(
        self, argv: list[str], *, env: dict[str, str] | None = None
    ) -> subprocess.Popen[str]:
        """The CLI with exactly `argv` as a child process (`env`: the test's by default)."""
        code = "import sys; from uploader_gui.cli import main; sys.exit(main(sys.argv[1:]))"
        return subprocess.Popen(
            [sys.executable, "-c", code, *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ) if env is None else env,
        )

    def operations(self, name: str, **match: str) -> list[dict[str, Any]]:
        return [
            record
            for record in self.archive.audit_records()
            if record["operation"] == name
            and all(record.get(key) == value for key, value in match.items())
        ]

    def object_bytes(self, bucket: str, key: str) -> bytes | None:
        s3 = self.archive.boto3_client("s3")
        try:
            return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        except s3.exceptions.NoSuchKey:
            return None


class EventStream:
    """The child's JSON lines, read on a thread so the test can wait for one with a timeout
    (and its stderr, drained on another so the child never blocks on a full pipe)."""

    def __init__(self, child: subprocess.Popen[str]) -> None:
        self.child = child
        self.lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.err: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(child,), daemon=True)
        self._thread.start()
        assert child.stderr is not None
        self._err_thread = threading.Thread(
            target=lambda: self.err.extend(child.stderr or ()), daemon=True
        )
        self._err_thread.start()

    def finish(self, timeout_s: float = 300) -> tuple[int, str]:
        """Wait for the child to exit: its exit status and the end of its stderr."""
        status = self.child.wait(timeout=timeout_s)
        self._err_thread.join(timeout=30)
        self.rest()
        return status, "".join(self.err)[-3000:]

    def _read(self, child: subprocess.Popen[str]) -> None:
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("{"):
                self.lines.put(json.loads(line))
        self.lines.put(None)

    def wait_for(self, name: str, timeout_s: float = 120, **match: Any) -> dict[str, Any]:
        while True:
            event = self.lines.get(timeout=timeout_s)
            if event is None:
                raise AssertionError(f"the CLI ended before {name} {match}: {self.seen[-5:]}")
            self.seen.append(event)
            if event["event"] == name and all(event.get(k) == v for k, v in match.items()):
                return event

    def rest(self) -> list[dict[str, Any]]:
        self._thread.join(timeout=120)
        while (event := self.lines.get_nowait()) is not None:
            self.seen.append(event)
        return self.seen


def run_cli(argv: list[str]) -> CliRun:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return CliRun(status, out.getvalue(), err.getvalue())


def receipt(run: CliRun) -> dict[str, Any]:
    """The JSON receipt a run wrote (its path is in the run's summary)."""
    paths = [line.split("receipt: ", 1)[1] for line in run.out.splitlines() if "receipt: " in line]
    if not paths:
        paths = [p for p in run.ended["receipt_paths"] if p.endswith(".json")]
    json_path = next(p for p in paths if p.endswith(".json"))
    return json.loads(Path(json_path).read_text("utf-8"))


@pytest.fixture
def workspace_factory(tmp_path: Path) -> Any:
    def make(archive: LocalArchive) -> Workspace:
        return Workspace(archive, tmp_path)

    return make
