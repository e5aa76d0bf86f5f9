"""Exponential backoff with full jitter, Retry-After as a floor, and when to give up."""

from __future__ import annotations

import pytest

from uploader_gui.core.upload.retry_policy import RetryPolicy


def policy(uniform: float = 1.0, **settings: float) -> RetryPolicy:
    values = {"base_delay_s": 1.0, "max_delay_s": 60.0, "max_attempts": 6, **settings}
    return RetryPolicy(
        base_delay_s=values["base_delay_s"],
        max_delay_s=values["max_delay_s"],
        max_attempts=int(values["max_attempts"]),
        max_retry_after_s=values.get("max_retry_after_s", 600.0),
        uniform=lambda: uniform,
    )


def test_the_ceiling_doubles_with_each_failure_in_a_row() -> None:
    delays = [policy(uniform=1.0).decide(n).delay_s for n in range(1, 6)]

    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0]


def test_full_jitter_scales_the_ceiling_by_the_random_draw() -> None:
    assert policy(uniform=0.25).decide(3).delay_s == pytest.approx(1.0)
    assert policy(uniform=0.0).decide(3).delay_s == 0.0


def test_the_delay_never_exceeds_the_cap() -> None:
    assert policy(uniform=1.0, max_delay_s=10.0, max_attempts=100).decide(40).delay_s == 10.0


def test_retry_after_is_a_floor() -> None:
    decision = policy(uniform=0.1).decide(1, retry_after_s=7.0)

    assert decision.should_retry
    assert decision.delay_s == 7.0


def test_a_short_retry_after_does_not_shorten_the_backoff() -> None:
    assert policy(uniform=1.0).decide(4, retry_after_s=1.0).delay_s == 8.0


def test_an_absurd_retry_after_is_capped() -> None:
    decision = policy(uniform=0.0, max_retry_after_s=120.0).decide(1, retry_after_s=86_400)

    assert decision.delay_s == 120.0


def test_gives_up_after_max_attempts_failures_in_a_row() -> None:
    retry_policy = policy(max_attempts=3)

    assert retry_policy.decide(2).should_retry
    assert not retry_policy.decide(3).should_retry


def test_the_default_randomness_stays_within_the_ceiling() -> None:
    retry_policy = RetryPolicy(base_delay_s=2.0, max_delay_s=30.0)

    delays = [retry_policy.decide(3).delay_s for _ in range(200)]

    assert all(0.0 <= delay < 8.0 for delay in delays)
    assert len(set(delays)) > 1


@pytest.mark.parametrize(
    "settings",
    [{"max_attempts": 0}, {"base_delay_s": -1.0}, {"base_delay_s": 5.0, "max_delay_s": 1.0}],
)
def test_nonsense_settings_are_refused(settings: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"max_attempts|delay"):
        RetryPolicy(**settings)  # type: ignore[arg-type]
