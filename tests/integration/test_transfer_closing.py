"""Stopping an engine: cutting the part being sent (a stop or a lost lock does not wait for a
slow PUT), and closing for good (no thread writes the store or emits afterwards, even one whose
request was still on the network)."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from tests.integration.transfer_kit import (
    PART_BYTES,
    Delivery,
    MakeDelivery,
    quick_settings,
    random_bytes,
)
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.upload.part_plan import MIB
from uploader_gui.store.state_store import StateStore
from uploader_gui.transfer.engine import TransferEngine

pytest_plugins = ("tests.integration.transfer_fixtures",)

SLOW = 1 * MIB  # bytes/s: a 5 MiB part is still being sent when the test acts


def parts_sent(delivery: Delivery, path: str) -> list[int]:
    """Part numbers the archive accepted for `path`, in order (from its audit log)."""
    return [
        int(record["partNumber"])
        for record in delivery.archive.audit_records()
        if record["operation"] == "UploadPart"
        and record["key"] == path
        and record["bucket"] == delivery.bucket
        and record["status"] == 200
    ]


class PartWatch:
    """Client hooks telling the test when a part request goes out and when its answer came."""

    def __init__(self) -> None:
        self.sent = threading.Event()
        self.answered = threading.Event()

    def install(self, client: Any) -> None:
        client.meta.events.register("before-send.s3.UploadPart", self._on_send)
        client.meta.events.register("after-call.s3.UploadPart", self._on_answer)

    def _on_send(self, **_: Any) -> None:
        self.sent.set()

    def _on_answer(self, **_: Any) -> None:
        self.answered.set()


def slow_engine(delivery: Delivery, watch: PartWatch) -> TransferEngine:
    return delivery.engine(
        factory=delivery.client_factory(watch.install),
        settings=quick_settings(concurrency=1, bandwidth_limit_bytes_per_s=SLOW),
    )


def test_stopping_now_cuts_the_part_being_sent_and_a_resume_sends_it_once(
    deliveries: MakeDelivery,
) -> None:
    data = random_bytes(2 * PART_BYTES)
    delivery = deliveries({"big.fits": data})
    watch = PartWatch()
    engine = slow_engine(delivery, watch)
    engine.start(delivery.files)
    assert watch.sent.wait(60)

    engine.close(None, abort_in_flight=True)  # no timeout: it must not need one

    assert engine.is_finished
    assert engine.outcome is not None
    assert engine.outcome.outcome == "stopped"
    assert delivery.tracker.state("big.fits") is FileState.PAUSED
    assert parts_sent(delivery, "big.fits") == []  # the part in flight was abandoned
    record = delivery.records.multipart("big.fits")
    assert record is not None
    assert record.parts == ()
    assert [u["UploadId"] for u in delivery.open_uploads("big.fits")] == [record.upload_id]

    second = delivery.engine()
    second.start(delivery.files)

    assert second.wait(60)
    assert sorted(parts_sent(delivery, "big.fits")) == [1, 2]  # each part once
    assert delivery.object_bytes("big.fits") == data


def test_a_pause_that_aborts_keeps_completed_parts_and_resume_finishes(
    deliveries: MakeDelivery,
) -> None:
    data = random_bytes(2 * PART_BYTES)
    delivery = deliveries({"big.fits": data, "small.fits": b"tiny"})
    watch = PartWatch()
    engine = slow_engine(delivery, watch)
    engine.start(delivery.files)
    assert watch.sent.wait(60)

    engine.pause(abort_in_flight=True)
    delivery.events.wait_for(
        lambda e: getattr(e, "path", "") == "big.fits" and getattr(e, "new_state", "") == "paused"
    )
    assert parts_sent(delivery, "big.fits") == []
    engine.set_bandwidth_limit(None)
    engine.resume()

    assert engine.wait(60)
    assert delivery.tracker.state("big.fits") is FileState.DONE
    assert sorted(parts_sent(delivery, "big.fits")) == [1, 2]
    assert delivery.object_bytes("big.fits") == data


def test_after_close_no_thread_writes_the_store_or_emits(
    deliveries: MakeDelivery, caplog: pytest.LogCaptureFixture
) -> None:
    delivery = deliveries({"big.fits": random_bytes(2 * PART_BYTES)})
    watch = PartWatch()
    engine = slow_engine(delivery, watch)
    engine.start(delivery.files)
    assert watch.sent.wait(60)
    caplog.set_level(logging.WARNING)

    engine.close(0)  # returns while the part is still being sent
    emitted_at_close = len(delivery.events.events)
    delivery.store.close()

    assert watch.answered.wait(60)  # the archive took the part after close...
    assert engine.join(60)
    assert parts_sent(delivery, "big.fits") == [1]
    assert len(delivery.events.events) == emitted_at_close  # ...and nobody told anyone
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    with StateStore(delivery.store.path) as store:
        record = store.delivery_files(delivery.delivery_key).multipart("big.fits")
    assert record is not None
    assert record.parts == ()  # abandoned, not recorded
