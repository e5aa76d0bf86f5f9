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


def test_files_per_second_counts_files_sent_to_the_end_not_skipped_ones() -> None:
    # 400 files of 1 kB; 4 finish every second (per-file overhead, not bandwidth, limits them).
    clock = FakeClock()
    progress = TransferProgress(
        files_total=400, bytes_total=400_000, clock=clock, file_window_s=10.0
    )
    for _ in range(50):
        progress.skip_file(1_000)  # already delivered: no time spent on them
    for second in range(20):
        for n in range(4):
            path = f"f{second}-{n}"
            progress.start_file(path, 1_000)
            progress.add_sent(path, 1_000)
            progress.finish_file(path, 1_000)
        clock.now += 1.0
        total = totals(progress.events_now())

    assert total.rate_files_per_s == pytest.approx(4.0)
    files_left = 400 - 50 - 80
    assert total.eta_s == pytest.approx(files_left / 4.0)


def test_small_files_with_little_bytes_left_are_not_about_two_seconds_left() -> None:
    # The big file is done; 300 tiny files remain: the bytes say "2 s", the files say 75 s.
    clock = FakeClock()
    progress = TransferProgress(
        files_total=340, bytes_total=10_000_000 + 340 * 100, clock=clock, file_window_s=10.0
    )
    progress.start_file("big", 10_000_000)
    for _ in range(10):
        clock.now += 1.0
        progress.add_sent("big", 1_000_000)
        for n in range(4):
            path = f"small-{clock.now}-{n}"
            progress.start_file(path, 100)
            progress.add_sent(path, 100)
            progress.finish_file(path, 100)
        progress.events_now()
    progress.finish_file("big", 10_000_000)
    total = totals(progress.events_now())

    files_left = 340 - 41
    bytes_left = total.bytes_total - total.bytes_processed
    assert bytes_left / total.rate_bytes_per_s < 1.0
    assert total.eta_s == pytest.approx(files_left / total.rate_files_per_s)
    assert total.eta_s > 60


def test_one_big_file_makes_the_time_left_follow_the_bytes() -> None:
    clock = FakeClock()
    progress = TransferProgress(
        files_total=1, bytes_total=100_000_000, clock=clock, speed_time_constant_s=1.0
    )
    progress.start_file("big", 100_000_000)
    for _ in range(50):
        clock.now += 0.2
        progress.add_sent("big", 200_000)  # 1 MB/s
        total = totals(progress.events_now())

    assert total.rate_files_per_s == 0.0  # no file finished yet: no file rate
    left = 100_000_000 - total.bytes_processed
    assert total.eta_s == pytest.approx(left / total.rate_bytes_per_s)
    assert total.eta_s == pytest.approx(90, rel=0.01)


def test_the_file_rate_forgets_files_older_than_its_window() -> None:
    clock = FakeClock()
    progress = TransferProgress(files_total=10, bytes_total=10, clock=clock, file_window_s=5.0)
    for n in range(5):
        clock.now += 1.0
        progress.start_file(str(n), 1)
        progress.finish_file(str(n), 1)
    assert totals(progress.events_now()).rate_files_per_s == pytest.approx(1.0)

    clock.now += 30.0  # stalled: nothing finished for a long while
    assert totals(progress.events_now()).rate_files_per_s == 0.0


def test_after_a_pause_the_speeds_are_measured_afresh() -> None:
    clock = FakeClock()
    progress = TransferProgress(
        files_total=1000, bytes_total=100_000, clock=clock, file_window_s=20.0
    )

    def one_second_of_work(first: int) -> TransferProgressed:
        for n in range(first, first + 5):  # 5 files of 100 bytes a second
            progress.start_file(str(n), 100)
            progress.add_sent(str(n), 100)
            progress.finish_file(str(n), 100)
        clock.now += 1.0
        return totals(progress.events_now())

    for second in range(10):
        before = one_second_of_work(second * 5)
    clock.now += 600.0  # paused for ten minutes: nothing moves
    totals(progress.events_now())
    progress.restart_rates()
    after = one_second_of_work(1000)

    assert after.rate_files_per_s == pytest.approx(before.rate_files_per_s)
    assert after.rate_bytes_per_s == pytest.approx(before.rate_bytes_per_s, rel=0.01)
    assert after.eta_s == pytest.approx((1000 - 55) / 5.0)
