"""Settings of the reference validator: upstream's `VAL_PIPE_SETTINGS` plus the sandbox's faults.

The defaults are upstream's (PROTOCOL.md §1.4: keepalive 10 s, 3 validation threads, missing
timeout 240 s, loop 0.25 s). The fault settings (`invalid_globs`, `slow_validation_s`,
`crash_after_verdicts`) come from the archive's options (`--invalid`, `--slow-validation`,
`--validator-crash-after`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ValidatorSettings:
    loop_interval_s: float = 0.25
    keepalive_threshold_s: float = 10.0
    n_validation_threads: int = 3
    missing_timeout_s: float = 240.0
    # Upstream does not let keepalive-only chunks refresh the missing clock (§8.3). That is the
    # behaviour a client must survive, so the reference validator reproduces it by default.
    reproduce_keepalive_quirk: bool = True
    # hostess `Bucket.tail` polls once a second (§4.5).
    tail_poll_s: float = 1.0
    # The writer flushes after 0.5 s without writes, as upstream, and also whenever a row has
    # waited 1 s, which fixes upstream's debounce starvation (§4.4).
    flush_idle_s: float = 0.5
    flush_max_delay_s: float = 1.0
    invalid_globs: tuple[str, ...] = ()
    slow_validation_s: float = 0.0
    crash_after_verdicts: int | None = None

    @classmethod
    def from_options(cls, options: Any, **overrides: Any) -> ValidatorSettings:
        """Settings from a `SandboxOptions` (duck-typed: the archive module imports this one)."""
        values: dict[str, Any] = {
            "missing_timeout_s": float(options.missing_timeout_s),
            "reproduce_keepalive_quirk": bool(options.reproduce_keepalive_quirk),
            "invalid_globs": tuple(options.invalid_globs),
            "slow_validation_s": float(options.slow_validation_s),
            "crash_after_verdicts": options.validator_crash_after,
        }
        values.update(overrides)
        return cls(**values)
