"""Helpers for the transfer engine's integration tests: a delivery in a real state store, files
on disk, the engine wired to the local archive over HTTP, and client-side injected faults.

Faults are botocore `before-send` handlers (allowed: they are faults, not mocks): they answer a
chosen request with an error response, or corrupt its body, before it leaves the client.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import secrets
import threading
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse, HeadersDict

from uploader_gui.aws.clients import make_session
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.engine.file_states import FileTracker
from uploader_gui.core.events import Event, FileStateChanged, TransferAttemptEnded
from uploader_gui.core.upload.part_plan import MIB, PartPlanner
from uploader_gui.core.upload.retry_policy import RetryPolicy
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.store.delivery_files import DeliveryFiles
from uploader_gui.store.state_store import StateStore
from uploader_gui.transfer.engine import TransferEngine, TransferSettings
from uploader_gui.transfer.transfer_clients import TransferClientFactory
from uploader_gui.transfer.transfer_context import LocalSource, Source

PART_BYTES = 5 * MIB  # S3's (and the archive's) smallest part
WAIT_S = 60.0
# Small files' two request paths (`transfer.lean_put`): a test of a promise both must keep
# runs over both, as `@BOTH_PUT_PATHS` (the `put_path` fixture of `transfer_fixtures`).
PUT_PATHS = ("lean", "botocore")
BOTH_PUT_PATHS = pytest.mark.parametrize("put_path", PUT_PATHS)


def crc32_b64(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def quick_settings(**overrides: Any) -> TransferSettings:
    """Small parts and quick retries, so the suite stays fast."""
    values: dict[str, Any] = {
        "concurrency": 2,
        "planner": PartPlanner(threshold_bytes=PART_BYTES, part_size_bytes=PART_BYTES),
        "retry_policy": RetryPolicy(base_delay_s=0.01, max_delay_s=0.05, max_attempts=4),
        "chunk_bytes": 1 * MIB,
        "progress_interval_s": 0.1,
    }
    values.update(overrides)
    return TransferSettings(**values)


class EventLog:
    """Every event emitted, in order; tests wait on it instead of sleeping."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._condition = threading.Condition()

    def __call__(self, event: Event) -> None:
        with self._condition:
            self.events.append(event)
            self._condition.notify_all()

    def wait_for(self, predicate: Callable[[Event], bool], timeout_s: float = WAIT_S) -> Event:
        with self._condition:
            found: list[Event] = []

            def seen() -> bool:
                found[:] = [e for e in self.events if predicate(e)]
                return bool(found)

            if not self._condition.wait_for(seen, timeout_s):
                raise AssertionError(f"no matching event within {timeout_s} s")
            return found[0]

    def of_type(self, kind: type[Any]) -> list[Any]:
        with self._condition:
            return [e for e in self.events if isinstance(e, kind)]

    def states_of(self, path: str) -> list[str]:
        return [e.new_state for e in self.of_type(FileStateChanged) if e.path == path]

    def attempts_of(self, path: str) -> list[TransferAttemptEnded]:
        return [e for e in self.of_type(TransferAttemptEnded) if e.path == path]


class NotifyingFiles:
    """The real store (a `TransferRecords`), telling the test when a part was saved, so it can
    act at that moment."""

    def __init__(self, files: DeliveryFiles, on_part: Callable[[str, int], None]) -> None:
        self._files = files
        self._on_part = on_part
        self.begin_multipart = files.begin_multipart
        self.multipart = files.multipart
        self.record_fingerprint = files.record_fingerprint
        self.record_event = files.record_event

    def record_part(
        self, path: str, *, part_number: int, etag: str, crc32: int, size_bytes: int
    ) -> None:
        self._files.record_part(
            path, part_number=part_number, etag=etag, crc32=crc32, size_bytes=size_bytes
        )
        self._on_part(path, part_number)


class FaultyClients:
    """A `TransferClientFactory` whose clients get fault handlers installed."""

    def __init__(
        self, factory: TransferClientFactory, install: Iterable[Callable[[Any], None]]
    ) -> None:
        self._factory = factory
        self._install = tuple(install)

    @property
    def created_count(self) -> int:
        return self._factory.created_count

    def __call__(self) -> Any:
        client = self._factory()
        for handler in self._install:
            handler(client)
        return client


