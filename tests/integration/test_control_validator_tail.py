"""Tailing the validator log over HTTP: split rows, YAML, malformed rows, faults (§4.5)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.control_channel_kit import (
    Delivery,
    FaultSwitch,
    app_s3,
    new_delivery,
)
from tests.waiting import wait_until
from uploader_gui.core.events import Event, ValidatorRowReceived, WarningRaised
from uploader_gui.core.protocol.log_rows import LogRow, format_row
from uploader_gui.fast.s3_objects import object_size
from uploader_gui.fast.validator_tail import ValidatorLogTail, ValidatorTailRunner
from uploader_gui.sandbox.archive import LocalArchive

YAML_FAILURE = {"summary": "problem with accepted label", "exception": "KeyError: 'x'"}


@pytest.fixture
def delivery(local_archive: LocalArchive, tmp_path: Path) -> Delivery:
    return new_delivery(local_archive, tmp_path)


def validator_row(category: str, ref: str, status: str = "ok", message: object = None) -> bytes:
    return format_row(datetime.now(UTC), category, ref, status, message, "validatorxx").encode()


def tail_for(delivery: Delivery, s3: Any | None = None, **kwargs: Any) -> ValidatorLogTail:
    key = delivery.names.validator_log_key
    start = object_size(delivery.s3, delivery.names.control_bucket, key) or 0
    return ValidatorLogTail(
        s3 or delivery.s3, delivery.names.control_bucket, key, start_offset=start, **kwargs
    )


def test_tail_starts_at_the_recorded_size_and_reassembles_split_rows(delivery: Delivery) -> None:
    key = delivery.names.validator_log_key
    delivery.append_raw(key, validator_row("validation", "old-session.fits"))
    tail = tail_for(delivery)
    assert tail.poll_once() == []
    failure = validator_row("init", delivery.names.label_key, "error", YAML_FAILURE)
    started = validator_row("init", "self", "ok", "validation pipeline started")
    cut = failure.index(b"exception") + 4  # inside the quoted multi-line YAML
    delivery.append_raw(key, failure[:cut])
    assert tail.poll_once() == []
    delivery.append_raw(key, failure[cut:] + started[:10])
    rows = tail.poll_once()
    assert [(row.category, row.ref, row.status) for row in rows] == [
        ("init", delivery.names.label_key, "error")
    ]
    assert ValidatorRowReceived.of(rows[0]).readable_message == (
        "exception: KeyError: 'x'\nsummary: problem with accepted label"
    )
    delivery.append_raw(key, started[10:])
    assert [row.message for row in tail.poll_once()] == ["validation pipeline started"]


def test_large_backlogs_are_read_in_bounded_ranges(delivery: Delivery) -> None:
    key = delivery.names.validator_log_key
    tail = tail_for(delivery, max_range_bytes=64)
    rows = b"".join(validator_row("validation", f"dir/file-{n:03}.fits") for n in range(20))
    delivery.append_raw(key, rows)
    gets_before = len(delivery.operations("GetObject", key))
    got = tail.poll_once()
    assert [row.ref for row in got] == [f"dir/file-{n:03}.fits" for n in range(20)]
    gets = len(delivery.operations("GetObject", key)) - gets_before
    assert gets >= len(rows) // 64


def test_malformed_rows_become_warnings_and_the_tail_goes_on(delivery: Delivery) -> None:
    key = delivery.names.validator_log_key
    events: list[Event] = []
    received: list[LogRow] = []
    runner = ValidatorTailRunner(
        tail_for(delivery, emit=events.append), received.extend, poll_interval_s=0.02
    )
    runner.start()
    try:
        delivery.append_raw(key, validator_row("validation", "a.fits"))
        delivery.append_raw(key, b"this is not a log row\n")
        delivery.append_raw(key, b"2026-01-01T00:00:00.000Z\tvalidation\t\tok\t\tvalidatorxx\n")
        delivery.append_raw(key, validator_row("validation", "b.fits", "failure", "file not found"))
        wait_until(lambda: len(received) >= 2, "the row after the malformed ones")
    finally:
        runner.stop()
    assert [(row.ref, row.status) for row in received] == [("a.fits", "ok"), ("b.fits", "failure")]
    warnings = [event for event in events if isinstance(event, WarningRaised)]
    assert [warning.detail for warning in warnings] == [
        "this is not a log row",
        "2026-01-01T00:00:00.000Z\tvalidation\t\tok\t\tvalidatorxx",
    ]
    assert "could not be read" in warnings[0].message


def test_transient_errors_keep_the_position_no_row_lost_or_repeated(delivery: Delivery) -> None:
    key = delivery.names.validator_log_key
    s3 = app_s3(delivery.archive)
    faults = FaultSwitch(s3, ["HeadObject", "GetObject"])
    events: list[Event] = []
    received: list[LogRow] = []
    runner = ValidatorTailRunner(
        tail_for(delivery, s3),
        received.extend,
        emit=events.append,
        poll_interval_s=0.02,
        retry_delays_s=(0.02,),
    )
    runner.start()
    try:
        delivery.append_raw(key, validator_row("validation", "a.fits"))
        wait_until(lambda: received, "the first row")
        faults.is_on = True
        delivery.append_raw(key, validator_row("validation", "b.fits"))
        wait_until(lambda: faults.failures >= 6, "failed polls")
        faults.is_on = False
        wait_until(lambda: len(received) >= 2, "the row written during the outage")
    finally:
        runner.stop()
    assert [row.ref for row in received] == ["a.fits", "b.fits"]
    messages = [event.message for event in events if isinstance(event, WarningRaised)]
    assert any("Could not read the validator log" in message for message in messages)
    assert "The validator log is being read again" in messages


def test_retry_now_after_an_outage_reads_at_once_instead_of_at_the_backoff(
    delivery: Delivery,
) -> None:
    key = delivery.names.validator_log_key
    s3 = app_s3(delivery.archive)
    faults = FaultSwitch(s3, ["HeadObject", "GetObject"])
    received: list[LogRow] = []
    # After a fault the next poll would be an hour away; the nudge brings it forward.
    runner = ValidatorTailRunner(
        tail_for(delivery, s3), received.extend, poll_interval_s=0.02, retry_delays_s=(3600.0,)
    )
    faults.is_on = True
    runner.start()
    try:
        wait_until(lambda: faults.failures >= 1, "a failed poll")
        faults.is_on = False
        delivery.append_raw(key, validator_row("validation", "a.fits"))
        runner.retry_now()
        wait_until(lambda: received, "the row, read at once")
    finally:
        runner.stop()
    assert [row.ref for row in received] == ["a.fits"]


def test_a_shrunken_log_is_reported_and_read_from_its_new_end(delivery: Delivery) -> None:
    key = delivery.names.validator_log_key
    delivery.append_raw(key, validator_row("validation", "a.fits") * 3)
    events: list[Event] = []
    tail = tail_for(delivery, emit=events.append)
    delivery.admin_s3.put_object(
        Bucket=delivery.names.control_bucket, Key=key, Body=validator_row("keepalive", "self")
    )
    assert tail.poll_once() == []
    assert any("shrank" in getattr(event, "message", "") for event in events)
    delivery.append_raw(key, validator_row("validation", "b.fits"))
    assert [row.ref for row in tail.poll_once()] == ["b.fits"]


def test_a_missing_log_is_nothing_new(delivery: Delivery) -> None:
    tail = tail_for(delivery)
    assert tail.position == 0
    assert tail.poll_once() == []
