"""The client log at scale against the local archive's S3 Express appends (PROTOCOL.md §4.4):
a million rows land once each and in order across compactions, a steady stream costs at most
two appends a second, and the log's size is read once, not before every append."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import archive_options
from tests.integration.control_channel_kit import Delivery, new_delivery
from uploader_gui.core.protocol.log_rows import parse_rows_strict
from uploader_gui.fast.control_log import DEFAULT_MIN_APPEND_INTERVAL_S, ClientLogWriter
from uploader_gui.fast.log_appender import S3LogAppender
from uploader_gui.sandbox.archive import LocalArchive

AGENT = "abcdefghijk"
APPEND_LIMIT = 8  # the archive's appends per object, lowered from 10,000 to force compactions


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    options = archive_options(auto_accept=True, max_appends_per_object=APPEND_LIMIT)
    with LocalArchive(options) as local_archive:
        yield local_archive


@pytest.fixture
def delivery(archive: LocalArchive, tmp_path: Path) -> Delivery:
    return new_delivery(archive, tmp_path)


def appender_for(delivery: Delivery) -> S3LogAppender:
    return S3LogAppender(delivery.s3, delivery.names.control_bucket, delivery.names.client_log_key)


def log_refs(delivery: Delivery) -> list[str]:
    data = delivery.object_bytes(delivery.names.client_log_key) or b""
    return [row.ref for row in parse_rows_strict(data.decode())]


def requests_to_the_log(archive: LocalArchive, delivery: Delivery, operation: str) -> int:
    where = delivery.names.control_bucket, delivery.names.client_log_key
    return sum(
        1
        for record in archive.audit_records()
        if record["operation"] == operation and (record.get("bucket"), record.get("key")) == where
    )


@pytest.mark.timeout(900)
def test_a_million_rows_land_once_each_in_order_across_compactions(delivery: Delivery) -> None:
    appender = appender_for(delivery)
    # No spacing between appends here: the point is the rows and the append limit, not pacing.
    writer = ClientLogWriter(appender, AGENT, flush_interval_s=60, min_append_interval_s=0.0)
    row_count = 1_000_000
    for number in range(row_count):
        writer.write("transfer", f"f{number:07}.fits", "ok")
    writer.start()
    assert writer.stop(timeout_s=600)

    refs = log_refs(delivery)
    assert len(refs) == row_count + 1
    assert refs[:-1] == [f"f{number:07}.fits" for number in range(row_count)]
    assert refs[-1] == "self"
    assert writer.append_count > APPEND_LIMIT * 3  # the limit was met several times...
    assert appender.compaction_count >= 3  # ...and compaction reset it each time
    # The size was read once at the start and once after each compaction, never per append.
    assert appender.size_reads == 1 + appender.compaction_count


def test_a_steady_stream_costs_at_most_two_appends_a_second_and_one_size_read(
    archive: LocalArchive, delivery: Delivery
) -> None:
    appender = appender_for(delivery)
    writer = ClientLogWriter(appender, AGENT)
    writer.start()
    started = time.monotonic()
    pace = threading.Event()
    row_count = 0
    while time.monotonic() - started < 3.0:  # about 400 rows a second, in small bursts
        for _ in range(20):
            writer.write("transfer", f"f{row_count:05}.fits", "ok")
            row_count += 1
        pace.wait(0.05)
    assert writer.stop()
    elapsed_s = time.monotonic() - started

    assert log_refs(delivery) == [f"f{n:05}.fits" for n in range(row_count)] + ["self"]
    appends = requests_to_the_log(archive, delivery, "PutObject")
    assert appends == writer.append_count
    assert appends <= elapsed_s / DEFAULT_MIN_APPEND_INTERVAL_S + 2
    assert requests_to_the_log(archive, delivery, "HeadObject") == 1


def test_an_append_made_elsewhere_is_found_with_one_more_size_read(
    archive: LocalArchive, delivery: Delivery
) -> None:
    appender = appender_for(delivery)
    writer = ClientLogWriter(appender, AGENT, flush_interval_s=60)
    writer.start()
    writer.write("transfer", "first.fits", "ok")
    assert writer.flush()
    other = appender_for(delivery)  # another writer: our tracked size is now stale
    data = delivery.object_bytes(delivery.names.client_log_key) or b""
    foreign = data.replace(b"first.fits", b"other.fits")
    other.append(foreign)
    writer.write("transfer", "second.fits", "ok")
    assert writer.stop()

    assert log_refs(delivery) == ["first.fits", "other.fits", "second.fits", "self"]
    assert appender.size_reads == 2  # the first append, and after InvalidWriteOffset
