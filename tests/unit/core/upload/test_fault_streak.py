"""A background duty warns once when faults start, backs off, and says once when it recovers."""

from __future__ import annotations

import pytest

from uploader_gui.core.events import Event, WarningRaised
from uploader_gui.core.upload.fault_streak import FaultStreak


def test_one_warning_per_streak_with_growing_delays() -> None:
    seen: list[Event] = []
    streak = FaultStreak(
        failing_text="Could not read the log",
        recovered_text="Reading again",
        emit=seen.append,
        retry_delays_s=(1.0, 5.0),
    )

    delays = [streak.failed(OSError("reset")) for _ in range(3)]
    streak.succeeded()
    streak.succeeded()

    assert delays == [1.0, 5.0, 5.0]
    assert seen == [
        WarningRaised("Could not read the log; retrying in 1 s", "reset"),
        WarningRaised("Reading again"),
    ]
    assert streak.in_a_row == 0


def test_a_new_streak_warns_again() -> None:
    seen: list[Event] = []
    streak = FaultStreak(failing_text="x", recovered_text="y", emit=seen.append)
    streak.failed(OSError("a"))
    streak.succeeded()
    streak.failed(OSError("b"))
    assert [event.detail for event in seen if isinstance(event, WarningRaised)] == ["a", "", "b"]


def test_needs_a_delay() -> None:
    with pytest.raises(ValueError, match="delay"):
        FaultStreak(failing_text="x", recovered_text="y", emit=print, retry_delays_s=())
