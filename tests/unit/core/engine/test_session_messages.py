"""How a session's ending reads: counts a person can read at a glance, with thousands separators."""

from __future__ import annotations

from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.engine.running_session import (
    _problem_summary,
    all_valid_text,
    too_many_failures_text,
)
from uploader_gui.core.engine.session_engine import nothing_to_do_text


def test_all_valid_counts_with_thousands_separators() -> None:
    assert all_valid_text(100_000) == "all 100,000 files are valid"


def test_nothing_to_do_counts_with_thousands_separators() -> None:
    assert nothing_to_do_text(100_000).startswith("all 100,000 files are already valid")


def test_too_many_failures_counts_with_thousands_separators() -> None:
    assert too_many_failures_text(12_345).startswith("12,345 files failed validation")


def test_the_problem_summary_counts_with_thousands_separators() -> None:
    counts = {FileState.VALID: 99_000, FileState.INVALID: 1_000, FileState.FAILED: 2}
    summary = _problem_summary(counts)
    assert "99,000 valid" in summary
    assert "1,000 " in summary
    assert "2 " in summary