@dataclass
class Delivery:
    """One delivery's files on disk, registered in a real store, and its transfer bucket."""

    archive: LocalArchive
    root: Path
    store: StateStore
    delivery_key: int
    bucket: str
    contents: dict[str, bytes]
    files: list[FileFingerprint]
    events: EventLog = field(default_factory=EventLog)
    put_path: str = "lean"  # "botocore": small files' PUTs through the botocore client

    def __post_init__(self) -> None:
        self.records: DeliveryFiles = self.store.delivery_files(self.delivery_key)
        self.tracker = FileTracker(self.records, self.events)
        self.tracker.track(self.records.states())
        self.s3 = self.archive.boto3_client("s3")

    def client_factory(
        self, *install: Callable[[Any], None], credentials: Any = None
    ) -> FaultyClients:
        """The engine's real client factory; `install` adds fault handlers to each client."""
        profile = self.archive.profile()
        return FaultyClients(
            TransferClientFactory(make_session(profile, credentials), profile), install
        )

    def engine(
        self,
        *,
        factory: Any = None,
        settings: TransferSettings | None = None,
        records: Any = None,
        source: Source | None = None,
        **options: Any,
    ) -> TransferEngine:
        settings = settings or quick_settings()
        if self.put_path == "botocore":
            settings = dataclasses.replace(settings, lean_put_max_bytes=None)
        return TransferEngine(
            client_factory=factory or self.client_factory(),
            tracker=self.tracker,
            records=records or self.records,
            emit=self.events,
            bucket=self.bucket,
            source=source or LocalSource(self.root),
            settings=settings,
            **options,
        )

    def close(self) -> None:
        self.store.close()

    def object_bytes(self, path: str) -> bytes:
        return bytes(self.s3.get_object(Bucket=self.bucket, Key=path)["Body"].read())

    def head(self, path: str) -> dict[str, Any]:
        return dict(self.s3.head_object(Bucket=self.bucket, Key=path, ChecksumMode="ENABLED"))

    def open_uploads(self, path: str) -> list[dict[str, Any]]:
        listed = self.s3.list_multipart_uploads(Bucket=self.bucket, Prefix=path)
        return [u for u in listed.get("Uploads", []) if u["Key"] == path]

    def requests(self, operation: str, path: str, *, since: int = 0, status: int = 200) -> int:
        return sum(
            1
            for record in self.archive.audit_records()[since:]
            if record["operation"] == operation
            and record["key"] == path
            and record["bucket"] == self.bucket
            and record["status"] == status
        )


def write_files(root: Path, contents: dict[str, bytes]) -> list[FileFingerprint]:
    files = []
    for path, data in contents.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        stat = target.stat()
        files.append(FileFingerprint(path, stat.st_size, stat.st_mtime_ns, zlib.crc32(data)))
    return files


def make_delivery(
    archive: LocalArchive,
    folder: Path,
    contents: dict[str, bytes],
    *,
    without_checksums: Iterable[str] = (),
) -> Delivery:
    """Files on disk, registered (with their CRC32 unless listed) in a fresh store."""
    root = folder / "data"
    root.mkdir(parents=True)
    files = write_files(root, contents)
    bare = set(without_checksums)
    files = [
        FileFingerprint(f.path, f.size_bytes, f.mtime_ns, None) if f.path in bare else f
        for f in files
    ]
    store = StateStore(folder / "state.db")
    delivery_id = secrets.token_hex(4)
    key = store.create_delivery(
        profile_name="local",
        dataset="tx",
        delivery_id=delivery_id,
        transfer_type="staging",
        source_root=str(root),
    )
    store.register_files(key, files)
    bucket = archive.network_config.names_for("tx", delivery_id, "staging").transfer_bucket
    return Delivery(archive, root, store, key, bucket, dict(contents), files)


MakeDelivery = Callable[..., Delivery]


def random_bytes(size_bytes: int) -> bytes:
    return os.urandom(size_bytes)


# --- client-side faults ----------------------------------------------------------------------


class _RawBody:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterable[bytes]:
        yield self._body


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> AWSResponse:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
        f"<Message>{message}</Message><RequestId>injected</RequestId></Error>"
    ).encode()
    return AWSResponse(
        "http://injected",
        status,
        HeadersDict(headers or {}),
        _RawBody(body),  # type: ignore[arg-type]
    )


class InjectedFaults:
    """Answers the first `count` matching requests with `response()`; thread-safe, shared by
    every client it is installed on."""

    def __init__(
        self,
        operation: str,
        count: int,
        response: Callable[[int], AWSResponse],
        *,
        matches: Callable[[Any], bool] = lambda request: True,
    ) -> None:
        self.operation = operation
        self.remaining = count
        self.injected = 0
        self._response = response
        self._matches = matches
        self._lock = threading.Lock()

    def install(self, client: Any) -> None:
        client.meta.events.register(f"before-send.s3.{self.operation}", self._before_send)

    def _before_send(self, request: Any, **_: Any) -> AWSResponse | None:
        if not self._matches(request):
            return None
        with self._lock:
            if self.remaining <= 0:
                return None
            self.remaining -= 1
            self.injected += 1
            number = self.injected
        return self._response(number)


def corrupt_part(number: int) -> Callable[[Any], None]:
    """Installs a handler flipping one byte of part `number`'s body after its CRC32 was set."""

    def flip_a_byte(request: Any, **_: Any) -> None:
        if f"partNumber={number}&" in request.url + "&":
            body = bytearray(request.body.read())
            body[100] ^= 0xFF
            request.body = bytes(body)

    def install(client: Any) -> None:
        client.meta.events.register("before-send.s3.UploadPart", flip_a_byte)

    return install
