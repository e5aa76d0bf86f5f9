"""The transfer engine's run, decided step by step on the synchronous executor: files sent with
their CRC32, one `ok` per file, how many files are in play for the concurrency, throttled
progress, and runs stopped by the environment or by a bug."""

from __future__ import annotations

import zlib

from tests.unit.transfer.engine_kit import BUCKET, PART_BYTES, MakeDelivery, data_of, unit_settings
from tests.unit.transfer.memory_s3 import crc32_b64
from tests.unit.transfer.memory_s3_faults import s3_error
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.events import (
    FileTransferProgressed,
    TransferAttemptEnded,
    TransferProgressed,
)


def test_every_file_is_sent_with_its_crc32_and_ends_done(deliveries: MakeDelivery) -> None:
    contents = {
        "a.fits": data_of(3000, 1),
        "unindexed.fits": data_of(5000, 2),
        "big.fits": data_of(2 * PART_BYTES + 1234, 3),
    }
    delivery = deliveries(contents, without_checksums=["unindexed.fits"])
    engine = delivery.engine()

    engine.start(delivery.files)

    assert engine.wait()
    assert engine.outcome is not None
    assert (engine.outcome.outcome, engine.outcome.files_done) == ("finished", 3)
    for path, data in contents.items():
        stored = delivery.s3.object(BUCKET, path)
        assert stored is not None
        assert (stored.data, stored.crc32, stored.checksum_type) == (
            data, crc32_b64(data), "FULL_OBJECT"
        )  # fmt: skip
        assert delivery.record(path).state is FileState.DONE
    # The file indexed without a checksum now has the one the archive accepted.
    assert delivery.record("unindexed.fits").file.crc32 == zlib.crc32(contents["unindexed.fits"])
    assert delivery.s3.sent("UploadPart", "big.fits") == 3
    assert delivery.parts_saved("big.fits") == []  # a finished upload leaves nothing to resume


def test_exactly_one_ok_per_file_even_when_an_answer_was_lost(deliveries: MakeDelivery) -> None:
    delivery = deliveries({"a.fits": data_of(2000, 4), "big.fits": data_of(PART_BYTES + 10, 5)})
    lost = s3_error(500, "InternalError", "We encountered an internal error.")
    delivery.s3.fail("PutObject", lost, key="a.fits", answer_lost=True)
    delivery.s3.fail("CompleteMultipartUpload", lost, key="big.fits", answer_lost=True)
    reported: list[TransferAttemptEnded] = []
    engine = delivery.engine(on_attempt_ended=reported.append)

    engine.start(delivery.files)

    assert engine.wait()
    for path in ("a.fits", "big.fits"):
        assert [(a.is_ok, a.will_retry) for a in reported if a.path == path] == [
            (False, True),
            (True, False),
        ]
        assert delivery.record(path).state is FileState.DONE
    # The retry found the upload completed (its answer had been lost): nothing sent again.
    assert delivery.s3.sent("CompleteMultipartUpload", "big.fits", status=None) == 1
    assert delivery.s3.sent("UploadPart", "big.fits") == 2
    assert delivery.events.of_type(TransferAttemptEnded) == []  # they went to on_attempt_ended


def test_concurrency_sets_the_workers_and_how_many_files_are_in_play(
    deliveries: MakeDelivery,
) -> None:
    delivery = deliveries({f"f{n}.fits": data_of(100, n) for n in range(10)})
    engine = delivery.engine(settings=unit_settings(concurrency=1))
    pending = FileState.PENDING

    engine.start(delivery.files)
    delivery.executor.look()

    assert delivery.tracker.count_by_state().get(pending) == 2  # two files in play per worker
    engine.set_concurrency(3)
    delivery.executor.look()

    assert delivery.tracker.count_by_state().get(pending) == 6
    assert engine.concurrency == 3
    assert engine.clients_created == delivery.s3.clients_made == 3  # one client per worker
    assert engine.wait()
    assert delivery.tracker.count_by_state() == {FileState.DONE: 10}
    engine.set_concurrency(1)
    assert (len(delivery.executor.workers), delivery.s3.clients_made) == (1, 3)


