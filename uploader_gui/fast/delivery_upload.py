"""Uploading the label and the index to the control bucket (PROTOCOL.md §5.2–§5.3, §12 step 6).

The label goes up as its canonical text; the index as the provider's rows plus a `will_transfer`
column (`False` for files already valid, §9). Both are checked first the way the archive's
server will read them, so a delivery the server would refuse at init is refused here, with the
reason, before anything is written. (Label and filetype checks against the files are
`core/preflight.py`'s job, before the session connects.)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from uploader_gui.aws.errors import AWS_EXCEPTIONS, translate
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.delivery.index_file import (
    CHECKSUM_COLUMN,
    PATH_COLUMN,
    WILL_TRANSFER_COLUMN,
    IndexEntry,
    format_index_csv,
)
from uploader_gui.core.delivery.label import Label, parse_label_text
from uploader_gui.core.delivery.problems import Problem, ProblemsFound
from uploader_gui.core.protocol.naming import DeliveryNames

_BOOLEAN_TEXTS = frozenset({"True", "False"})


def label_problems(label: Label, names: DeliveryNames) -> list[Problem]:
    """What would make the server refuse the uploaded label, or validate another delivery."""
    where = f"{names.label_key} (control bucket)"
    problems: list[Problem] = []
    if (label.dataset, label.delivery_id) != (names.dataset, names.delivery_id):
        problems.append(
            Problem(
                where,
                f"the label is for {label.dataset}-{label.delivery_id}, but this session "
                f"uploads {names.dataset}-{names.delivery_id}",
                fix="choose the label of the delivery you are uploading",
            )
        )
    try:
        parse_label_text(label.canonical_text(), where)
    except ProblemsFound as found:
        problems.extend(found.problems)
    return problems


def index_problems(text: str, names: DeliveryNames) -> list[Problem]:
    """The server's `parse_index_file` rules (§5.2) applied to the exact text to upload."""
    where = f"{names.index_key} (control bucket)"
    if "\r" in text:
        return [Problem(where, "the index contains a carriage return")]
    records = list(csv.reader(io.StringIO(text, newline="")))
    if not records:
        return [Problem(where, "the index is empty")]
    header, rows = records[0], records[1:]
    problems: list[Problem] = []
    if not header or header[0] != PATH_COLUMN:
        problems.append(Problem(where, "the first column is not `path`", line=1))
    if WILL_TRANSFER_COLUMN not in header:
        problems.append(Problem(where, "there is no `will_transfer` column", line=1))
    if len(header) > 3 or (len(header) == 3 and CHECKSUM_COLUMN not in header):
        problems.append(Problem(where, f"the server accepts no columns {header}", line=1))
    if not rows:
        problems.append(Problem(where, "the index lists no files", line=1))
    for line, row in enumerate(rows, start=2):
        problems.extend(_row_problems(where, header, row, line))
    return problems


def _row_problems(where: str, header: list[str], row: list[str], line: int) -> list[Problem]:
    if len(row) != len(header):
        return [Problem(where, f"{len(row)} cells for {len(header)} columns", line=line)]
    cells = dict(zip(header, row, strict=True))
    problems = []
    if not cells.get(PATH_COLUMN):
        problems.append(Problem(where, "empty path", line=line))
    if CHECKSUM_COLUMN in cells and not cells[CHECKSUM_COLUMN]:
        problems.append(Problem(where, "empty checksum (the server reads it as NaN)", line=line))
    if cells.get(WILL_TRANSFER_COLUMN, "True") not in _BOOLEAN_TEXTS:
        problems.append(Problem(where, "will_transfer is not True/False", line=line))
    return problems


def control_index_text(
    entries: Sequence[IndexEntry | FileFingerprint], will_transfer: Mapping[str, bool]
) -> str:
    """The index as written to the control bucket; every entry needs a `will_transfer` value."""
    missing = [entry.path for entry in entries if entry.path not in will_transfer]
    if missing:
        raise ValueError(f"no will_transfer value for {len(missing)} paths, e.g. {missing[0]!r}")
    return format_index_csv(entries, will_transfer=will_transfer)


def upload_label_and_index(
    s3: Any,
    names: DeliveryNames,
    label: Label,
    entries: Sequence[IndexEntry | FileFingerprint],
    will_transfer: Mapping[str, bool],
) -> None:
    """Check both, then PUT the label, then the index (the order upstream uses, §5.3)."""
    index_text = control_index_text(entries, will_transfer)
    problems = label_problems(label, names) + index_problems(index_text, names)
    if problems:
        raise ProblemsFound(problems)
    _put(s3, names.control_bucket, names.label_key, label.canonical_text())
    _put(s3, names.control_bucket, names.index_key, index_text)


def _put(s3: Any, bucket: str, key: str, text: str) -> None:
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"))
    except AWS_EXCEPTIONS as exc:
        raise translate(exc, f"uploading {key}") from exc
