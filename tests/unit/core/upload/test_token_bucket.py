"""The bandwidth limit: tokens accrue at the rate up to a burst, changeable while senders wait."""

from __future__ import annotations

import threading

import pytest

from uploader_gui.core.upload.token_bucket import MIN_BURST_BYTES, TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_without_a_limit_everything_goes_at_once() -> None:
    bucket = TokenBucket(None, clock=FakeClock())

    assert bucket.try_take(10**12) == 0.0
    bucket.acquire(10**12)  # returns without waiting


def test_a_short_bucket_says_how_long_to_wait_and_takes_nothing() -> None:
    clock = FakeClock()
    bucket = TokenBucket(1_000_000, clock=clock)

    assert bucket.try_take(250_000) == pytest.approx(0.25)
    clock.now += 0.25
    assert bucket.try_take(250_000) == 0.0
    assert bucket.try_take(1) == pytest.approx(1e-6)


def test_tokens_accrue_at_the_rate_and_stop_at_the_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(4_000_000, clock=clock)  # burst: a quarter second = 1 MB
    clock.now += 60.0

    assert bucket.burst_bytes == 1_000_000
    assert bucket.try_take(1_000_000) == 0.0
    assert bucket.try_take(1_000) > 0.0


def test_a_slow_limit_still_lets_a_whole_block_through() -> None:
    bucket = TokenBucket(1_000, clock=FakeClock())

    assert bucket.burst_bytes == MIN_BURST_BYTES


def test_lowering_the_limit_drops_tokens_saved_at_the_old_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(100_000_000, clock=clock)
    clock.now += 10.0
    bucket.set_rate(1_000_000)

    assert bucket.try_take(MIN_BURST_BYTES) == 0.0
    assert bucket.try_take(100_000) > 0.0


@pytest.mark.parametrize("rate", [0, -5])
def test_a_limit_must_be_positive(rate: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(rate)


def test_lifting_the_limit_releases_a_waiting_sender_at_once() -> None:
    clock = FakeClock()  # never advances: without the change the sender would wait forever
    bucket = TokenBucket(1_000, clock=clock)
    sender = threading.Thread(target=bucket.acquire, args=(10_000_000,), daemon=True)
    sender.start()

    bucket.set_rate(None)
    sender.join(timeout=30)

    assert not sender.is_alive()
    assert bucket.rate_bytes_per_s is None


def test_acquire_takes_more_than_a_burst_in_pieces() -> None:
    clock = FakeClock()
    started_at = clock.now
    bucket = TokenBucket(1_000_000, clock=clock)  # starts empty; a burst accrues in 0.25 s
    done = threading.Event()

    def send() -> None:
        bucket.acquire(3 * bucket.burst_bytes)
        done.set()

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    while not done.is_set():
        clock.now += 0.25  # one burst's worth of time
        bucket.set_rate(1_000_000)  # wakes the sender to look at the clock again
        done.wait(0.01)
    sender.join(timeout=30)

    assert done.is_set()
    assert clock.now - started_at >= 0.75  # three bursts' worth of (fake) time
