"""Who holds the archive's lock, in the words the window and the terminal show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from uploader_gui.core.engine.archive_busy import archive_busy_text, holder_text, lock_holder_of
from uploader_gui.core.protocol.lock_status import (
    ListedLock,
    LockCheck,
    LockHeldElsewhere,
    LockStatus,
)
from uploader_gui.core.protocol.naming import DeliveryNames

WRITTEN = datetime(2026, 12, 3, 10, 51, 2, tzinfo=UTC)


def busy(agent_id: str = "qwertyuiopa", age_s: float = 12.0) -> LockHeldElsewhere:
    listed = ListedLock("lock/client", len(agent_id), WRITTEN, '"etag"')
    check = LockCheck(LockStatus.LOCKED, listed, agent_id, age_s)
    return LockHeldElsewhere("held", check, "lock/client")


def names() -> DeliveryNames:
    return DeliveryNames.build(
        stem="stem",
        az_id="use1-az4",
        config_bucket="stem-config",
        dataset="demo_set",
        delivery_id="0001",
        transfer_type="staging",
    )


def test_the_holder_is_named_with_where_it_runs_and_its_last_write() -> None:
    holder = lock_holder_of(busy(), names(), is_this_computer=False)
    now = WRITTEN + timedelta(seconds=12)
    text = holder_text(holder, now=now, tz=UTC)
    assert text == (
        "uploader agent qwertyuiopa on another computer or user account, "
        "lock last refreshed at 10:51:02 (12 s ago)"
    )
    assert holder.dataset == "demo_set"
    assert holder.written_at == WRITTEN.isoformat()


def test_an_agent_of_this_computer_is_said_to_be_here() -> None:
    holder = lock_holder_of(busy(), names(), is_this_computer=True)
    text = archive_busy_text(holder, now=WRITTEN, tz=UTC)
    assert text.startswith("another delivery holds the archive's lock (lock/client) — ")
    assert "qwertyuiopa on this computer" in text


def test_a_write_of_another_day_shows_its_date() -> None:
    holder = lock_holder_of(busy(age_s=90_000), names(), is_this_computer=False)
    text = holder_text(holder, now=WRITTEN + timedelta(days=1, hours=1), tz=UTC)
    assert "at 03 Dec 2026 10:51:02 (25 h ago)" in text
