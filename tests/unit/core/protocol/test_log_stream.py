"""The validator-log stream decoder: rows come out whole whatever the read boundaries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from uploader_gui.core.protocol.log_rows import LogRow, MalformedRow, format_row, readable_message
from uploader_gui.core.protocol.log_stream import LogStreamDecoder

MOMENT = datetime(2026, 1, 1, 12, 0, 0, 123000, tzinfo=UTC)


def _rows_text() -> bytes:
    rows = [
        format_row(MOMENT, "init", "self", "ok", "validation pipeline started", "qwertyuiopa"),
        format_row(MOMENT, "validation", "dir/ä b.fits", "ok", None, "qwertyuiopa"),
        format_row(
            MOMENT,
            "validation",
            "c.fits",
            "failure",
            {"summary": 'bad "quoted" header', "hdu": {"n": 2}},
            "qwertyuiopa",
        ),
        format_row(MOMENT, "keepalive", "self", "ok", "3 / 4", "qwertyuiopa"),
    ]
    return "".join(rows).encode("utf-8")


def _feed_in_pieces(data: bytes, cut: int) -> list[LogRow | MalformedRow]:
    decoder = LogStreamDecoder()
    return decoder.feed(data[:cut]) + decoder.feed(data[cut:])


def test_every_split_point_gives_the_same_rows() -> None:
    data = _rows_text()
    whole = LogStreamDecoder().feed(data)
    assert [row.category for row in whole if isinstance(row, LogRow)] == [
        "init",
        "validation",
        "validation",
        "keepalive",
    ]
    for cut in range(1, len(data)):
        assert _feed_in_pieces(data, cut) == whole, f"split at byte {cut}"


def test_incomplete_record_is_held_until_its_newline_arrives() -> None:
    data = _rows_text()
    decoder = LogStreamDecoder()
    middle_of_yaml = data.index(b"hdu") + 2
    first = decoder.feed(data[:middle_of_yaml])
    assert [row.ref for row in first if isinstance(row, LogRow)] == ["self", "dir/ä b.fits"]
    assert decoder.pending_bytes > 0
    rest = decoder.feed(data[middle_of_yaml:])
    assert [row.ref for row in rest if isinstance(row, LogRow)] == ["c.fits", "self"]
    assert decoder.pending_bytes == 0


def test_multiline_yaml_message_reads_as_text() -> None:
    rows = [row for row in LogStreamDecoder().feed(_rows_text()) if isinstance(row, LogRow)]
    failure = rows[2]
    assert failure.status == "failure"
    assert readable_message(failure.message) == ('hdu:\n  n: 2\nsummary: bad "quoted" header')


def test_malformed_row_is_reported_and_later_rows_still_come() -> None:
    good = format_row(MOMENT, "validation", "a.fits", "ok", None, "qwertyuiopa").encode()
    data = good + b"garbage without tabs\n" + b"t\tvalidation\t\tok\t\tagent\n" + good
    items = LogStreamDecoder().feed(data)
    assert [type(item).__name__ for item in items] == [
        "LogRow",
        "MalformedRow",
        "MalformedRow",
        "LogRow",
    ]
    malformed = [item for item in items if isinstance(item, MalformedRow)]
    assert malformed[0].raw == "garbage without tabs"
    assert "empty ref" in malformed[1].reason


def test_unbalanced_quote_cannot_swallow_the_log_forever() -> None:
    good = format_row(MOMENT, "validation", "a.fits", "ok", None, "qwertyuiopa").encode()
    broken = b'2026-01-01T00:00:00.000Z\tvalidation\tb.fits\tfailure\t"never closed\tagent\n'
    decoder = LogStreamDecoder(max_record_bytes=len(broken) + 10)
    assert decoder.feed(broken) == []  # could still be a long quoted message
    items = decoder.feed(good * 3)
    assert any(isinstance(item, MalformedRow) for item in items)
    later = decoder.feed(good)
    assert [item.ref for item in later if isinstance(item, LogRow)] == ["a.fits"]


@pytest.mark.parametrize("cut_inside_character", [1, 2])
def test_multibyte_character_split_across_reads(cut_inside_character: int) -> None:
    data = format_row(MOMENT, "validation", "naïve/日本.fits", "ok", None, "abc").encode()
    cut = data.index("日".encode()) + cut_inside_character
    items = _feed_in_pieces(data, cut)
    assert [item.ref for item in items if isinstance(item, LogRow)] == ["naïve/日本.fits"]


def test_bytes_that_are_not_utf8_are_reported_not_fatal() -> None:
    data = b"2026-01-01T00:00:00.000Z\tvalidation\tbad\xff.fits\tok\t\tagent\n"
    items = LogStreamDecoder().feed(data)
    assert isinstance(items[0], MalformedRow)
    assert "not UTF-8" in items[0].reason
    assert [item.ref for item in items if isinstance(item, LogRow)] == ["bad\ufffd.fits"]


def test_finish_returns_a_last_row_without_newline() -> None:
    decoder = LogStreamDecoder()
    row = format_row(MOMENT, "stop", "self", "ok", None, "abc").encode()
    assert decoder.feed(row[:-1]) == []
    items = decoder.finish()
    assert [item.category for item in items if isinstance(item, LogRow)] == ["stop"]
    assert decoder.pending_bytes == 0


def test_a_verdict_too_large_for_the_csv_module_is_still_read() -> None:
    report = {"summary": 'a "long" report', "lines": ["x" * 100] * 2000}
    huge = format_row(MOMENT, "validation", "a.fits", "failure", report, "v").encode()
    good = format_row(MOMENT, "validation", "b.fits", "ok", None, "v").encode()
    items = LogStreamDecoder().feed(good + huge + b"only\tfour\tfields\there\n" + good)
    assert [type(item).__name__ for item in items] == [
        "LogRow",
        "LogRow",
        "MalformedRow",
        "LogRow",
    ]
    big = items[1]
    assert isinstance(big, LogRow)
    assert (big.ref, big.status) == ("a.fits", "failure")
    assert readable_message(big.message).startswith("lines: ")
    assert 'summary: a "long" report' in readable_message(big.message)
