"""The client lock against the local archive over HTTP (PROTOCOL.md §3, made atomic)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.integration.control_channel_kit import (
    Delivery,
    FaultSwitch,
    app_s3,
    new_delivery,
)
from tests.waiting import wait_until
from uploader_gui.core.events import Event, LockLost, WarningRaised
from uploader_gui.core.protocol.lock_status import LockCheck, LockStatus
from uploader_gui.core.questions import QuestionAsked
from uploader_gui.fast.control_lock import (
    ClientLock,
    LockHeldElsewhere,
    LockLostError,
    LockRefresher,
    LockTakeoverDeclined,
    takeover_asker,
)
from uploader_gui.sandbox.archive import LocalArchive


@pytest.fixture
def delivery(local_archive: LocalArchive, tmp_path: Path) -> Delivery:
    return new_delivery(local_archive, tmp_path)


def lock_for(delivery: Delivery, s3: Any | None = None, **kwargs: Any) -> ClientLock:
    return ClientLock(
        s3 or app_s3(delivery.archive),
        delivery.names.control_bucket,
        staleness_threshold_s=delivery.staleness_threshold_s,
        **kwargs,
    )


def lock_text(delivery: Delivery) -> str | None:
    data = delivery.object_bytes("lock/client")
    return None if data is None else data.decode()


def never_asked(check: LockCheck) -> bool:
    raise AssertionError(f"the person was asked about a {check.status} lock")


def in_two_hours() -> datetime:
    return datetime.now(UTC) + timedelta(hours=2)


def test_two_clients_that_both_saw_no_lock_cannot_both_win(delivery: Delivery) -> None:
    both_checked = threading.Barrier(2, timeout=30)

    def hold_until_both_checked(**kwargs: Any) -> None:
        both_checked.wait()

    clients = [app_s3(delivery.archive), app_s3(delivery.archive)]
    for s3 in clients:
        # Hold each client just before its write until both have seen UNLOCKED: the race
        # that upstream's check-then-put loses.
        s3.meta.events.register("before-send.s3.PutObject", hold_until_both_checked)
    locks = [lock_for(delivery, s3) for s3 in clients]
    outcomes: dict[str, object] = {}

    def race(lock: ClientLock) -> None:
        try:
            outcomes[lock.agent_id] = lock.acquire(never_asked)
        except LockHeldElsewhere as exc:
            outcomes[lock.agent_id] = exc

    threads = [threading.Thread(target=race, args=(lock,)) for lock in locks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    winners = [agent for agent, outcome in outcomes.items() if isinstance(outcome, LockCheck)]
    losers = [outcome for outcome in outcomes.values() if isinstance(outcome, LockHeldElsewhere)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert lock_text(delivery) == winners[0]
    assert winners[0] in str(losers[0])
    refused = [r for r in delivery.operations("PutObject", "lock/client") if r["status"] == 412]
    assert len(refused) == 1


def test_a_locked_delivery_names_the_holder_and_the_age(delivery: Delivery) -> None:
    holder = lock_for(delivery)
    holder.acquire(never_asked)
    with pytest.raises(LockHeldElsewhere) as refused:
        lock_for(delivery).acquire(never_asked)
    assert holder.agent_id in str(refused.value)
    assert " s ago" in str(refused.value)
    assert refused.value.check.status is LockStatus.LOCKED
    assert lock_text(delivery) == holder.agent_id


def test_stale_lock_is_kept_when_the_person_says_no(delivery: Delivery) -> None:
    holder = lock_for(delivery)
    holder.acquire(never_asked)
    asked: list[LockCheck] = []

    def say_no(check: LockCheck) -> bool:
        asked.append(check)
        return False

    with pytest.raises(LockTakeoverDeclined):
        lock_for(delivery, now=in_two_hours).acquire(say_no)
    assert [check.status for check in asked] == [LockStatus.STALE]
    assert asked[0].holder_agent_id == holder.agent_id
    assert lock_text(delivery) == holder.agent_id


def test_stale_lock_taken_over_after_yes_and_the_old_holder_learns_it(delivery: Delivery) -> None:
    old = lock_for(delivery)
    old.acquire(never_asked)
    events: list[Event] = []

    def window(event: Event) -> None:
        events.append(event)
        if isinstance(event, QuestionAsked):
            threading.Thread(target=event.reply.answer, args=("Take over",)).start()

    new = lock_for(delivery, now=in_two_hours)
    ask = takeover_asker(window, new.key, delivery.staleness_threshold_s, timeout_s=30)
    seen = new.acquire(ask)
    assert seen.status is LockStatus.STALE
    assert lock_text(delivery) == new.agent_id
    question = next(event for event in events if isinstance(event, QuestionAsked))
    assert old.agent_id in question.text
    with pytest.raises(LockLostError, match=new.agent_id):
        old.refresh()
    assert old.release() is False
    assert lock_text(delivery) == new.agent_id


def test_invalid_lock_is_replaced_only_after_asking(delivery: Delivery) -> None:
    delivery.admin_s3.put_object(
        Bucket=delivery.names.control_bucket, Key="lock/client", Body=b"x" * 3000
    )
    asked: list[LockCheck] = []

    def say_yes(check: LockCheck) -> bool:
        asked.append(check)
        return True

    lock = lock_for(delivery)
    lock.acquire(say_yes)
    assert [check.status for check in asked] == [LockStatus.INVALID]
    assert lock_text(delivery) == lock.agent_id


def test_release_deletes_only_a_lock_we_hold(delivery: Delivery) -> None:
    lock = lock_for(delivery)
    lock.acquire(never_asked)
    assert lock.release() is True
    assert lock_text(delivery) is None
    assert lock.release() is False
    other = lock_for(delivery)
    other.acquire(never_asked)
    assert lock.release() is False
    assert lock_text(delivery) == other.agent_id


def test_refresh_failures_are_retried_and_never_end_the_session(delivery: Delivery) -> None:
    s3 = app_s3(delivery.archive)
    lock = lock_for(delivery, s3)
    lock.acquire(never_asked)
    faults = FaultSwitch(s3, ["ListObjectsV2", "PutObject"])
    events: list[Event] = []
    lost: list[LockLostError] = []
    refresher = LockRefresher(
        lock, emit=events.append, on_lost=lost.append, interval_s=0.05, retry_delays_s=(0.05,)
    )
    faults.is_on = True
    refresher.start()
    try:
        wait_until(lambda: refresher.failure_count >= 2, "refresh failures")
        faults.is_on = False
        wait_until(lambda: refresher.refresh_count >= 1, "a refresh after the network came back")
    finally:
        refresher.stop()
    assert lost == []
    warnings = [event for event in events if isinstance(event, WarningRaised)]
    assert "Could not refresh the upload lock" in warnings[0].message
    assert warnings[-1].message == "The upload lock is being refreshed again"
    assert lock.check(ignore_staleness=True).status is LockStatus.HELD


def test_refresher_stops_the_session_when_the_lock_is_really_lost(delivery: Delivery) -> None:
    lock = lock_for(delivery)
    lock.acquire(never_asked)
    events: list[Event] = []
    lost: list[LockLostError] = []
    refresher = LockRefresher(lock, emit=events.append, on_lost=lost.append, interval_s=0.05)
    refresher.start()
    try:
        delivery.admin_s3.put_object(
            Bucket=delivery.names.control_bucket, Key="lock/client", Body=b"zzzzzzzzzzz"
        )
        wait_until(lambda: lost, "the lost-lock callback")
    finally:
        refresher.stop()
    assert "zzzzzzzzzzz" in str(lost[0])
    assert any(isinstance(event, LockLost) for event in events)
    assert not lock.is_held
    assert lock_text(delivery) == "zzzzzzzzzzz"  # someone else's lock is never deleted


def test_a_vanished_lock_is_written_again_on_refresh(delivery: Delivery) -> None:
    lock = lock_for(delivery)
    lock.acquire(never_asked)
    delivery.admin_s3.delete_object(Bucket=delivery.names.control_bucket, Key="lock/client")
    assert lock.refresh() is LockStatus.UNLOCKED
    assert lock_text(delivery) == lock.agent_id
