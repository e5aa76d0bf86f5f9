"""What a person tunes for the sessions they start (the window's Settings, the CLI's options):
how many files or parts are sent at once, a bandwidth limit, and where the receipt goes.

Plain data, no Qt: the window reads it from its settings when Start is pressed and the wiring
lays it over the session's options on the session's thread. A field left None keeps what the
options already say (the app's default, or what a test or the terminal asked for).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_CONCURRENCY = 4
# More workers than this only add boto3 clients and GIL contention (README, Performance).
MAX_CONCURRENCY = 32


@dataclass(frozen=True, slots=True)
class SessionTuning:
    """The person's choices for the next session; None keeps the session options' own value."""

    concurrency: int | None = None
    bandwidth_limit_bytes_per_s: float | None = None
    receipt_target: Path | None = None
