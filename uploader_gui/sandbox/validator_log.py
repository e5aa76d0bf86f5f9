"""The validator's two log channels: its append writer and its tail of the client log.

`ValidatorLogWriter` is upstream's `S3TSVWriter` (PROTOCOL.md §4.4): `write()` only buffers; one
thread appends the whole buffer with HEAD + `PutObject(WriteOffsetBytes=size)`. Upstream flushes
only after 0.5 s without writes, which starves under steady traffic; this writer also flushes as
soon as the oldest buffered row has waited `flush_max_delay_s` (1 s).

`ClientLogTail` is upstream's `S3TSVReader` over `Bucket.tail` (§4.5): it starts at the object's
current end, polls HEAD once a second and fetches only the new bytes with ranged GETs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from uploader_gui.core.protocol.log_rows import format_row

RANGE_PART_BYTES = 50 * 1024 * 1024
# How much already-read text each ranged GET re-reads, to notice a replaced client log.
OVERLAP_BYTES = 64
WRITER_POLL_S = 0.08
_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


class LogWriterStoppedError(RuntimeError):
    """A write after the writer stopped (upstream: "Can't write to stopped writer.")."""


def is_not_found(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code", "")) in _NOT_FOUND_CODES


class ValidatorLogWriter:
    """Buffered appender of rows to one log object in an S3 Express (directory) bucket."""

    def __init__(
        self,
        s3: Any,
        bucket: str,
        key: str,
        agent_id: str,
        *,
        flush_idle_s: float = 0.5,
        flush_max_delay_s: float = 1.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._key = key
        self.agent_id = agent_id
        self._flush_idle_s = flush_idle_s
        self._flush_max_delay_s = flush_max_delay_s
        self._now = now
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._buffer: list[str] = []
        self._oldest_buffered_at: float | None = None
        self._last_write_at = monotonic()
        self._stopping = threading.Event()
        self.failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"log-writer {key}", daemon=True)
        self._thread.start()

    @property
    def is_running(self) -> bool:
        return self._thread.is_alive() and not self._stopping.is_set()

    def write(self, category: str, ref: str, status: str, message: object = None) -> None:
        """Buffer one row stamped now; never does network I/O."""
        if not self.is_running:
            raise LogWriterStoppedError("Can't write to stopped writer.")
        row = format_row(self._now(), category, ref, status, message, self.agent_id)
        with self._lock:
            self._buffer.append(row)
            self._last_write_at = self._monotonic()
            if self._oldest_buffered_at is None:
                self._oldest_buffered_at = self._last_write_at

    def idle_s(self) -> float:
        """Seconds since the last `write()`: what drives the validator's keepalives."""
        with self._lock:
            return self._monotonic() - self._last_write_at

    def stop(self, timeout_s: float = 10.0) -> None:
        """Flush what is buffered (waiting up to `timeout_s`), then end the thread."""
        self._stopping.set()
        self._thread.join(timeout_s)

    def _run(self) -> None:
        while True:
            stopping = self._stopping.wait(WRITER_POLL_S)
            try:
                self._flush(force=stopping)
            except Exception as exc:  # noqa: BLE001 - upstream: any append error ends the writer
                self.failure = exc
                self._stopping.set()
                return
            if stopping:
                return

    def _take_due_text(self, force: bool) -> str:
        with self._lock:
            if not self._buffer:
                return ""
            now = self._monotonic()
            assert self._oldest_buffered_at is not None
            is_idle = now - self._last_write_at >= self._flush_idle_s
            has_waited = now - self._oldest_buffered_at >= self._flush_max_delay_s
            if not (force or is_idle or has_waited):
                return ""
            text = "".join(self._buffer)
            self._buffer.clear()
            self._oldest_buffered_at = None
            return text

    def _flush(self, force: bool) -> None:
        text = self._take_due_text(force)
        if text:
            append_to_object(self._s3, self._bucket, self._key, text.encode("utf-8"))


