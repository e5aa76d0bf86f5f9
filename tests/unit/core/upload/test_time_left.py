"""The time left of a run: the longer of what its bytes and its files say, each once measured."""

from __future__ import annotations

import pytest

from uploader_gui.core.upload.time_left import FileRate, time_left_s


@pytest.mark.parametrize(
    ("bytes_left", "byte_rate", "files_left", "file_rate", "expected"),
    [
        (1_000, 500.0, 300, 10.0, 30.0),  # small files: the files decide
        (100_000_000, 1_000_000.0, 1, 0.0, 100.0),  # one big file: the bytes decide
        (100_000_000, 1_000_000.0, 10, 1.0, 100.0),  # both known: the longer one
        (1_000, 0.0, 5, 0.0, None),  # no rate yet: no guess
        (0, 0.0, 0, 0.0, 0.0),  # nothing left
        (0, 1_000.0, 4, 2.0, 2.0),  # bytes sent, files not yet confirmed
    ],
)
def test_time_left_is_the_longer_estimate(
    bytes_left: int, byte_rate: float, files_left: int, file_rate: float, expected: float | None
) -> None:
    left = time_left_s(
        bytes_left=bytes_left,
        rate_bytes_per_s=byte_rate,
        files_left=files_left,
        rate_files_per_s=file_rate,
    )
    assert left == (None if expected is None else pytest.approx(expected))


def test_file_rate_early_in_a_run_divides_by_the_run_so_far() -> None:
    rate = FileRate(started_at=100.0, window_s=20.0)
    rate.note_finished(101.0)
    rate.note_finished(102.0)
    assert rate.per_s(104.0) == pytest.approx(0.5)  # 2 files in 4 s, not in 20 s
    assert rate.per_s(130.0) == 0.0
