"""When to try a failed transfer again, and after how long (DESIGN.md §4).

Exponential backoff with full jitter (the delay is uniform in [0, min(cap, base·2^(n-1))]), so
many workers hit by the same throttling spread out instead of retrying in step. A server's
`Retry-After` is a floor: the delay is never shorter than what the server asked for (up to
`max_retry_after_s`, so a confused server cannot park a file for a day).

Failures are counted per file since its last progress: a large file that keeps moving forward
between occasional errors is not failed for having had many errors in total.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RetryDecision:
    """Whether to retry, and after how many seconds."""

    should_retry: bool
    delay_s: float


def _system_random() -> Callable[[], float]:
    return random.Random().random  # noqa: S311 - jitter, not security


@dataclass(frozen=True)
class RetryPolicy:
    """`max_attempts` attempts in a row without progress, then the file fails.

    `uniform` returns a float in [0, 1); tests pass a fixed one.
    """

    base_delay_s: float = 1.0
    max_delay_s: float = 60.0
    max_attempts: int = 6
    max_retry_after_s: float = 600.0
    uniform: Callable[[], float] = field(default_factory=_system_random, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, not {self.max_attempts}")
        if self.base_delay_s < 0 or self.max_delay_s < self.base_delay_s:
            raise ValueError(
                f"need 0 <= base_delay_s <= max_delay_s, not {self.base_delay_s} and "
                f"{self.max_delay_s}"
            )

    def backoff_s(self, failures: int) -> float:
        """The jittered backoff after the `failures`-th failure in a row (1 for the first)."""
        exponent = min(max(failures, 1) - 1, 62)  # 2**62 s is past any cap; avoid huge floats
        ceiling = min(self.max_delay_s, self.base_delay_s * 2.0**exponent)
        return ceiling * self.uniform()

    def decide(self, failures: int, *, retry_after_s: float | None = None) -> RetryDecision:
        """After `failures` failed attempts in a row: retry (and when), or give up."""
        if failures >= self.max_attempts:
            return RetryDecision(should_retry=False, delay_s=0.0)
        delay_s = self.backoff_s(failures)
        if retry_after_s is not None and retry_after_s > 0:
            delay_s = max(delay_s, min(retry_after_s, self.max_retry_after_s))
        return RetryDecision(should_retry=True, delay_s=delay_s)
