"""Index CSV files: ours written byte-identical to `mast-upload index`, a provider's read strictly.

The written format is what upstream's pandas `to_csv(index=None)` produces on Linux and macOS:
a header (`path,checksum` or `path`), UTF-8 without a BOM, `\\n` line endings on every platform
(pandas would write `\\r\\n` on Windows), and csv.QUOTE_MINIMAL quoting, so a path holding a comma
or a quote is written `"a,b.txt"` / `"say ""hi"".txt"`. The control channel writes its copy of
the index with the same `format_index_csv`, adding the `will_transfer` column.

A provider's index is checked against what the archive's server accepts (PROTOCOL.md §5.2) and
what a path may be (`object_keys`); every problem is collected, with its line and the fix, into
one `ProblemsFound`. A UTF-8 BOM and CRLF line endings (Excel's "CSV UTF-8") are accepted.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from uploader_gui.core.checksums.crc32 import crc32_from_base64, crc32_to_base64
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.delivery.folder_index import FolderIndex
from uploader_gui.core.delivery.object_keys import check_index_path, printable_path
from uploader_gui.core.delivery.problems import Problem, ProblemsFound

PATH_COLUMN = "path"
CHECKSUM_COLUMN = "checksum"
WILL_TRANSFER_COLUMN = "will_transfer"
_UTF8_BOM = b"\xef\xbb\xbf"
_SAVE_AS_UTF8 = "save the index as UTF-8 (in Excel: Save As › CSV UTF-8)"


class _PandasCsv(csv.Dialect):
    """The dialect of pandas' `to_csv` defaults, with `\\n` line endings."""

    delimiter = ","
    quotechar = '"'
    doublequote = True
    escapechar = None
    lineterminator = "\n"
    quoting = csv.QUOTE_MINIMAL
    skipinitialspace = False
    strict = False


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One row of a provider's index: the path, its CRC32 (None without a checksum column)."""

    path: str
    crc32: int | None
    line: int

    @property
    def crc32_base64(self) -> str | None:
        """The checksum cell as the provider wrote it (only S3's canonical form is accepted)."""
        return None if self.crc32 is None else crc32_to_base64(self.crc32)


@dataclass(frozen=True, slots=True)
class ProviderIndex:
    """A provider's index that passed every check."""

    csv_path: Path
    entries: tuple[IndexEntry, ...]
    has_checksums: bool


def format_index_csv(
    entries: Iterable[IndexEntry | FileFingerprint],
    *,
    will_transfer: Mapping[str, bool] | None = None,
) -> str:
    """The index CSV text for `entries`, in their order.

    The `checksum` column is written when every entry has a checksum and left out when none has;
    a mix is a ValueError (the server needs all or none). With `will_transfer` (path -> bool), a
    `will_transfer` column of `True`/`False` is added, as the control bucket's copy needs.
    """
    rows = [_path_and_checksum(entry) for entry in entries]
    with_checksums = bool(rows) and all(checksum is not None for _, checksum in rows)
    if not with_checksums and any(checksum is not None for _, checksum in rows):
        raise ValueError("some entries have a checksum and some do not: give all or none")
    header = [PATH_COLUMN] + [CHECKSUM_COLUMN] * with_checksums
    if will_transfer is not None:
        header.append(WILL_TRANSFER_COLUMN)
    text = io.StringIO()
    writer = csv.writer(text, dialect=_PandasCsv)
    writer.writerow(header)
    for path, checksum in rows:
        row = [path, checksum] if with_checksums else [path]
        if will_transfer is not None:
            row.append(str(bool(will_transfer[path])))
        writer.writerow(row)
    return text.getvalue()


def _path_and_checksum(entry: IndexEntry | FileFingerprint) -> tuple[str, str | None]:
    return entry.path, entry.crc32_base64


def write_index(folder_index: FolderIndex, out: Path, *, allow_skips: bool = False) -> None:
    """Write `folder_index`'s files as an index CSV at `out`, atomically.

    Raises ProblemsFound, writing nothing, when the index has problems and `allow_skips` is off;
    with it, the files with problems are simply not in the index.
    """
    if folder_index.problems and not allow_skips:
        raise ProblemsFound(
            [Problem(str(folder_index.root / p.path), p.reason) for p in folder_index.problems]
        )
    write_text_atomically(out, format_index_csv(folder_index.files))


