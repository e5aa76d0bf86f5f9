"""The lock rules of PROTOCOL.md §3, as pure functions the control channel applies to S3 answers.

`check_lock` upstream evaluates, in order: listed or not (UNLOCKED), age against the staleness
threshold (STALE), listed size over 2048 bytes (INVALID), UTF-8 decode (INVALID), exact bytes
equal to our agent id (HELD) or not (LOCKED). The adapter in `fast/control_lock.py` does the
listing and the GET; this module decides, and words the messages a person reads.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from uploader_gui.core.errors import FatalError

MAX_LOCK_SIZE_BYTES = 2048
AGENT_ID_LENGTH = 11
_AGENT_ID_ALPHABET = string.ascii_lowercase


class LockStatus(Enum):
    UNLOCKED = "UNLOCKED"
    STALE = "STALE"
    LOCKED = "LOCKED"
    HELD = "HELD"
    INVALID = "INVALID"


def new_agent_id(choose: Callable[[str], str] = secrets.choice) -> str:
    """A fresh agent id: 11 random lowercase ASCII letters, as upstream writes (§3)."""
    return "".join(choose(_AGENT_ID_ALPHABET) for _ in range(AGENT_ID_LENGTH))


def is_agent_id(text: str) -> bool:
    return len(text) == AGENT_ID_LENGTH and all(ch in _AGENT_ID_ALPHABET for ch in text)


@dataclass(frozen=True, slots=True)
class ListedLock:
    """What the `lock/` listing says about one lock object."""

    key: str
    size_bytes: int
    last_modified: datetime
    etag: str


@dataclass(frozen=True, slots=True)
class LockCheck:
    """The outcome of one check: the status, and what we know about the holder."""

    status: LockStatus
    listed: ListedLock | None = None
    holder_agent_id: str | None = None
    age_s: float | None = None

    @property
    def etag(self) -> str | None:
        return self.listed.etag if self.listed else None


class LockHeldElsewhere(FatalError):
    """Another uploader holds a fresh lock; the message names its agent id and the lock's age.

    Raised by the control channel, read by the engine (which says who holds it and lets the
    window wait until it is free), hence here in the core rather than in `fast/`.
    """

    def __init__(self, message: str, check: LockCheck, lock_key: str = "lock/client") -> None:
        super().__init__(message)
        self.check = check
        self.lock_key = lock_key


def lock_age_s(listed: ListedLock, now: datetime) -> float:
    return (now - listed.last_modified).total_seconds()


def status_before_read(
    listed: ListedLock | None, staleness_threshold_s: float | None, now: datetime
) -> LockStatus | None:
    """Steps 1–3 of §3: the status decided without reading the body, or None to read it."""
    if listed is None:
        return LockStatus.UNLOCKED
    if staleness_threshold_s is not None and lock_age_s(listed, now) > staleness_threshold_s:
        return LockStatus.STALE
    if listed.size_bytes > MAX_LOCK_SIZE_BYTES:
        return LockStatus.INVALID
    return None


def decode_holder(body: bytes) -> str | None:
    """The lock's text, or None when it is not UTF-8 (step 4: INVALID)."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def status_from_body(body: bytes, own_agent_id: str) -> LockStatus:
    """Steps 4–5 of §3: exact, case-sensitive, unstripped comparison with our agent id."""
    holder = decode_holder(body)
    if holder is None:
        return LockStatus.INVALID
    return LockStatus.HELD if holder == own_agent_id else LockStatus.LOCKED


def format_age(age_s: float) -> str:
    """An age as a person says it: '45 s', '12 min', '3 h 5 min', '2 days 4 h'."""
    seconds = max(0, round(age_s))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} days {hours} h" if hours else f"{days} days"


def holder_phrase(holder: str | None) -> str:
    """`uploader agent qwertyuiopa`, or what else the lock holds, said safely."""
    if holder is None:
        return "an unreadable lock"
    if not is_agent_id(holder):
        shown = holder if len(holder) <= 40 else holder[:40] + "…"
        return f"a lock with unexpected content {shown!r}"
    return f"uploader agent {holder}"


def _age_phrase(check: LockCheck) -> str:
    if check.age_s is None:
        return ""
    return f", last refreshed {format_age(check.age_s)} ago"


def locked_message(check: LockCheck, lock_key: str) -> str:
    """Why we refuse to start: names the holder's agent id and the lock's age."""
    return (
        f"This delivery is being uploaded by {holder_phrase(check.holder_agent_id)} "
        f"({lock_key}{_age_phrase(check)}). Only one upload may run at a time, including a "
        "sample and a staging upload of the same delivery. Wait for it to finish; if it was "
        "interrupted, its lock becomes stale after the archive's threshold and can be taken over."
    )


def takeover_question(check: LockCheck, lock_key: str, staleness_threshold_s: float) -> str:
    """The text asking whether to replace a stale or invalid lock."""
    holder = holder_phrase(check.holder_agent_id)
    if check.status is LockStatus.STALE:
        reason = (
            f"The lock {lock_key} is held by {holder}{_age_phrase(check)}, longer "
            f"than the archive's limit of {format_age(staleness_threshold_s)}, so that upload "
            "has probably stopped."
        )
    else:
        size = f" ({check.listed.size_bytes} bytes)" if check.listed else ""
        reason = f"The lock {lock_key} holds {holder}{size}, which no uploader writes."
    return (
        f"{reason} Take the lock over and continue? Only do this if no other upload of this "
        "delivery is still running, on this or any other computer."
    )
