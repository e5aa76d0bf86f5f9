"""A lock held by another delivery, as data and in plain words: who holds it, whether that
uploader ran on this computer, and how old its last write is (the issue: "say who holds it").

Agent ids are 11 random letters (PROTOCOL.md §3), so nothing in the id names a computer. What
this computer can know is whether one of its own deliveries was sent as that agent: the state
store keeps every session's id. An id it has never used is "another computer or user account":
the store is per account, so that is as far as the truth goes.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from uploader_gui.core.events import LockHolder
from uploader_gui.core.protocol.lock_status import LockHeldElsewhere, format_age, holder_phrase
from uploader_gui.core.protocol.naming import DeliveryNames

THIS_COMPUTER = "on this computer"
ANOTHER_COMPUTER = "on another computer or user account"


def lock_holder_of(
    busy: LockHeldElsewhere, names: DeliveryNames, *, is_this_computer: bool
) -> LockHolder:
    """The plain data of `busy` for the session's end (the window and `--json` read it)."""
    check = busy.check
    listed = check.listed
    return LockHolder(
        lock_key=busy.lock_key,
        agent_id=check.holder_agent_id or "",
        is_this_computer=is_this_computer,
        written_at=listed.last_modified.isoformat() if listed is not None else "",
        age_s=check.age_s if check.age_s is not None else 0.0,
        dataset=names.dataset,
        delivery_id=names.delivery_id,
        transfer_type=names.transfer_type,
    )


def written_at_text(holder: LockHolder, *, now: datetime, tz: tzinfo | None = None) -> str:
    """`10:51:02 (12 s ago)` in local time, with the date when it was not today."""
    if not holder.written_at:
        return ""
    written = datetime.fromisoformat(holder.written_at).astimezone(tz)
    local_now = now.astimezone(tz)
    shown = f"{written:%H:%M:%S}"
    if written.date() != local_now.date():
        shown = f"{written:%d %b %Y} {shown}"
    return f"{shown} ({format_age(holder.age_s)} ago)"


def holder_text(holder: LockHolder, *, now: datetime, tz: tzinfo | None = None) -> str:
    """`uploader agent qwertyuiopa on this computer, lock last refreshed at 10:51:02 (12 s
    ago)`."""
    where = THIS_COMPUTER if holder.is_this_computer else ANOTHER_COMPUTER
    text = f"{holder_phrase(holder.agent_id or None)} {where}"
    written = written_at_text(holder, now=now, tz=tz)
    return f"{text}, lock last refreshed at {written}" if written else text


def archive_busy_text(holder: LockHolder, *, now: datetime, tz: tzinfo | None = None) -> str:
    """Why a busy archive ended the session (the terminal prints it after `archive busy: `)."""
    return (
        f"another delivery holds the archive's lock ({holder.lock_key}) — "
        f"{holder_text(holder, now=now, tz=tz)}. Only one upload of a delivery may run at a "
        "time. Nothing was sent; try again once it is free."
    )
