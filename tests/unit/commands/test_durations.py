"""Durations as people write them (`--offline-timeout 30m`) and as they read them."""

from __future__ import annotations

import argparse
import re

import pytest

from uploader_gui.commands.transfer import parse_duration
from uploader_gui.core.durations import duration_text


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90.0),
        ("45", 45.0),
        ("30m", 1800.0),
        ("30 min", 1800.0),
        ("2h", 7200.0),
        ("1.5H", 5400.0),
        (" 10 sec ", 10.0),
    ],
)
def test_a_duration_is_read_in_seconds_minutes_or_hours(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "-5m", "1d", "5 m s", "0", "0s"])
def test_anything_else_is_refused_with_an_example_of_what_works(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=re.escape("write e.g. 90s, 30m, 2h")):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (42.4, "42 s"),
        (59.6, "1 min"),
        (300, "5 min"),
        (90, "1 min 30 s"),
        (3600, "1 h 00 min"),
        (3930, "1 h 05 min"),
        (-3, "0 s"),
    ],
)
def test_a_duration_reads_in_the_largest_sensible_units(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text
