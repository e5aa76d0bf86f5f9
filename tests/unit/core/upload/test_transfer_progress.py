"""Byte progress: counted by workers, announced at most every interval, with smoothed speed."""

from __future__ import annotations

import pytest

from uploader_gui.core.events import Event, FileTransferProgressed, TransferProgressed
from uploader_gui.core.upload.transfer_progress import TransferProgress


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def totals(events: list[Event]) -> TransferProgressed:
    (total,) = [e for e in events if isinstance(e, TransferProgressed)]
    return total


def files(events: list[Event]) -> dict[str, int]:
    return {e.path: e.bytes_done for e in events if isinstance(e, FileTransferProgressed)}


def test_events_come_at_most_once_per_interval() -> None:
    clock = FakeClock()
    progress = TransferProgress(files_total=1, bytes_total=100, clock=clock, interval_s=0.2)
    progress.start_file("a", 100)

    assert progress.events_due()
    progress.add_sent("a", 10)
    clock.now += 0.1
    assert progress.events_due() == []
    clock.now += 0.1
    assert files(progress.events_due()) == {"a": 10}


def test_only_files_whose_bytes_moved_are_reported() -> None:
    clock = FakeClock()
    progress = TransferProgress(files_total=2, bytes_total=200, clock=clock)
    progress.start_file("a", 100)
    progress.start_file("b", 100)
    progress.events_now()

    progress.add_sent("b", 30)

    assert files(progress.events_now()) == {"b": 30}


def test_skipped_files_count_as_processed_but_not_uploaded() -> None:
    progress = TransferProgress(files_total=3, bytes_total=300, clock=FakeClock())
    progress.skip_file(100)
    progress.skip_file(100)
    progress.start_file("c", 100, bytes_done=40)  # resumed: 40 bytes already on the archive

    total = totals(progress.events_now())

    assert (total.bytes_uploaded, total.bytes_processed) == (0, 240)
    assert (total.files_finished, total.files_total) == (2, 3)


def test_a_failed_request_takes_its_bytes_back_from_the_file_only() -> None:
    progress = TransferProgress(files_total=1, bytes_total=100, clock=FakeClock())
    progress.start_file("a", 100)
    progress.add_sent("a", 60)
    progress.take_back("a", 50)

    events = progress.events_now()

    assert files(events) == {"a": 10}
    assert totals(events).bytes_uploaded == 60


def test_finished_and_cancelled_files() -> None:
    progress = TransferProgress(files_total=2, bytes_total=200, clock=FakeClock())
    progress.start_file("a", 100)
    progress.start_file("b", 100)
    progress.add_sent("a", 100)
    progress.add_sent("b", 50)
    progress.finish_file("a", 100)
    progress.drop_file("b")

    total = totals(progress.events_now())

    assert (total.bytes_processed, total.files_finished) == (100, 1)


def test_speed_is_smoothed_and_eta_divides_what_is_left_by_it() -> None:
    clock = FakeClock()
    progress = TransferProgress(
        files_total=1, bytes_total=10_000_000, clock=clock, speed_time_constant_s=1.0
    )
    progress.start_file("a", 10_000_000)
    rates = []
    for _ in range(40):
        clock.now += 0.2
        progress.add_sent("a", 100_000)  # 500 kB/s
        rates.append(totals(progress.events_now()).rate_bytes_per_s)
    clock.now += 0.2
    progress.add_sent("a", 1_000_000)  # one burst of 5 MB/s
    burst = totals(progress.events_now())

    assert rates[-1] == pytest.approx(500_000, rel=1e-3)
    assert rates[-1] < burst.rate_bytes_per_s < 5_000_000
    left = 10_000_000 - burst.bytes_processed
    assert burst.eta_s == pytest.approx(left / burst.rate_bytes_per_s)


def test_no_eta_before_any_speed_and_zero_when_all_is_processed() -> None:
    clock = FakeClock()
    progress = TransferProgress(files_total=1, bytes_total=100, clock=clock)
    clock.now += 1.0
    assert totals(progress.events_now()).eta_s is None

    progress.skip_file(100)
    assert totals(progress.events_now()).eta_s == 0.0
