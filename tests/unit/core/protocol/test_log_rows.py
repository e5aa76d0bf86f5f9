"""The log row codec writes exactly upstream's bytes and reads what upstream's reader reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from uploader_gui.core.protocol.log_rows import (
    LogFormatError,
    LogRow,
    MalformedRow,
    format_log_time,
    format_row,
    parse_log_time,
    parse_rows,
    parse_rows_strict,
    readable_message,
)

NOON = datetime(2026, 1, 1, 12, 0, 0, 123000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "category", "ref", "status", "message", "agent", "expected"),
    [
        (
            NOON,
            "transfer",
            "nested/b.txt",
            "ok",
            None,
            "abcdefghijk",
            "2026-01-01T12:00:00.123Z\ttransfer\tnested/b.txt\tok\t\tabcdefghijk\n",
        ),
        (
            NOON + timedelta(seconds=1, milliseconds=333),
            "keepalive",
            "self",
            "ok",
            "",
            "abcdefghijk",
            "2026-01-01T12:00:01.456Z\tkeepalive\tself\tok\t\tabcdefghijk\n",
        ),
        (
            NOON + timedelta(seconds=2, milliseconds=666),
            "validation",
            "nested/b.txt",
            "failure",
            "file not found",
            "qwertyuiopa",
            "2026-01-01T12:00:02.789Z\tvalidation\tnested/b.txt\tfailure\tfile not found"
            "\tqwertyuiopa\n",
        ),
        (
            datetime(2026, 1, 1, 12, 0, 3, tzinfo=UTC),
            "shutdown",
            "self",
            "ok",
            {"summary": "exiting at terminal state", "client status": "done"},
            "qwertyuiopa",
            '2026-01-01T12:00:03.000Z\tshutdown\tself\tok\t"client status: done\n'
            'summary: exiting at terminal state\n"\tqwertyuiopa\n',
        ),
    ],
)
def test_rows_are_byte_identical_to_the_protocol_examples(
    moment: datetime,
    category: str,
    ref: str,
    status: str,
    message: object,
    agent: str,
    expected: str,
) -> None:
    assert format_row(moment, category, ref, status, message, agent) == expected


def test_zero_microseconds_still_has_three_digits() -> None:
    assert format_log_time(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00.000Z"


def test_local_times_are_written_in_utc() -> None:
    eastern = timezone(timedelta(hours=-5))
    moment = datetime(2026, 1, 1, 7, 0, 0, 5000, tzinfo=eastern)
    assert format_log_time(moment) == "2026-01-01T12:00:00.005Z"


def test_carriage_returns_never_reach_the_log() -> None:
    row = format_row(NOON, "client", "self", "error", "line one\r\nline two\rthree", "a" * 11)
    assert "\r" not in row
    assert parse_rows_strict(row)[0].message == "line one\nline two\nthree"


def test_quotes_tabs_and_backslashes_round_trip_like_upstream() -> None:
    row = format_row(NOON, "client", "self", "ok", 'say "hi"\tnow \\ here', "a" * 11)
    assert '"say ""hi""\tnow \\\\ here"' in row
    parsed = parse_rows_strict(row)[0]
    # pandas keeps doubled backslashes doubled: messages are display text, not data.
    assert parsed.message == 'say "hi"\tnow \\\\ here'


@pytest.mark.parametrize("field", ["category", "ref", "status", "agent_id"])
def test_required_fields_cannot_be_empty(field: str) -> None:
    values = {"category": "init", "ref": "self", "status": "ok", "agent_id": "a" * 11}
    values[field] = ""
    with pytest.raises(ValueError, match=field):
        format_row(
            NOON, values["category"], values["ref"], values["status"], "", values["agent_id"]
        )


def test_refs_cannot_break_a_line() -> None:
    with pytest.raises(ValueError, match="line break"):
        format_row(NOON, "transfer", "a\nb", "ok", "", "a" * 11)


def test_lenient_parse_keeps_good_rows_and_reports_bad_ones() -> None:
    good = format_row(NOON, "validation", "a.txt", "ok", "", "q" * 11)
    text = good + "garbage without tabs\n" + "t\tc\t\tok\t\tagent\n" + good
    parsed = parse_rows(text)
    assert [type(item) for item in parsed] == [LogRow, MalformedRow, MalformedRow, LogRow]
    bad = parsed[1]
    assert isinstance(bad, MalformedRow)
    assert bad.raw == "garbage without tabs"
    assert "columns" in bad.reason
    assert "ref" in parsed[2].reason  # type: ignore[union-attr]


def test_strict_parse_rejects_the_whole_chunk() -> None:
    good = format_row(NOON, "validation", "a.txt", "ok", "", "q" * 11)
    with pytest.raises(LogFormatError, match="columns"):
        parse_rows_strict(good + "x\ty\n")
    with pytest.raises(LogFormatError, match="carriage"):
        parse_rows_strict(good.replace("\n", "\r\n"))


def test_multiline_quoted_messages_parse_as_one_row() -> None:
    text = format_row(
        NOON,
        "init",
        "a-1-label.yaml",
        "error",
        {"summary": "problem with user-submitted label", "exception": "x"},
        "q" * 11,
    )
    rows = parse_rows_strict(text + text)
    assert len(rows) == 2
    assert readable_message(rows[0].message) == (
        "exception: x\nsummary: problem with user-submitted label"
    )


def test_readable_message_falls_back_to_raw_text() -> None:
    assert readable_message("incorrect crc32 checksum: expected A, got B") == (
        "incorrect crc32 checksum: expected A, got B"
    )
    assert readable_message("key: [unclosed") == "key: [unclosed"
    assert readable_message("") == ""
    nested = "HDU 1:\n  BUNIT: wrong unit\nhook:mod:\n  - a\n  - b\n"
    assert readable_message(nested) == "HDU 1:\n  BUNIT: wrong unit\nhook:mod: a, b"


def test_times_parse_including_upstreams_zero_microsecond_bug() -> None:
    assert parse_log_time("2026-01-01T12:00:00.123Z") == NOON
    assert parse_log_time("2026-01-01T00:00:00+00:Z") == datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_log_time("yesterday") is None
    row = parse_rows_strict(format_row(NOON, "init", "self", "ok", "", "q" * 11))[0]
    assert row.parsed_time() == NOON
