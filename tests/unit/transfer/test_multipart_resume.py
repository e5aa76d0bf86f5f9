"""Pause and resume inside a multipart upload, one step at a time: completed parts are kept (on
the archive and in the store), and the upload continues at its next missing part, whether the
same engine resumes or a new one after a restart."""

from __future__ import annotations

from tests.unit.transfer.engine_kit import (
    PART_BYTES,
    Delivery,
    MakeDelivery,
    data_of,
    unit_settings,
)
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.events import FileTransferProgressed
from uploader_gui.transfer.engine import TransferEngine


def sent_parts(delivery: Delivery, path: str) -> list[int]:
    return [delivery.s3.sent("UploadPart", path, part_number=n) for n in (1, 2, 3)]


def start_one_part_in(delivery: Delivery) -> TransferEngine:
    """An engine with one worker that has sent part 1 of `big.fits` and nothing else."""
    engine = delivery.engine(settings=unit_settings(concurrency=1))
    engine.start(delivery.files)
    delivery.executor.look()
    delivery.executor.run_job()  # begins the upload: three part jobs queued
    delivery.executor.run_job()  # part 1
    return engine


def test_a_pause_keeps_the_sent_parts_and_resume_sends_only_the_rest(
    deliveries: MakeDelivery,
) -> None:
    data = data_of(3 * PART_BYTES, 1)
    delivery = deliveries({"big.fits": data})
    engine = start_one_part_in(delivery)

    engine.pause()
    delivery.executor.run_until_idle()

    assert delivery.record("big.fits").state is FileState.PAUSED
    assert delivery.parts_saved("big.fits") == [1]
    assert sent_parts(delivery, "big.fits") == [1, 0, 0]
    delivery.executor.clock.advance(1.0)
    delivery.executor.look()  # progress is due: the bar shows what is kept
    assert delivery.events.of_type(FileTransferProgressed)[-1].bytes_done == PART_BYTES
    assert not engine.is_finished  # a pause waits for resume

    engine.resume()

    assert engine.wait()
    assert delivery.stored("big.fits") == data
    assert sent_parts(delivery, "big.fits") == [1, 1, 1]
    assert delivery.s3.sent("CreateMultipartUpload", "big.fits") == 1  # the same upload
    assert delivery.s3.sent("ListParts", "big.fits") == 1  # what the archive holds was checked
    assert delivery.events.states_of("big.fits") == [
        "pending",
        "transferring",
        "paused",
        "pending",
        "transferring",
        "done",
    ]


def test_a_pause_that_cuts_the_request_in_flight_drops_only_that_part(
    deliveries: MakeDelivery,
) -> None:
    data = data_of(3 * PART_BYTES, 2)
    delivery = deliveries({"big.fits": data})
    engine = delivery.engine(settings=unit_settings(concurrency=1))
    delivery.s3.before(
        "UploadPart",
        lambda: engine.pause(abort_in_flight=True),
        key="big.fits",
        part_number=2,
    )
    engine.start(delivery.files)

    delivery.executor.run_until_idle()

    assert delivery.record("big.fits").state is FileState.PAUSED
    assert delivery.parts_saved("big.fits") == [1]
    assert sent_parts(delivery, "big.fits") == [1, 0, 0]  # part 2 was cut, not stored
    engine.resume()
    assert engine.wait()
    assert delivery.stored("big.fits") == data
    assert sent_parts(delivery, "big.fits") == [1, 1, 1]


def test_a_new_engine_after_a_restart_continues_at_the_next_part(
    deliveries: MakeDelivery,
) -> None:
    data = data_of(3 * PART_BYTES, 3)
    delivery = deliveries({"big.fits": data})
    engine = start_one_part_in(delivery)
    engine.close()
    assert delivery.record("big.fits").state is FileState.PAUSED

    after = delivery.next_run()
    after.engine().start(after.files)

    assert after.executor.wait()
    assert after.stored("big.fits") == data
    assert sent_parts(delivery, "big.fits") == [1, 1, 1]
    assert delivery.s3.sent("CreateMultipartUpload", "big.fits") == 1
