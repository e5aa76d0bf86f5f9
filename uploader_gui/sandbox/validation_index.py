"""The control-bucket index as the validator reads it (`parse_index_file`, PROTOCOL.md §5.2).

Upstream reads the index with pandas; this module keeps pandas' visible behaviour without
pandas: default NA strings become "not a value" (a path of `NA` fails init; an empty checksum
cell becomes NaN, "poison" that fails the checksum compare as `expected nan`), `will_transfer`
must be booleans as pandas spells them, and every row is classified against the accepted label
with the server's filetype semantics (`core.filetype_match`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass

from uploader_gui.core.delivery.filetype_match import match_filetypes
from uploader_gui.core.delivery.label import Label

MAX_INDEX_COLUMNS = 3
# What a NaN checksum prints as in upstream's `incorrect crc32 checksum: expected nan, got ...`.
NAN_CHECKSUM = "nan"
# pandas' default `na_values`: these cells are read as NaN, not text.
PANDAS_NA_STRINGS = frozenset(
    {
        "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
        "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
    }
)  # fmt: skip
_TRUE_TEXTS = frozenset({"True", "TRUE", "true"})
_FALSE_TEXTS = frozenset({"False", "FALSE", "false"})


class IndexRejectedError(ValueError):
    """The index fails pipeline init (`{summary: could not read index, exception: ...}`)."""


@dataclass(frozen=True, slots=True)
class IndexRow:
    path: str
    # None: the index has no checksum column; NAN_CHECKSUM: an empty cell (pandas NaN).
    checksum: str | None
    will_transfer: bool
    filetype: str | None


@dataclass(frozen=True, slots=True)
class ServerIndex:
    rows: Mapping[str, IndexRow]

    @property
    def n_expected_files(self) -> int:
        return sum(1 for row in self.rows.values() if row.will_transfer)


def parse_index_text(text: str, label: Label) -> ServerIndex:
    """Parse and classify the index; raises IndexRejectedError where upstream fails init."""
    records = [record for record in csv.reader(io.StringIO(text, newline="")) if record]
    if not records:
        raise IndexRejectedError("index is empty: no header row")
    header = records[0]
    _check_header(header)
    rows = [_parse_record(header, record, line) for line, record in enumerate(records[1:], 2)]
    seen: set[str] = set()
    for path, _checksum, _will in rows:
        if path in seen:
            raise IndexRejectedError(f"path {path!r} is listed more than once")
        seen.add(path)
    match = match_filetypes(label, [path for path, _checksum, _will in rows])
    if match.problems:
        # Upstream's own wording of the first failure it stops at, where there is one.
        raise IndexRejectedError(
            match.server_error or "; ".join(str(problem) for problem in match.problems)
        )
    return ServerIndex(
        rows={
            path: IndexRow(path, checksum, will_transfer, match.assignments.get(path))
            for path, checksum, will_transfer in rows
        }
    )


def _check_header(header: list[str]) -> None:
    if header[0] != "path":
        raise IndexRejectedError(f"first column must be 'path', not {header[0]!r}")
    if "will_transfer" not in header:
        raise IndexRejectedError("index has no 'will_transfer' column")
    if len(header) > MAX_INDEX_COLUMNS:
        raise IndexRejectedError(
            f"index has {len(header)} columns ({', '.join(header)}); at most "
            f"{MAX_INDEX_COLUMNS} are allowed: path, checksum, will_transfer"
        )
    if len(header) == MAX_INDEX_COLUMNS and "checksum" not in header:
        raise IndexRejectedError(f"a 3-column index needs a 'checksum' column, not {header!r}")


def _parse_record(header: list[str], record: list[str], line: int) -> tuple[str, str | None, bool]:
    if len(record) > len(header):
        raise IndexRejectedError(
            f"line {line}: expected {len(header)} fields, saw {len(record)}: {record!r}"
        )
    cells = dict(zip(header, record + [""] * (len(header) - len(record)), strict=True))
    path = cells["path"]
    if path in PANDAS_NA_STRINGS:
        raise IndexRejectedError(f"line {line}: path {path!r} is read as a missing value (NaN)")
    will_text = cells["will_transfer"]
    if will_text in _TRUE_TEXTS:
        will_transfer = True
    elif will_text in _FALSE_TEXTS:
        will_transfer = False
    else:
        raise IndexRejectedError(f"line {line}: will_transfer {will_text!r} is not a boolean")
    checksum: str | None = None
    if "checksum" in cells:
        text = cells["checksum"]
        checksum = NAN_CHECKSUM if text in PANDAS_NA_STRINGS else text
    return path, checksum, will_transfer