def test_progress_is_announced_at_most_once_per_interval(deliveries: MakeDelivery) -> None:
    delivery = deliveries({"big.fits": data_of(3 * PART_BYTES, 6)})
    engine = delivery.engine(settings=unit_settings(concurrency=1, progress_interval_s=0.25))
    executor = delivery.executor
    engine.start(delivery.files)

    executor.look()  # the first look announces where the run starts
    executor.run_job()  # begins the upload
    executor.run_job()  # part 1
    executor.look()
    executor.clock.advance(0.125)
    executor.run_job()  # part 2
    executor.look()
    announced_early = len(delivery.events.of_type(TransferProgressed))
    executor.clock.advance(0.125)  # the interval has passed
    executor.look()

    assert announced_early == 1
    assert len(delivery.events.of_type(TransferProgressed)) == 2
    assert delivery.events.of_type(FileTransferProgressed)[-1].bytes_done == 2 * PART_BYTES
    assert engine.wait()
    totals = delivery.events.of_type(TransferProgressed)
    assert len(totals) == 3  # and once more as the run ends
    assert totals[-1].bytes_processed == totals[-1].bytes_total == 3 * PART_BYTES


def test_a_fatal_error_stops_the_run_and_keeps_the_parts(deliveries: MakeDelivery) -> None:
    data = data_of(3 * PART_BYTES, 7)
    delivery = deliveries({"big.fits": data, "next.fits": data_of(100, 8)})
    denied = s3_error(403, "AccessDenied", "Access Denied")
    delivery.s3.fail("UploadPart", denied, key="big.fits", part_number=2)
    engine = delivery.engine(settings=unit_settings(concurrency=1))
    engine.start(delivery.files)

    assert engine.wait()

    assert engine.outcome is not None
    assert engine.outcome.outcome == "stopped"
    assert "Access Denied" in engine.outcome.message
    assert delivery.record("big.fits").state is FileState.PAUSED
    assert delivery.record("next.fits").state is FileState.PAUSED
    assert delivery.parts_saved("big.fits") == [1]
    assert len(delivery.s3.open_upload_ids("big.fits")) == 1  # not discarded
    # The next run (once the person can send again) continues at part 2.
    after = delivery.next_run()
    after.engine().start(after.files)
    assert after.executor.wait()
    assert after.stored("big.fits") == data
    assert [delivery.s3.sent("UploadPart", "big.fits", part_number=n) for n in (1, 2, 3)] == [
        1,
        1,
        1,
    ]


def test_a_bug_is_reported_and_stops_the_run_without_failing_files(
    deliveries: MakeDelivery,
) -> None:
    delivery = deliveries({"a.fits": data_of(100, 9), "b.fits": data_of(100, 10)})
    bug = RuntimeError("a bug in the request path")
    delivery.s3.fail("PutObject", bug, key="a.fits")
    reported: list[BaseException] = []
    engine = delivery.engine(report_bug=reported.append)

    engine.start(delivery.files)

    assert engine.wait()
    assert reported == [bug]
    assert engine.outcome is not None
    assert engine.outcome.outcome == "stopped"
    assert "internal error: RuntimeError: a bug in the request path" in engine.outcome.message
    assert {delivery.record(p).state for p in ("a.fits", "b.fits")} == {FileState.PAUSED}
    assert delivery.record("a.fits").last_error == ""  # not the file's fault


def test_close_stops_the_run_and_nothing_is_emitted_after(deliveries: MakeDelivery) -> None:
    delivery = deliveries({"big.fits": data_of(2 * PART_BYTES, 11)})
    engine = delivery.engine()
    engine.start(delivery.files)
    delivery.executor.look()
    delivery.executor.run_job()  # begins the upload
    delivery.executor.run_job()  # part 1

    engine.close()
    emitted = len(delivery.events)
    engine.pause()
    engine.resume()

    assert engine.outcome is not None
    assert (engine.outcome.outcome, engine.outcome.message) == (
        "stopped",
        "the transfer was closed",
    )
    assert delivery.record("big.fits").state is FileState.PAUSED
    assert delivery.parts_saved("big.fits") == [1]
    assert engine.join()
    assert len(delivery.events) == emitted
