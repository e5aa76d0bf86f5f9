"""The client log writer's batching, retries and stop, with an appender that records chunks.

The appender here stands in for S3 only to count chunks and inject faults; the real appends to
the local archive are in tests/integration/test_control_log.py.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from tests.waiting import wait_until
from uploader_gui.core.errors import RetryableError
from uploader_gui.core.events import Event, WarningRaised
from uploader_gui.core.protocol.log_rows import LogRow, parse_rows_strict
from uploader_gui.fast.control_log import ClientLogClosed, ClientLogWriter


class RecordingAppender:
    """Keeps every chunk it accepts; `fail_next` injects that many RetryableErrors."""

    def __init__(self, fail_next: int = 0) -> None:
        self.chunks: list[bytes] = []
        self.attempts: list[bytes] = []
        self.fail_next = fail_next
        self.arrived = threading.Event()

    def append(self, chunk: bytes) -> None:
        self.attempts.append(chunk)
        if self.fail_next:
            self.fail_next -= 1
            raise RetryableError("injected: the archive is unreachable")
        self.chunks.append(chunk)
        self.arrived.set()

    def rows(self) -> list[LogRow]:
        return parse_rows_strict(b"".join(self.chunks).decode())


def make_writer(appender: RecordingAppender, **kwargs: object) -> ClientLogWriter:
    kwargs.setdefault("retry_delays_s", (0.0,))
    return ClientLogWriter(appender, "abcdefghijk", **kwargs)  # type: ignore[arg-type]


def test_rows_before_a_flush_go_out_as_one_chunk_in_order() -> None:
    appender = RecordingAppender()
    writer = make_writer(appender, flush_interval_s=60)
    writer.start()
    for number in range(5):
        writer.write("transfer", f"f{number}.fits", "ok")
    assert writer.flush(timeout_s=10)
    assert len(appender.chunks) == 1
    assert [row.ref for row in appender.rows()] == [f"f{n}.fits" for n in range(5)]
    assert {row.agent_id for row in appender.rows()} == {"abcdefghijk"}
    writer.stop()


def test_steady_writes_are_flushed_by_the_timer_without_any_pause() -> None:
    appender = RecordingAppender()
    writer = make_writer(appender, flush_interval_s=0.05)
    writer.start()
    written = 0
    # Upstream's debounce never flushes while rows keep coming; this writer must.
    while not appender.arrived.is_set() and written < 100_000:
        writer.write("transfer", f"f{written}.fits", "ok")
        written += 1
        appender.arrived.wait(0.001)
    assert appender.arrived.is_set(), "no append while rows kept coming"
    writer.stop()
    assert [row.ref for row in appender.rows()][:-1] == [f"f{n}.fits" for n in range(written)]


def test_a_failed_chunk_is_resent_unchanged_and_no_row_is_lost_or_doubled() -> None:
    appender = RecordingAppender(fail_next=2)
    events: list[Event] = []
    writer = make_writer(appender, flush_interval_s=60, emit=events.append)
    writer.start()
    writer.write("transfer", "a.fits", "ok")
    writer.write("transfer", "b.fits", "ok")
    assert writer.flush(timeout_s=10)
    writer.write("transfer", "c.fits", "ok")
    assert writer.stop(timeout_s=10)
    assert appender.attempts[0] == appender.attempts[1] == appender.attempts[2]
    assert [row.ref for row in appender.rows()] == ["a.fits", "b.fits", "c.fits", "self"]
    assert writer.failure_count == 2
    warnings = [event for event in events if isinstance(event, WarningRaised)]
    assert "Could not write the client log" in warnings[0].message
    assert "unreachable" in warnings[0].detail


def test_chunks_respect_the_size_limit() -> None:
    appender = RecordingAppender()
    writer = make_writer(appender, flush_interval_s=60, max_chunk_bytes=200)
    for number in range(10):
        writer.write("transfer", f"file-{number}.fits", "ok")
    writer.start()
    assert writer.flush(timeout_s=10)
    assert len(appender.chunks) > 1
    assert all(len(chunk) <= 200 for chunk in appender.chunks)
    assert [row.ref for row in appender.rows()] == [f"file-{n}.fits" for n in range(10)]
    writer.stop()


def test_stop_writes_exactly_one_stop_row_and_refuses_later_rows() -> None:
    appender = RecordingAppender()
    writer = make_writer(appender)
    writer.start()
    writer.write("init", "self", "ok", "transfer application started")
    assert writer.stop(timeout_s=10)
    assert writer.stop(timeout_s=10)  # a second stop only waits
    with pytest.raises(ClientLogClosed):
        writer.write("keepalive", "self", "ok")
    categories = [row.category for row in appender.rows()]
    assert categories == ["init", "stop"]
    assert writer.is_stopped


def test_stop_without_start_still_delivers() -> None:
    appender = RecordingAppender()
    writer = make_writer(appender)
    writer.write("transfer", "a.fits", "ok")
    assert writer.stop(timeout_s=10)
    assert [row.category for row in appender.rows()] == ["transfer", "stop"]


def test_stop_reports_rows_it_could_not_deliver() -> None:
    appender = RecordingAppender(fail_next=10**9)
    events: list[Event] = []
    writer = make_writer(appender, emit=events.append, retry_delays_s=(0.01,))
    writer.start()
    writer.write("transfer", "a.fits", "ok")
    assert writer.stop(timeout_s=0.2) is False
    assert any(
        "2 rows of the client log could not be written" in getattr(e, "message", "") for e in events
    )


def test_timestamps_always_have_three_fraction_digits() -> None:
    appender = RecordingAppender()
    moment = datetime(2026, 1, 1, 0, 0, 0, 0, tzinfo=UTC)  # microsecond 0: upstream's bug
    writer = make_writer(appender, now=lambda: moment)
    writer.write("transfer", "a.fits", "ok")
    writer.stop(timeout_s=10)
    assert {row.time for row in appender.rows()} == {"2026-01-01T00:00:00.000Z"}


def test_seconds_since_last_write_follows_the_clock() -> None:
    clock = [100.0]
    writer = make_writer(RecordingAppender(), monotonic=lambda: clock[0])
    clock[0] = 104.0
    assert writer.seconds_since_last_write() == 4.0
    writer.write("transfer", "a.fits", "ok")
    clock[0] = 104.5
    assert writer.seconds_since_last_write() == 0.5
    writer.stop(timeout_s=10)


def test_retry_now_cuts_a_failed_appends_backoff_short() -> None:
    appender = RecordingAppender(fail_next=1)
    # Without the nudge the retry would wait an hour.
    writer = make_writer(appender, retry_delays_s=(3600.0,), flush_interval_s=0.05)
    writer.start()
    writer.write("transfer", "a.fits", "ok")
    wait_until(lambda: writer.failure_count == 1, "the first append to fail")
    writer.retry_now()
    assert appender.arrived.wait(30)
    assert [row.ref for row in appender.rows()] == ["a.fits"]
    writer.stop()
