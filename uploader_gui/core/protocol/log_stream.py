"""Turning a tailed log's byte stream into rows, whatever the read boundaries (PROTOCOL.md §4.5).

A ranged GET can end in the middle of a row, in the middle of a quoted multi-line YAML message,
or in the middle of a UTF-8 sequence. The decoder keeps the incomplete last record for the next
read; a record ends at a newline outside quotes. Bad rows come back as `MalformedRow` so the tail
can warn and carry on: nothing the server writes can stop the client reading its verdicts.
"""

from __future__ import annotations

import csv
import re

from uploader_gui.core.protocol.log_rows import (
    FIELD_NAMES,
    REQUIRED_FIELDS,
    LogRow,
    MalformedRow,
    parse_rows,
)

DEFAULT_MAX_RECORD_BYTES = 1024 * 1024
_QUOTE_OR_NEWLINE = re.compile(rb'["\n]')


class LogStreamDecoder:
    """Feed bytes in order; get back every complete row, parsed leniently."""

    def __init__(self, *, max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES) -> None:
        self._max_record_bytes = max_record_bytes
        self._pending = b""
        self._scanned = 0  # bytes of `_pending` already scanned for record ends
        self._in_quotes = False

    @property
    def pending_bytes(self) -> int:
        """Bytes of an incomplete last record held back for the next read."""
        return len(self._pending)

    def feed(self, data: bytes) -> list[LogRow | MalformedRow]:
        self._pending += data
        end = self._last_record_end()
        is_forced = end == 0 and len(self._pending) > self._max_record_bytes
        if is_forced:
            end = self._forced_end()
        if end == 0:
            return []
        complete, self._pending = self._pending[:end], self._pending[end:]
        # After a forced cut the quote state of the rest is unknown: scan it again from clean.
        self._scanned = 0 if is_forced else self._scanned - end
        return _parse(complete)

    def finish(self) -> list[LogRow | MalformedRow]:
        """Everything still held, as if the stream ended with a newline."""
        rest, self._pending = self._pending, b""
        self._scanned, self._in_quotes = 0, False
        return _parse(rest + b"\n") if rest.strip() else []

    def _last_record_end(self) -> int:
        """Offset just past the last newline outside quotes, scanning only new bytes."""
        last_end = 0
        for match in _QUOTE_OR_NEWLINE.finditer(self._pending, self._scanned):
            if match.group() == b'"':
                # A doubled quote inside a quoted field toggles twice: the parity still holds.
                self._in_quotes = not self._in_quotes
            elif not self._in_quotes:
                last_end = match.end()
        self._scanned = len(self._pending)
        return last_end

    def _forced_end(self) -> int:
        """An unbalanced quote would swallow the rest of the log: give up on it at a newline."""
        self._in_quotes = False
        newline = self._pending.rfind(b"\n")
        return newline + 1 if newline >= 0 else len(self._pending)


def _parse(complete: bytes) -> list[LogRow | MalformedRow]:
    try:
        return _parse_text(complete.decode("utf-8"))
    except UnicodeDecodeError:
        text = complete.decode("utf-8", errors="replace")
        warning = MalformedRow(text[:2000], "bytes that are not UTF-8 (shown as �) were replaced")
        return [warning, *_parse_text(text)]


def _parse_text(text: str) -> list[LogRow | MalformedRow]:
    try:
        return list(parse_rows(text))
    except csv.Error:
        # A field over the csv module's (process-wide) size limit, e.g. a huge YAML report.
        # pandas upstream has no such limit, so read these records by hand rather than lose a
        # verdict.
        return [_row_by_hand(record) for record in _records(text)]


def _records(text: str) -> list[str]:
    records, start, in_quotes = [], 0, False
    for match in re.finditer(r'["\n]', text):
        if match.group() == '"':
            in_quotes = not in_quotes
        elif not in_quotes:
            records.append(text[start : match.start()])
            start = match.end()
    if text[start:].strip():
        records.append(text[start:])
    return [record for record in records if record]


def _row_by_hand(record: str) -> LogRow | MalformedRow:
    fields, current, in_quotes = [], [], False
    for part in re.split(r'(["\t])', record):
        if part == '"':
            in_quotes = not in_quotes
            current.append(part)
        elif part == "\t" and not in_quotes:
            fields.append("".join(current))
            current = []
        else:
            current.append(part)
    fields.append("".join(current))
    values = [_unquoted(field) for field in fields]
    if len(values) != len(FIELD_NAMES):
        return MalformedRow(record[:2000], f"{len(values)} columns, expected 6")
    row = LogRow(*values)
    empty = [name for name in REQUIRED_FIELDS if not getattr(row, name)]
    return MalformedRow(record[:2000], f"empty {', '.join(empty)}") if empty else row


def _unquoted(field: str) -> str:
    if len(field) >= 2 and field.startswith('"') and field.endswith('"'):
        return field[1:-1].replace('""', '"')
    return field
