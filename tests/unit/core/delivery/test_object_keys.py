"""Which relative paths may be object keys and index rows (core.object_keys)."""

from __future__ import annotations

import pytest

from uploader_gui.core.delivery.object_keys import (
    MAX_OBJECT_KEY_BYTES,
    PANDAS_MISSING_VALUES,
    check_index_path,
    check_object_key,
    printable_path,
    validate_object_key,
)


@pytest.mark.parametrize(
    "path",
    [
        "a.txt",
        "dir/sub/file.fits",
        "é/ü 漢字.txt",
        "a b/c,d;e.txt",
        ".hidden",
        "..double-dot-prefix",
        "a..b",
        "dir/...",
        "dir/NA",
        "x" * MAX_OBJECT_KEY_BYTES,
        "é" * (MAX_OBJECT_KEY_BYTES // 2),  # two UTF-8 bytes each: exactly the limit
        "emoji\u200d.txt",  # a format character (not printable, not a control character)
    ],
)
def test_valid_keys_pass(path: str) -> None:
    assert validate_object_key(path) is None
    assert check_index_path(path) is None


@pytest.mark.parametrize(
    ("path", "reason_part"),
    [
        ("", "empty"),
        ("/data/a.fits", "absolute"),
        ("C:/data/a.fits", "drive letter"),
        ("c:a.fits", "drive letter"),
        ("dir\\a.fits", "backslash"),
        ("a\rb.txt", "line break"),
        ("a\nb.txt", "line break"),
        ("a\x00b", "U+0000"),
        ("a\tb", "U+0009"),
        ("a\x7fb", "U+007F"),
        ("a\x85b", "U+0085"),
        ("caf\udce9.txt", "not valid UTF-8"),
        ("../a.txt", "'..'"),
        ("dir/../a.txt", "'..'"),
        ("dir/..", "'..'"),
        ("./a.txt", "'.' segment"),
        ("dir/./a.txt", "'.' segment"),
        ("dir//a.txt", "empty folder name"),
        ("dir/", "empty folder name"),
        ("x" * (MAX_OBJECT_KEY_BYTES + 1), "1025 bytes"),
        ("é" * (MAX_OBJECT_KEY_BYTES // 2) + "x", "1025 bytes"),
    ],
)
def test_each_rule_rejects_with_a_reason_and_a_fix(path: str, reason_part: str) -> None:
    reason = validate_object_key(path)
    assert reason is not None
    assert reason_part in reason
    rejection = check_object_key(path)
    assert rejection is not None
    assert rejection.fix


@pytest.mark.parametrize("name", sorted(PANDAS_MISSING_VALUES - {""}))
def test_a_top_level_name_pandas_reads_as_missing_is_not_an_index_path(name: str) -> None:
    assert validate_object_key(name) is None  # a fine S3 key ...
    rejection = check_index_path(name)  # ... but the archive's CSV reader would lose it
    assert rejection is not None
    assert "missing value" in rejection.reason
    assert f"data/{name}" in rejection.fix


def test_pandas_missing_values_are_pandas_defaults() -> None:
    # pandas 3.1's STR_NA_VALUES, checked against pandas itself when this list was written.
    assert {"NA", "N/A", "NULL", "null", "NaN", "nan", "None", "<NA>", "#N/A"} <= (
        PANDAS_MISSING_VALUES
    )
    assert len(PANDAS_MISSING_VALUES) == 19


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("plain/é.txt", "plain/é.txt"),
        ("caf\udce9.txt", "caf\\xe9.txt"),
        ("ret\rx", "ret\\rx"),
        ("new\nline", "new\\nline"),
        ("bell\x07", "bell\\x07"),
        ("lone\ud800", "lone\\ud800"),
    ],
)
def test_printable_path_shows_what_cannot_be_printed(path: str, shown: str) -> None:
    assert printable_path(path) == shown
    printable_path(path).encode("utf-8")  # never raises: safe for any terminal or log
