"""Warn when this computer's clock disagrees with the archive's by more than a minute.

AWS rejects signatures more than 15 minutes off, and token lifetimes are judged by the server's
clock, so a wrong clock shows up as puzzling "expired" errors long after the cause.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from uploader_gui.auth.time_source import Clock, utc_now

CLOCK_SKEW_TOLERANCE_S = 60.0


def parse_http_date(value: str) -> datetime | None:
    """An HTTP `Date` header as an aware UTC datetime, or None when it cannot be read."""
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def check_clock_skew(
    server_date: str | datetime,
    *,
    clock: Clock = utc_now,
    tolerance_s: float = CLOCK_SKEW_TOLERANCE_S,
) -> str | None:
    """A warning for the person if the local clock is off by more than `tolerance_s`, else None."""
    server_now = parse_http_date(server_date) if isinstance(server_date, str) else server_date
    if server_now is None:
        return None
    skew_s = (clock() - server_now).total_seconds()
    if abs(skew_s) <= tolerance_s:
        return None
    direction = "ahead of" if skew_s > 0 else "behind"
    return (
        f"This computer's clock is {_describe(abs(skew_s))} {direction} the archive's. "
        "Sign-in and uploads can fail with 'expired' errors: set the clock automatically "
        "(network time) in the system settings."
    )


def _describe(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} seconds"
    if seconds < 7200:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:.1f} hours"
