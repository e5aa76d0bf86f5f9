"""The reference validator's tail of the client log (PROTOCOL.md §4.5) against the local archive.

It reads each appended byte exactly once with ranged GETs from its last offset (never the whole
log again), and a client log that shrinks or is replaced instead of appended to is reported, so
the test of the client that did it fails, while the reading stays what upstream's reader does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.validator_harness import ScriptedDelivery, installed_init_step
from tests.waiting import wait_until
from uploader_gui.sandbox.archive import LocalArchive, SandboxOptions
from uploader_gui.sandbox.validator_log import OVERLAP_BYTES, ClientLogTail, append_to_object

POLL_S = 0.05


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with LocalArchive(SandboxOptions(bucket_stem="e2tail")) as local_archive:
        yield local_archive


@pytest.fixture
def delivery(archive: LocalArchive, tmp_path: Path) -> ScriptedDelivery:
    archive.validator_failures.clear()
    return ScriptedDelivery.accepted(archive, tmp_path)


class RangeRecorder:
    """Records the Range of every GetObject the client sends and counts its HEADs (botocore
    event observers)."""

    def __init__(self, s3: Any) -> None:
        self.ranges: list[tuple[int, int]] = []
        self.heads = 0
        s3.meta.events.register("provide-client-params.s3.GetObject", self._record)
        s3.meta.events.register("provide-client-params.s3.HeadObject", self._count_head)

    def _count_head(self, **_kwargs: Any) -> None:
        self.heads += 1

    def _record(self, params: dict[str, Any], **_kwargs: Any) -> None:
        match = re.fullmatch(r"bytes=(\d+)-(\d+)", params.get("Range", ""))
        assert match, f"a GET of the client log without a byte range: {params}"
        self.ranges.append((int(match.group(1)), int(match.group(2))))


class Tail:
    """A started `ClientLogTail` over a delivery's client log, collecting text and problems."""

    def __init__(self, delivery: ScriptedDelivery) -> None:
        self.delivery = delivery
        self.s3 = delivery.archive.boto3_client("s3")
        self.recorder = RangeRecorder(self.s3)
        self.problems: list[str] = []
        self.text = ""
        self.tail = ClientLogTail(
            self.s3,
            delivery.names.control_bucket,
            delivery.names.client_log_key,
            poll_s=POLL_S,
            on_problem=self.problems.append,
        )
        self.tail.start()

    def read_until(self, expected: str) -> str:
        def has_read_all() -> bool:
            self.text += self.tail.drain()
            return len(self.text) >= len(expected)

        wait_until(has_read_all, f"the tail to read {len(expected)} characters")
        return self.text

    def replace_log(self, body: bytes) -> None:
        names = self.delivery.names
        self.s3.put_object(Bucket=names.control_bucket, Key=names.client_log_key, Body=body)


@pytest.fixture
def tail(delivery: ScriptedDelivery) -> Iterator[Tail]:
    started = Tail(delivery)
    yield started
    started.tail.stop()
    assert started.tail.failure is None


def test_a_log_appended_in_many_pieces_is_read_exactly_once(
    delivery: ScriptedDelivery, tail: Tail
) -> None:
    pieces = [f"piece {n}: " + "x" * (n * 7) + "\n" for n in range(40)]
    for number, piece in enumerate(pieces):
        delivery.append_raw(piece)
        tail.read_until("".join(pieces[: number + 1]))

    assert tail.text == "".join(pieces)
    assert tail.problems == []
    # One ranged GET per piece: the new bytes plus at most OVERLAP_BYTES already read before
    # them, never the log from its start again.
    assert len(tail.recorder.ranges) == len(pieces)
    end = 0
    for (first, last), piece in zip(tail.recorder.ranges, pieces, strict=True):
        assert max(0, end - OVERLAP_BYTES) == first
        assert last == end + len(piece) - 1
        end = last + 1


def test_rows_written_before_the_tail_started_are_never_read(
    delivery: ScriptedDelivery,
) -> None:
    delivery.append_raw("old session row\n")
    late = Tail(delivery)
    try:
        delivery.append_raw("new row\n")
        assert late.read_until("new row\n") == "new row\n"
    finally:
        late.tail.stop()


def test_a_truncated_log_is_reported_and_the_tail_stays_deaf_as_upstream(
    delivery: ScriptedDelivery, tail: Tail
) -> None:
    delivery.append_raw("first row\nsecond row\n")
    tail.read_until("first row\nsecond row\n")

    tail.replace_log(b"short\n")
    wait_until(lambda: tail.problems, "the shrunken client log to be reported")
    assert "shrank from 21 to 6 bytes" in tail.problems[0]
    reads = len(tail.recorder.ranges)
    delivery.append_raw("more\n")  # 11 bytes: still short of the old end, so unread
    heads = tail.recorder.heads
    wait_until(lambda: tail.recorder.heads >= heads + 2, "two more polls of the client log")
    assert tail.tail.drain() == ""
    assert len(tail.recorder.ranges) == reads
    assert len(tail.problems) == 1  # reported once, not on every poll


def test_a_replaced_log_is_reported_and_read_on_from_the_old_offset(
    delivery: ScriptedDelivery, tail: Tail
) -> None:
    delivery.append_raw("row one\n")
    tail.read_until("row one\n")

    tail.replace_log(b"a new object entirely\n")
    expected = "row one\n" + "a new object entirely\n"[len("row one\n") :]
    assert tail.read_until(expected) == expected  # upstream reads mid-row from its offset
    assert len(tail.problems) == 1
    assert "replaced, not appended to" in tail.problems[0]


def test_a_client_that_replaces_its_log_fails_the_archive_check(
    archive: LocalArchive, delivery: ScriptedDelivery
) -> None:
    crc = delivery.put_data("a.fits", b"a")
    with installed_init_step(archive):
        delivery.start_pipeline(f"path,checksum,will_transfer\na.fits,{crc},True\n")
        delivery.append_rows(("init", "self", "ok", "transfer application started"))
        wait_until(delivery.client_log_reads, "the validator reading the client log")
        names = delivery.names
        delivery.s3.delete_object(Bucket=names.control_bucket, Key=names.client_log_key)
        append_to_object(delivery.s3, names.control_bucket, names.client_log_key, b"x\n")
        wait_until(lambda: archive.validator_failures, "the archive to report the client")
    assert "shrank" in archive.validator_failures[0]
    assert names.client_log_key in archive.validator_failures[0]
    archive.validator_failures.clear()