def write_text_atomically(out: Path, text: str) -> None:
    """Write UTF-8 `text` to `out` via a temporary file in the same folder, fsync and rename."""
    fd, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            if hasattr(os, "fchmod"):  # mkstemp makes 0600; an index is an ordinary file
                os.fchmod(stream.fileno(), _mode_for(out))
            stream.write(text.encode("utf-8"))
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_folder(out.parent)


def _mode_for(out: Path) -> int:
    try:
        return out.stat().st_mode & 0o777
    except OSError:
        return 0o644


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":  # Windows cannot open a folder for fsync; its rename is durable
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _Problems:
    """Collects the problems of one index file."""

    def __init__(self, csv_path: Path) -> None:
        self.file = str(csv_path)
        self.found: list[Problem] = []

    def add(
        self, message: str, *, line: int | None = None, key: str | None = None, fix: str = ""
    ) -> None:
        self.found.append(Problem(self.file, message, line=line, key=key, fix=fix))


def read_provider_index(csv_path: Path, source_root: Path | None = None) -> ProviderIndex:
    """Read and check a provider's index; ProblemsFound lists everything wrong with it.

    With `source_root`, every path must also name a file under that folder.
    """
    problems = _Problems(csv_path)
    text = _read_text(csv_path, problems)
    records = _records(text, problems) if text is not None else []
    columns = _check_header(records[0][1], problems) if records else None
    entries: list[IndexEntry] = []
    if text is not None and not records and not problems.found:
        problems.add(
            "the index is empty",
            fix="write a header line `path` (or `path,checksum`), then one line per file",
        )
    if columns is not None:
        entries = _check_rows(records[1:], len(records[0][1]), columns, problems)
        if not records[1:]:
            problems.add("the index lists no files", line=1, fix="add one line per file")
    if source_root is not None and entries:
        _check_on_disk(entries, source_root, problems)
    if problems.found:
        raise ProblemsFound(problems.found)
    return ProviderIndex(
        csv_path, tuple(entries), has_checksums=columns is not None and columns[1] is not None
    )


def _read_text(csv_path: Path, problems: _Problems) -> str | None:
    try:
        raw = csv_path.read_bytes()
    except FileNotFoundError:
        problems.add("the index file does not exist", fix="check the file's name and folder")
        return None
    except IsADirectoryError:
        problems.add("this is a folder, not an index file", fix="choose the index CSV file")
        return None
    except OSError as error:
        problems.add(f"the index could not be read: {error.strerror or error}")
        return None
    raw = raw.removeprefix(_UTF8_BOM)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as error:
            bad = line[error.start : error.start + 1].hex()
            where = f"byte 0x{bad} at column {error.start + 1}"
            problems.add(f"the line is not UTF-8 ({where})", line=number, fix=_SAVE_AS_UTF8)
    return None


def _records(text: str, problems: _Problems) -> list[tuple[int, list[str]]]:
    """Non-blank CSV records with the line each starts on (pandas skips blank lines too)."""
    reader = csv.reader(io.StringIO(text, newline=""), dialect=_PandasCsv)
    records: list[tuple[int, list[str]]] = []
    next_line = 1
    try:
        for cells in reader:
            if cells:
                records.append((next_line, cells))
            next_line = reader.line_num + 1
    except csv.Error as error:
        problems.add(f"the line cannot be read as CSV ({error})", line=next_line)
    return records


def _check_header(header: list[str], problems: _Problems) -> tuple[int, int | None] | None:
    """(path column, checksum column or None), or None when no column is `path`."""
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        separator = "';'" if ";" in header[0] else "tabs"
        problems.add(
            f"the columns are separated by {separator}, not commas",
            line=1,
            fix="save the index as comma-separated CSV",
        )
        return None
    if not any(name.strip().casefold() == PATH_COLUMN for name in header):
        problems.add(
            f"the first line is {','.join(header)!r}, not a header naming a `path` column",
            line=1,
            fix="make the first line `path` (or `path,checksum`)",
        )
        return None
    for position, name in enumerate(header):
        _check_column_name(name, position, header, problems)
    if PATH_COLUMN not in header:
        return None
    checksum = header.index(CHECKSUM_COLUMN) if CHECKSUM_COLUMN in header else None
    return header.index(PATH_COLUMN), checksum


