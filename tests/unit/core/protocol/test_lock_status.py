"""The §3 lock rules, decided on listing and body with a fake clock."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from uploader_gui.core.protocol.lock_status import (
    ListedLock,
    LockCheck,
    LockStatus,
    format_age,
    is_agent_id,
    locked_message,
    new_agent_id,
    status_before_read,
    status_from_body,
    takeover_question,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def listed(age_s: float, size_bytes: int = 11) -> ListedLock:
    return ListedLock("lock/client", size_bytes, NOW - timedelta(seconds=age_s), '"etag"')


def test_missing_lock_is_unlocked() -> None:
    assert status_before_read(None, 3600, NOW) is LockStatus.UNLOCKED


def test_staleness_is_checked_before_size() -> None:
    assert status_before_read(listed(3601, size_bytes=5000), 3600, NOW) is LockStatus.STALE


def test_lock_exactly_at_the_threshold_is_not_stale() -> None:
    assert status_before_read(listed(3600), 3600, NOW) is None


def test_no_threshold_means_never_stale() -> None:
    assert status_before_read(listed(10**6), None, NOW) is None


@pytest.mark.parametrize(("size_bytes", "expected"), [(2048, None), (2049, LockStatus.INVALID)])
def test_size_limit_is_2048_bytes(size_bytes: int, expected: LockStatus | None) -> None:
    assert status_before_read(listed(5, size_bytes), 3600, NOW) is expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"abcdefghijk", LockStatus.HELD),
        (b"abcdefghijk\n", LockStatus.LOCKED),  # no strip
        (b"ABCDEFGHIJK", LockStatus.LOCKED),  # case-sensitive
        (b"zzzzzzzzzzz", LockStatus.LOCKED),
        (b"\xff\xfe", LockStatus.INVALID),
    ],
)
def test_body_is_compared_byte_for_byte(body: bytes, expected: LockStatus) -> None:
    assert status_from_body(body, "abcdefghijk") is expected


def test_agent_ids_are_eleven_random_lowercase_letters() -> None:
    ids = {new_agent_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"[a-z]{11}", agent_id) for agent_id in ids)
    assert all(is_agent_id(agent_id) for agent_id in ids)
    assert not is_agent_id("abcdefghij1")


@pytest.mark.parametrize(
    ("age_s", "text"),
    [(0, "0 s"), (59.4, "59 s"), (61, "1 min"), (3600, "1 h"), (3 * 3600 + 300, "3 h 5 min")],
)
def test_ages_read_like_a_person_says_them(age_s: float, text: str) -> None:
    assert format_age(age_s) == text


def test_ages_over_two_days_are_in_days() -> None:
    assert format_age(50 * 3600) == "2 days 2 h"


def test_locked_message_names_holder_and_age() -> None:
    check = LockCheck(LockStatus.LOCKED, listed(125), "qwertyuiopa", 125.0)
    message = locked_message(check, "lock/client")
    assert "qwertyuiopa" in message
    assert "2 min ago" in message
    assert "lock/client" in message


def test_takeover_question_explains_stale_and_invalid_locks() -> None:
    stale = LockCheck(LockStatus.STALE, listed(7200), "qwertyuiopa", 7200.0)
    text = takeover_question(stale, "lock/client", 3600)
    assert "qwertyuiopa" in text
    assert "2 h" in text
    assert "1 h" in text  # the threshold
    invalid = LockCheck(LockStatus.INVALID, listed(5, 3000), None, 5.0)
    assert "3000 bytes" in takeover_question(invalid, "lock/client", 3600)
