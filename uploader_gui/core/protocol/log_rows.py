"""The FAST log row format, byte for byte (PROTOCOL.md §4.1–§4.3).

Both logs (`log/client_*`, `log/validator_*`) are headerless TSV in the `fastlog` dialect with six
columns: time, category, ref, status, message, agent_id. This module writes rows exactly as the
upstream writer does (minus its bugs: always three fraction digits, never a `\\r`) and parses them
the way the upstream pandas reader does (quotes doubled, no escape character).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import yaml

FIELD_NAMES = ("time", "category", "ref", "status", "message", "agent_id")
REQUIRED_FIELDS = ("time", "category", "ref", "status", "agent_id")


class _FastLogDialect(csv.Dialect):
    delimiter = "\t"
    quotechar = '"'
    escapechar = "\\"
    lineterminator = "\n"
    doublequote = True
    quoting = csv.QUOTE_MINIMAL
    skipinitialspace = False


class LogFormatError(ValueError):
    """A chunk the upstream reader would reject (wrong column count, empty required field)."""


@dataclass(frozen=True, slots=True)
class LogRow:
    """One parsed log row. `message` is the raw field text (possibly YAML)."""

    time: str
    category: str
    ref: str
    status: str
    message: str
    agent_id: str

    def parsed_time(self) -> datetime | None:
        """The row's timestamp, or None when it is not in the protocol's format."""
        return parse_log_time(self.time)


@dataclass(frozen=True, slots=True)
class MalformedRow:
    """Text that is not a valid row; kept raw so a person can see it."""

    raw: str
    reason: str


def format_log_time(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS.mmmZ` in UTC, always with three fraction digits (§4.1 bug fixed)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_log_time(text: str) -> datetime | None:
    try:
        if text.endswith("Z"):
            text = text[:-1]
        if text.endswith("+00:"):  # upstream's zero-microsecond bug: "...:00+00:Z"
            text = text[:-4]
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def encode_message(value: object) -> str:
    """Encode a message value as upstream's `yamldump_nested` does, with `\\r` made `\\n`."""
    if value is None:
        text = ""
    elif isinstance(value, str | int | float):
        text = str(value)
    else:
        text = yaml.dump(value, default_flow_style=False, sort_keys=True)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def format_row(
    moment: datetime, category: str, ref: str, status: str, message: object, agent_id: str
) -> str:
    """One row as the exact text the upstream writer produces, terminated by `\\n`."""
    fields = [format_log_time(moment), category, ref, status, encode_message(message), agent_id]
    for name, value in zip(FIELD_NAMES, fields, strict=True):
        if name in REQUIRED_FIELDS and not value:
            raise ValueError(f"log row field {name!r} must not be empty")
        if name != "message" and ("\r" in value or "\n" in value):
            raise ValueError(f"log row field {name!r} must not contain a line break")
    buffer = io.StringIO()
    csv.writer(buffer, dialect=_FastLogDialect).writerow(fields)
    return buffer.getvalue()


def _split_records(text: str) -> list[list[str]]:
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter="\t", quotechar='"', doublequote=True, strict=False
    )
    return [record for record in reader if record]


def _raw_of(record: Sequence[str]) -> str:
    return "\t".join(record)


def parse_rows(text: str) -> list[LogRow | MalformedRow]:
    """Parse a chunk leniently: bad rows become `MalformedRow`, good rows are kept.

    The client uses this on the validator log so one bad row never stops the tail.
    """
    results: list[LogRow | MalformedRow] = []
    for record in _split_records(text):
        if len(record) != len(FIELD_NAMES):
            results.append(MalformedRow(_raw_of(record), f"{len(record)} columns, expected 6"))
            continue
        row = LogRow(*record)
        empty = [name for name in REQUIRED_FIELDS if not getattr(row, name)]
        if empty:
            results.append(MalformedRow(_raw_of(record), f"empty {', '.join(empty)}"))
            continue
        results.append(row)
    return results


def parse_rows_strict(text: str) -> list[LogRow]:
    """Parse a chunk as the upstream validator does: any bad row rejects the whole chunk."""
    if "\r" in text:
        raise LogFormatError("chunk contains a carriage return")
    rows: list[LogRow] = []
    for item in parse_rows(text):
        if isinstance(item, MalformedRow):
            raise LogFormatError(f"{item.reason}: {item.raw!r}")
        rows.append(item)
    return rows


def readable_message(message: str) -> str:
    """A message as text for people: YAML mappings become `key: value` lines, else raw text."""
    if not message:
        return ""
    try:
        loaded: Any = yaml.safe_load(message)
    except yaml.YAMLError:
        return message
    if isinstance(loaded, Mapping):
        return "\n".join(_readable_pairs(loaded, indent=""))
    return message.strip()


def _readable_pairs(mapping: Mapping[Any, Any], indent: str) -> Iterable[str]:
    for key, value in mapping.items():
        if isinstance(value, Mapping):
            yield f"{indent}{key}:"
            yield from _readable_pairs(value, indent + "  ")
        elif isinstance(value, list):
            yield f"{indent}{key}: " + ", ".join(str(item) for item in value)
        else:
            yield f"{indent}{key}: {value}"