def _check_column_name(name: str, position: int, header: list[str], problems: _Problems) -> None:
    def add(message: str, fix: str) -> None:
        problems.add(message, line=1, key=name, fix=fix)

    if header.index(name) != position:
        add(f"the column {name!r} appears twice", "delete one of them")
    elif name.strip().casefold() in (PATH_COLUMN, CHECKSUM_COLUMN) and name not in (
        PATH_COLUMN,
        CHECKSUM_COLUMN,
    ):
        add(f"the column {name!r} must be named exactly {name.strip().casefold()!r}", "rename it")
    elif name == PATH_COLUMN and position != 0:
        add("`path` must be the first column", "move the path column to the front")
    elif name == WILL_TRANSFER_COLUMN:
        add("the column `will_transfer` is the uploader's to add", "delete the column")
    elif name not in (PATH_COLUMN, CHECKSUM_COLUMN):
        add(
            f"the archive accepts only the columns path and checksum, not {name!r}",
            "delete the column",
        )


def _check_rows(
    records: list[tuple[int, list[str]]],
    width: int,
    columns: tuple[int, int | None],
    problems: _Problems,
) -> list[IndexEntry]:
    path_column, checksum_column = columns
    first_line: dict[str, int] = {}
    entries = []
    for line, cells in records:
        if len(cells) != width:  # the cells are not where the header says: check nothing else
            _report_width(len(cells), width, line, problems)
            continue
        path = cells[path_column]
        crc32 = None
        if checksum_column is not None:
            crc32 = _check_checksum(cells[checksum_column], line, problems)
        rejection = check_index_path(path)
        if rejection is not None:
            problems.add(rejection.reason, line=line, key=PATH_COLUMN, fix=rejection.fix)
        elif path in first_line:
            problems.add(
                f"{printable_path(path)} is listed twice (first on line {first_line[path]})",
                line=line,
                fix="delete one of the two lines",
            )
        else:
            first_line[path] = line
            entries.append(IndexEntry(path, crc32, line))
    return entries


def _report_width(count: int, width: int, line: int, problems: _Problems) -> None:
    cells = "1 cell" if count == 1 else f"{count} cells"
    if count > width:
        fix = 'put paths that contain a comma in double quotes ("a,b.fits")'
    else:
        fix = "fill in every column on every line (or delete the checksum column)"
    problems.add(f"the line has {cells}; the header has {width}", line=line, fix=fix)


def _check_checksum(checksum: str, line: int, problems: _Problems) -> int | None:
    """The checksum cell's CRC32, or None (and a problem) when it is not a valid one."""
    if not checksum:
        problems.add(
            "the checksum cell is empty",
            line=line,
            key=CHECKSUM_COLUMN,
            fix="give every file a checksum, or delete the checksum column",
        )
        return None
    try:
        return crc32_from_base64(checksum)
    except ValueError as error:
        problems.add(
            f"the checksum is not a CRC32 written as base64 of 4 bytes: {error}",
            line=line,
            key=CHECKSUM_COLUMN,
            fix="recompute it (`uploader-gui index`), e.g. 3eqhBw== for a file holding 'a\\n'",
        )
        return None


def _check_on_disk(entries: list[IndexEntry], source_root: Path, problems: _Problems) -> None:
    if not source_root.is_dir():
        problems.add(
            f"the source folder {source_root} does not exist",
            fix="choose the folder the index's paths are relative to",
        )
        return
    for entry in entries:
        target = source_root / entry.path
        if target.is_file():
            continue
        what = "is a folder, not a file" if target.is_dir() else f"is not in {source_root}"
        problems.add(
            f"{entry.path} {what}",
            line=entry.line,
            key=PATH_COLUMN,
            fix="check the spelling (paths are case-sensitive), or remove the line",
        )
