"""What numbers look like on screen: sizes, counts, progress and summary lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from uploader_gui.core.events import IndexProgressed
from uploader_gui.core.formatting import count_text, human_rate, human_size, state_label
from uploader_gui.ui.engine_bridge import IndexSummary, SkippedItem
from uploader_gui.ui.status_area import progress_fraction, progress_text, summary_text


@pytest.mark.parametrize(
    ("size_bytes", "text"),
    [
        (0, "0 B"),
        (1, "1 byte"),
        (1023, "1023 B"),
        (1024, "1.00 KiB"),
        (1536, "1.50 KiB"),
        (10 * 1024, "10.0 KiB"),
        (1023 * 1024, "1023 KiB"),
        (5 * 1024**3, "5.00 GiB"),
        (3 * 1024**5, "3.00 PiB"),
        (4096 * 1024**5, "4096 PiB"),
    ],
)
def test_human_size_uses_binary_units(size_bytes: int, text: str) -> None:
    assert human_size(size_bytes) == text


def test_rates_and_counts_read_naturally() -> None:
    assert human_rate(2 * 1024 * 1024) == "2.00 MiB/s"
    assert human_rate(-5.0) == "0 B/s"
    assert count_text(1, "file") == "1 file"
    assert count_text(12_345, "file") == "12,345 files"
    assert count_text(2, "entry", "entries") == "2 entries"


def test_state_labels_come_from_the_file_states() -> None:
    assert state_label("pending") == "queued"
    assert state_label("transferring") == "uploading"
    assert state_label("done") == "uploaded"
    assert state_label("not-a-state") == "not-a-state"


def test_progress_before_the_total_is_known_counts_files_found() -> None:
    listing = IndexProgressed(40, 0, 0, 0, 0.0)
    assert progress_text(listing) == "Indexing: 40 files found"
    assert progress_fraction(listing) is None
    by_files = IndexProgressed(1, 4, 0, 0, 0.0)
    assert progress_fraction(by_files) == 0.25


def test_listing_shows_files_and_bytes_found_and_files_a_second() -> None:
    listing = IndexProgressed(
        0, 123_456, 0, 5 * 1024**3, 0.0, files_per_s=12_345.6, is_listing=True
    )
    assert progress_text(listing) == "Listing: 123,456 files found · 5.00 GiB · 12,346 files/s"
    assert progress_fraction(listing) is None  # the total is still growing


def test_reading_shows_both_rates_with_thousands_separators() -> None:
    reading = IndexProgressed(12_000, 100_000, 1024**3, 4 * 1024**3, 1024**2, files_per_s=2_500.0)
    assert progress_text(reading) == (
        "Indexing: 12,000 of 100,000 files · 1.00 GiB of 4.00 GiB · 1.00 MiB/s · 2,500 files/s"
    )
    assert progress_fraction(reading) == 0.25


def test_summary_names_junk_and_problems_separately() -> None:
    summary = IndexSummary(
        root=str(Path("/data")),
        files=1200,
        bytes_total=3 * 1024**3,
        skipped=(
            SkippedItem(".DS_Store", "junk", is_junk=True, is_problem=False),
            SkippedItem("a\\b.txt", "backslash", is_junk=False, is_problem=True),
            SkippedItem("tmp/", "excluded", is_junk=False, is_problem=False),
        ),
    )
    assert summary_text(summary) == "1,200 files · 3.00 GiB · 3 skipped (1 junk, 1 problem to fix)"
