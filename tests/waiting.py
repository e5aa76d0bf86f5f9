"""Waiting for a condition in tests that have no signal to await: poll with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

WAIT_DEADLINE_S = 30.0
POLL_S = 0.02


def wait_until(condition: Callable[[], Any], what: str, deadline_s: float = WAIT_DEADLINE_S) -> Any:
    """Poll `condition` until it returns something truthy; fail naming `what` at the deadline."""
    give_up_at = time.monotonic() + deadline_s
    while not (result := condition()):
        if time.monotonic() > give_up_at:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(POLL_S)
    return result
