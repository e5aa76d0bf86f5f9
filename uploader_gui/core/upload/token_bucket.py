"""A bandwidth limit shared by every transfer worker: a token bucket, changeable while running.

Tokens are bytes. They accrue at `rate_bytes_per_s` up to `burst_bytes`; a sender takes as many
as it is about to send and waits while the bucket is short. `None` means no limit: `acquire`
returns at once and costs one attribute read. Changing the rate wakes every waiting sender, so
lifting or raising the limit takes effect at once, not after the waits computed under the old
rate.

`try_take` is the non-blocking core (tested with a fake clock); `acquire` waits on a condition
variable between attempts. Requests larger than the burst are taken in burst-sized pieces.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# A quarter of a second of traffic may go out at once: smooth at the scale a person watches, and
# large enough that senders of 128 KiB blocks rarely wait twice per block.
BURST_S = 0.25
MIN_BURST_BYTES = 256 * 1024


class TokenBucket:
    """Thread-safe; `clock` is monotonic seconds."""

    def __init__(
        self,
        rate_bytes_per_s: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._condition = threading.Condition(threading.Lock())
        self._rate: float | None = None
        self._burst = float(MIN_BURST_BYTES)
        self._tokens = 0.0
        self._updated_at = clock()
        self.set_rate(rate_bytes_per_s)

    @property
    def rate_bytes_per_s(self) -> float | None:
        return self._rate

    @property
    def burst_bytes(self) -> int:
        return int(self._burst)

    def set_rate(self, rate_bytes_per_s: float | None) -> None:
        """Change the limit (None: unlimited); waiting senders re-check at once."""
        if rate_bytes_per_s is not None and rate_bytes_per_s <= 0:
            raise ValueError(f"a bandwidth limit must be positive, not {rate_bytes_per_s}")
        with self._condition:
            self._refill()
            self._rate = None if rate_bytes_per_s is None else float(rate_bytes_per_s)
            if self._rate is not None:
                self._burst = max(self._rate * BURST_S, float(MIN_BURST_BYTES))
                # A lower limit must not inherit a bucket full at the old rate's burst.
                self._tokens = min(self._tokens, self._burst)
            self._condition.notify_all()

    def try_take(self, byte_count: int) -> float:
        """Take `byte_count` tokens (at most one burst) and return 0.0, or return how many
        seconds to wait before they could be there (nothing is taken)."""
        with self._condition:
            return self._try_take_locked(byte_count)

    def acquire(self, byte_count: int) -> None:
        """Wait until `byte_count` bytes may be sent, then take them."""
        if self._rate is None:
            return
        remaining = byte_count
        with self._condition:
            while remaining > 0:
                piece = min(remaining, int(self._burst))
                wait_s = self._try_take_locked(piece)
                if wait_s == 0.0:
                    remaining -= piece
                else:
                    self._condition.wait(wait_s)

    def _try_take_locked(self, byte_count: int) -> float:
        if self._rate is None:
            return 0.0
        self._refill()
        needed = min(float(byte_count), self._burst)
        if self._tokens >= needed:
            self._tokens -= needed
            return 0.0
        return (needed - self._tokens) / self._rate

    def _refill(self) -> None:
        now = self._clock()
        elapsed_s = max(0.0, now - self._updated_at)
        self._updated_at = now
        if self._rate is not None:
            self._tokens = min(self._burst, self._tokens + elapsed_s * self._rate)