def append_to_object(s3: Any, bucket: str, key: str, body: bytes) -> None:
    """hostess `Bucket.append`: HEAD for the offset, append there, or create the object."""
    try:
        head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    except ClientError as exc:
        if not is_not_found(exc):
            raise
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        return
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=body, WriteOffsetBytes=head["ContentLength"])
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "TooManyParts":
            raise
        # A copy resets the part count; REPLACE makes the self-copy a real change (§4.4).
        s3.copy_object(
            Bucket=bucket,
            Key=key,
            CopySource={"Bucket": bucket, "Key": key},
            MetadataDirective="REPLACE",
        )
        append_to_object(s3, bucket, key, body)


class ClientLogTail:
    """Polls the client log from its end at start; `drain()` returns the new text.

    Each poll reads only the bytes after the last position (a ranged GET), plus the last
    `OVERLAP_BYTES` already read: if those changed, the log was replaced rather than appended
    to, which upstream cannot see (it reads on from its old offset, mid-row). A log that shrinks
    leaves upstream deaf until it grows past the old end (§4.5). Both are reported through
    `on_problem` so the client that did it is caught, while the reading stays upstream's.
    """

    def __init__(
        self,
        s3: Any,
        bucket: str,
        key: str,
        *,
        poll_s: float = 1.0,
        on_problem: Callable[[str], None] = lambda text: None,
    ) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._key = key
        self._poll_s = poll_s
        self._on_problem = on_problem
        self._lock = threading.Lock()
        self._chunks: list[str] = []
        self._stopping = threading.Event()
        self.failure: BaseException | None = None
        self._position = 0
        # The last bytes before `_position`, as read; None until the first read.
        self._seen_tail: bytes | None = None
        self._shrink_reported = False
        self._thread = threading.Thread(target=self._run, name=f"log-tail {key}", daemon=True)

    @property
    def is_running(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        """Record the current end (0 if the log does not exist yet) and start polling."""
        self._position = self._size_bytes() or 0
        self._thread.start()

    def drain(self) -> str:
        with self._lock:
            text = "".join(self._chunks)
            self._chunks.clear()
        return text

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def _size_bytes(self) -> int | None:
        try:
            head = self._s3.head_object(Bucket=self._bucket, Key=self._key)
        except ClientError as exc:
            if is_not_found(exc):
                return None
            raise
        return int(head["ContentLength"])

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                if not self._poll_once():
                    self._stopping.wait(self._poll_s)
        except Exception as exc:  # noqa: BLE001 - a dead tail crashes the pipeline (§4.5)
            self.failure = exc

    def _poll_once(self) -> bool:
        size_bytes = self._size_bytes()
        if size_bytes is None or size_bytes == self._position:
            return False
        if size_bytes < self._position:
            self._report_shrink(size_bytes)
            return False
        while self._position < size_bytes:
            last_byte = min(size_bytes, self._position + RANGE_PART_BYTES) - 1
            self._read_range(last_byte)
        return True

    def _read_range(self, last_byte: int) -> None:
        """Read up to `last_byte` (inclusive) from the position, with the overlap before it."""
        overlap = len(self._seen_tail) if self._seen_tail is not None else OVERLAP_BYTES
        first_byte = max(0, self._position - overlap)
        response = self._s3.get_object(
            Bucket=self._bucket, Key=self._key, Range=f"bytes={first_byte}-{last_byte}"
        )
        data: bytes = response["Body"].read()
        seen, new = data[: self._position - first_byte], data[self._position - first_byte :]
        if self._seen_tail is not None and seen != self._seen_tail:
            self._on_problem(
                f"the client log {self._key} was replaced, not appended to: the bytes before "
                f"offset {self._position} changed; upstream's reader reads on from that offset"
            )
        with self._lock:
            self._chunks.append(new.decode("utf-8"))
        self._position += len(new)
        self._seen_tail = (seen + new)[-OVERLAP_BYTES:]
        self._shrink_reported = False

    def _report_shrink(self, size_bytes: int) -> None:
        if self._shrink_reported:
            return
        self._shrink_reported = True
        self._on_problem(
            f"the client log {self._key} shrank from {self._position} to {size_bytes} bytes; "
            "it must only be appended to (upstream's reader sees nothing more until it grows "
            "past the old end)"
        )
