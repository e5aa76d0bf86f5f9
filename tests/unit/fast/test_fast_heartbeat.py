"""Liveness rows on a fake clock: keepalive after 10 s of silence, heartbeat every 60 s."""

from __future__ import annotations

from uploader_gui.core.protocol.log_rows import parse_rows_strict
from uploader_gui.fast.control_log import ClientLogWriter
from uploader_gui.fast.heartbeat import Heartbeat, HeartbeatSchedule


class ChunkList:
    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def append(self, chunk: bytes) -> None:
        self.chunks.append(chunk)


def test_schedule_prefers_the_heartbeat_and_counts_silence_for_keepalives() -> None:
    schedule = HeartbeatSchedule(last_heartbeat_at_s=0.0)
    assert schedule.due(5.0, seconds_since_last_write=5.0) is None
    assert schedule.due(10.0, seconds_since_last_write=10.0) == "keepalive"
    assert schedule.due(30.0, seconds_since_last_write=0.2) is None
    assert schedule.due(60.0, seconds_since_last_write=30.0) == "heartbeat"
    assert schedule.due(61.0, seconds_since_last_write=1.0) is None
    assert schedule.due(120.0, seconds_since_last_write=0.0) == "heartbeat"


def test_heartbeat_rows_come_even_under_steady_traffic() -> None:
    clock = [0.0]
    chunks = ChunkList()
    writer = ClientLogWriter(chunks, "abcdefghijk", monotonic=lambda: clock[0])
    heartbeat = Heartbeat(writer, monotonic=lambda: clock[0])
    written = []
    for second in range(1, 181):
        clock[0] = float(second)
        writer.write("transfer", f"f{second}.fits", "ok")  # a transfer row every second
        written.append(heartbeat.tick())
    assert written.count("heartbeat") == 3
    assert "keepalive" not in written
    writer.stop(timeout_s=10)
    rows = parse_rows_strict(b"".join(chunks.chunks).decode())
    beats = [row for row in rows if row.category == "client"]
    assert [(row.ref, row.status, row.message) for row in beats] == [
        ("self", "ok", "heartbeat")
    ] * 3


def test_keepalive_after_ten_silent_seconds_and_none_after_stop() -> None:
    clock = [0.0]
    chunks = ChunkList()
    writer = ClientLogWriter(chunks, "abcdefghijk", monotonic=lambda: clock[0])
    heartbeat = Heartbeat(writer, monotonic=lambda: clock[0])
    clock[0] = 9.9
    assert heartbeat.tick() is None
    clock[0] = 10.0
    assert heartbeat.tick() == "keepalive"
    clock[0] = 15.0
    assert heartbeat.tick() is None  # the keepalive itself was a row
    writer.stop(timeout_s=10)
    clock[0] = 100.0
    assert heartbeat.tick() is None  # the writer is stopped: nothing may follow `stop`
    rows = parse_rows_strict(b"".join(chunks.chunks).decode())
    assert [row.category for row in rows] == ["keepalive", "stop"]
