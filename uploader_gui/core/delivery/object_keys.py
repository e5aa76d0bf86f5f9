"""Which relative paths may become object keys and index rows, and why the others may not.

A delivered file's path relative to the source folder is its S3 key and its `path` cell in the
index (PROTOCOL.md §5.1). Keys are kept to relative POSIX paths that mean the same thing on every
platform and to every reader: no `..` or `.` segment, no leading `/` or drive letter, no
backslash (a literal character in an S3 key, a separator on Windows), no empty segment, no control
character (a `\\r` or `\\n` breaks the CSV index and the FAST logs), valid UTF-8, and at most
1024 UTF-8 bytes (S3's limit).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_OBJECT_KEY_BYTES = 1024

# Cells pandas' `read_csv` turns into NaN by default (its `na_values`); the archive reads the
# index with pandas, so a top-level file with one of these names would arrive as a missing path.
PANDAS_MISSING_VALUES = frozenset(
    {
        "",
        "#N/A",
        "#N/A N/A",
        "#NA",
        "-1.#IND",
        "-1.#QNAN",
        "-NaN",
        "-nan",
        "1.#IND",
        "1.#QNAN",
        "<NA>",
        "N/A",
        "NA",
        "NULL",
        "NaN",
        "None",
        "n/a",
        "nan",
        "null",
    }
)

_DRIVE_LETTER = re.compile(r"^[A-Za-z]:")
_RENAME = "rename the file or folder"


@dataclass(frozen=True, slots=True)
class KeyRejection:
    """Why a path cannot be a key (`reason`), and what the person can do about it (`fix`)."""

    reason: str
    fix: str


def check_object_key(path: str) -> KeyRejection | None:
    """The first rule `path` breaks as an object key, or None when it is a valid key."""
    if not path:
        return KeyRejection("the path is empty", "write the file's path relative to the folder")
    shape = _check_shape(path)
    if shape is not None:
        return shape
    characters = _check_characters(path)
    if characters is not None:
        return characters
    return _check_segments(path)


def validate_object_key(path: str) -> str | None:
    """None if `path` is a valid object key, else the reason, for messages."""
    rejection = check_object_key(path)
    return rejection.reason if rejection else None


def check_index_path(path: str) -> KeyRejection | None:
    """The object-key rules plus what the archive's CSV reader needs of a `path` cell."""
    rejection = check_object_key(path)
    if rejection is None and path in PANDAS_MISSING_VALUES:
        return KeyRejection(
            f"the archive's CSV reader reads the path {path!r} as a missing value",
            f"rename the file, or move it into a folder (e.g. data/{path})",
        )
    return rejection


def printable_path(path: str) -> str:
    """`path` safe to print anywhere: undecodable bytes as `\\xNN`, control characters escaped."""
    try:
        text = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate from a Windows (UTF-16) name
        text = path.encode("utf-8", "backslashreplace").decode("utf-8")
    if not any(unicodedata.category(c) == "Cc" for c in text):
        return text
    return "".join(_escaped(c) if unicodedata.category(c) == "Cc" else c for c in text)


def _escaped(character: str) -> str:
    return {"\r": "\\r", "\n": "\\n", "\t": "\\t"}.get(character, f"\\x{ord(character):02x}")


def _check_shape(path: str) -> KeyRejection | None:
    if path.startswith("/"):
        return KeyRejection(
            "the path is absolute (starts with /)",
            "write the path relative to the source folder, e.g. data/a.fits",
        )
    if _DRIVE_LETTER.match(path):
        return KeyRejection(
            f"the path starts with a drive letter ({path[:2]})",
            "write the path relative to the source folder, with / between folders",
        )
    if "\\" in path:
        return KeyRejection(
            "the path contains a backslash (\\)",
            "use / between folders; rename any file or folder whose name contains \\",
        )
    return None


def _check_characters(path: str) -> KeyRejection | None:
    # Printable text has no control character and no surrogate: the common case, checked in C.
    if not path.isprintable():
        for character in path:
            if character in "\r\n":
                return KeyRejection("the name contains a line break", _RENAME)
            if unicodedata.category(character) == "Cc":
                return KeyRejection(
                    f"the name contains the control character U+{ord(character):04X}", _RENAME
                )
    try:
        size_bytes = len(path.encode("utf-8"))
    except UnicodeEncodeError:
        return KeyRejection(
            "the name is not valid UTF-8",
            f"{_RENAME} using only UTF-8 characters (the bytes shown as \\xNN)",
        )
    if size_bytes > MAX_OBJECT_KEY_BYTES:
        return KeyRejection(
            f"the path is {size_bytes} bytes long in UTF-8; the archive allows at most "
            f"{MAX_OBJECT_KEY_BYTES}",
            "shorten the names of its folders or of the file",
        )
    return None


def _check_segments(path: str) -> KeyRejection | None:
    wrapped = f"/{path}/"
    if "/../" in wrapped:
        return KeyRejection(
            "the path has a '..' segment (it points outside the folder)",
            "write the path relative to the source folder, without ..",
        )
    if "/./" in wrapped:
        return KeyRejection("the path has a '.' segment", "remove the ./ from the path")
    if "//" in wrapped:
        return KeyRejection(
            "the path has an empty folder name (// or a trailing /)",
            "write one / between folders, and the file's name at the end",
        )
    return None
