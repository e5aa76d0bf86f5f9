"""The client log against the local archive's S3 Express appends (PROTOCOL.md §4.4).

Every test compares the log object with the rows written: each row once, in order, one `stop`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import archive_options
from tests.integration.control_channel_kit import (
    Delivery,
    LandThenLoseAnswer,
    app_s3,
    new_delivery,
)
from tests.waiting import wait_until
from uploader_gui.core.errors import RetryableError
from uploader_gui.core.protocol.log_rows import format_row, parse_rows_strict
from uploader_gui.fast.control_log import ClientLogWriter
from uploader_gui.fast.log_appender import S3LogAppender
from uploader_gui.sandbox.archive import LocalArchive

AGENT = "abcdefghijk"


@pytest.fixture
def delivery(local_archive: LocalArchive, tmp_path: Path) -> Delivery:
    return new_delivery(local_archive, tmp_path)


@pytest.fixture(scope="module")
def three_append_archive() -> Iterator[LocalArchive]:
    with LocalArchive(archive_options(auto_accept=True, max_appends_per_object=3)) as archive:
        yield archive


def appender_for(delivery: Delivery, s3: Any | None = None) -> S3LogAppender:
    return S3LogAppender(
        s3 or delivery.s3, delivery.names.control_bucket, delivery.names.client_log_key
    )


def client_log_refs(delivery: Delivery) -> list[str]:
    data = delivery.object_bytes(delivery.names.client_log_key) or b""
    return [row.ref for row in parse_rows_strict(data.decode())]


def test_steady_twenty_rows_a_second_reach_the_archive_while_writing_goes_on(
    delivery: Delivery,
) -> None:
    writer = ClientLogWriter(appender_for(delivery), AGENT)
    writer.start()
    row_count = 60
    finished = threading.Event()

    def twenty_rows_a_second() -> None:
        pace = threading.Event()
        for number in range(row_count):
            writer.write("transfer", f"f{number:03}.fits", "ok")
            pace.wait(0.05)
        finished.set()

    producer = threading.Thread(target=twenty_rows_a_second)
    producer.start()
    seen_while_writing = wait_until(
        lambda: client_log_refs(delivery) or finished.is_set(), "the first rows in the log"
    )
    assert not finished.is_set(), "nothing reached the archive until the writes paused"
    assert seen_while_writing[0] == "f000.fits"
    producer.join(30)
    assert writer.stop()
    expected = [f"f{number:03}.fits" for number in range(row_count)] + ["self"]
    assert client_log_refs(delivery) == expected
    appends = delivery.operations("PutObject", delivery.names.client_log_key)
    assert len(appends) >= 3, "rows written over 3 s went out in fewer than 3 flushes"


def test_too_many_parts_is_recovered_and_no_row_is_lost_or_doubled(
    three_append_archive: LocalArchive, tmp_path: Path
) -> None:
    delivery = new_delivery(three_append_archive, tmp_path)
    appender = appender_for(delivery)
    writer = ClientLogWriter(appender, AGENT, flush_interval_s=60)
    writer.start()
    for number in range(10):
        writer.write("transfer", f"f{number}.fits", "ok")
        assert writer.flush(timeout_s=30)
    assert writer.stop(timeout_s=30)
    assert client_log_refs(delivery) == [f"f{number}.fits" for number in range(10)] + ["self"]
    assert appender.compaction_count >= 3
    refusals = [
        record
        for record in delivery.operations("PutObject", delivery.names.client_log_key)
        if record["status"] == 400
    ]
    assert len(refusals) == appender.compaction_count
    assert delivery.object_bytes(delivery.names.client_log_key + ".compacting") is None


def test_another_writer_appending_in_between_causes_a_re_read_not_a_loss(
    delivery: Delivery,
) -> None:
    other_row = format_row_now("transfer", "other.fits")
    s3 = app_s3(delivery.archive)
    interfered = threading.Event()

    def append_first(**kwargs: Any) -> None:
        if not interfered.is_set():
            interfered.set()
            delivery.append_raw(delivery.names.client_log_key, other_row)

    appender = appender_for(delivery, s3)
    appender.append(format_row_now("transfer", "first.fits"))
    s3.meta.events.register("before-send.s3.PutObject", append_first)
    appender.append(format_row_now("transfer", "second.fits"))
    assert client_log_refs(delivery) == ["first.fits", "other.fits", "second.fits"]
    statuses = [
        r["status"] for r in delivery.operations("PutObject", delivery.names.client_log_key)
    ]
    assert 400 in statuses  # the InvalidWriteOffset that made it re-read the size


@pytest.mark.parametrize("lost_answers", [1, 3], ids=["botocore-retry", "error-surfaces"])
def test_an_append_whose_answer_is_lost_is_not_written_twice(
    delivery: Delivery, lost_answers: int
) -> None:
    s3 = app_s3(delivery.archive)
    appender = appender_for(delivery, s3)
    appender.append(format_row_now("transfer", "first.fits"))
    LandThenLoseAnswer(s3, twin=delivery.admin_s3, times=lost_answers)
    appender.append(format_row_now("transfer", "second.fits"))
    appender.append(format_row_now("transfer", "third.fits"))
    assert client_log_refs(delivery) == ["first.fits", "second.fits", "third.fits"]


def test_the_first_row_creates_the_log_and_exactly_one_stop_ends_it(delivery: Delivery) -> None:
    writer = ClientLogWriter(appender_for(delivery), AGENT)
    writer.start()
    writer.write("init", "self", "ok", "transfer application started")
    assert writer.stop()
    assert writer.stop()
    rows = parse_rows_strict((delivery.object_bytes(delivery.names.client_log_key) or b"").decode())
    assert [(row.category, row.message) for row in rows] == [
        ("init", "transfer application started"),
        ("stop", ""),
    ]
    create = delivery.operations("PutObject", delivery.names.client_log_key)[0]
    assert create["status"] == 200


def format_row_now(category: str, ref: str) -> bytes:
    return format_row(datetime.now(UTC), category, ref, "ok", None, AGENT).encode()


def test_an_append_refused_every_time_gives_up_for_now_without_writing(
    delivery: Delivery,
) -> None:
    s3 = app_s3(delivery.archive)
    appender = appender_for(delivery, s3)
    appender.append(format_row_now("transfer", "first.fits"))

    def someone_always_appends_first(**kwargs: Any) -> None:
        delivery.append_raw(delivery.names.client_log_key, format_row_now("keepalive", "self"))

    s3.meta.events.register("before-send.s3.PutObject", someone_always_appends_first)
    with pytest.raises(RetryableError, match="kept being refused"):
        appender.append(format_row_now("transfer", "second.fits"))
    refs = client_log_refs(delivery)
    assert refs[0] == "first.fits"
    assert "second.fits" not in refs
