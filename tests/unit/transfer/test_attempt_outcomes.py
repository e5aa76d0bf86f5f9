"""What follows an attempt, on the manual clock: a retry after the policy's delay (or the
server's Retry-After), each attempt counted; giving up after the limit; a permanent failure that
fails only its own file, with the reason, and discards its multipart upload; a cancel that
discards multipart uploads and sends files back to ready."""

from __future__ import annotations

from tests.unit.transfer.engine_kit import PART_BYTES, MakeDelivery, data_of, unit_settings
from tests.unit.transfer.memory_s3_faults import s3_error
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.transfer.attempt_outcomes import CANCELLED_REASON

INTERNAL = s3_error(500, "InternalError", "We encountered an internal error. Please try again.")


def test_a_retryable_failure_is_retried_after_the_policy_delay(deliveries: MakeDelivery) -> None:
    data = data_of(2000, 1)
    delivery = deliveries({"a.fits": data})
    delivery.s3.fail("PutObject", INTERNAL, key="a.fits", times=2)
    executor = delivery.executor
    engine = delivery.engine()

    engine.start(delivery.files)
    executor.run_until_idle()

    assert delivery.record("a.fits").state is FileState.RETRYING
    assert delivery.record("a.fits").attempts == 1
    [reason] = delivery.events.reasons_of("a.fits", FileState.RETRYING)
    assert reason.startswith("retrying in 1.0 s: uploading a.fits")  # 2 s · 2^0 · jitter 0.5
    assert "InternalError" in reason
    executor.clock.advance(0.999)
    executor.run_until_idle()
    assert delivery.s3.sent("PutObject", "a.fits", status=None) == 1  # not before its time
    executor.clock.advance(0.001)
    executor.run_until_idle()
    assert delivery.s3.sent("PutObject", "a.fits", status=None) == 2
    # The second failure in a row waits twice as long.
    assert delivery.events.reasons_of("a.fits", FileState.RETRYING)[1].startswith(
        "retrying in 2.0 s"
    )
    executor.clock.advance(2.0)
    executor.run_until_idle()

    assert engine.is_finished
    assert delivery.record("a.fits").state is FileState.DONE
    assert delivery.record("a.fits").attempts == 3
    assert delivery.stored("a.fits") == data
    assert [(a.is_ok, a.will_retry) for a in delivery.events.attempts_of("a.fits")] == [
        (False, True),
        (False, True),
        (True, False),
    ]


def test_slow_down_with_retry_after_waits_as_long_as_the_server_asked(
    deliveries: MakeDelivery,
) -> None:
    delivery = deliveries({"a.fits": data_of(2000, 2)})
    slow_down = s3_error(503, "SlowDown", "Please reduce your request rate.", retry_after="7")
    delivery.s3.fail("PutObject", slow_down, key="a.fits")
    executor = delivery.executor
    engine = delivery.engine()

    engine.start(delivery.files)
    executor.run_until_idle()
    executor.clock.advance(6.9)
    executor.run_until_idle()

    [reason] = delivery.events.reasons_of("a.fits", FileState.RETRYING)
    assert reason.startswith("retrying in 7.0 s")  # the server's floor, not the 1 s backoff
    assert "SlowDown" in reason
    assert delivery.record("a.fits").state is FileState.RETRYING
    executor.clock.advance(0.1)
    executor.run_until_idle()
    assert delivery.record("a.fits").state is FileState.DONE


def test_a_file_that_keeps_failing_fails_after_the_attempt_limit(deliveries: MakeDelivery) -> None:
    delivery = deliveries({"a.fits": data_of(2000, 3)})
    delivery.s3.fail("PutObject", INTERNAL, key="a.fits", times=100)
    executor = delivery.executor
    started_at = executor.clock()
    engine = delivery.engine()

    engine.start(delivery.files)

    assert engine.wait()
    record = delivery.record("a.fits")
    assert record.state is FileState.FAILED
    assert record.attempts == 4
    assert record.last_error.startswith("gave up after 4 failed attempts in a row")
    assert executor.clock() - started_at == 1.0 + 2.0 + 4.0  # the three backoffs, nothing more
    assert [a.will_retry for a in delivery.events.attempts_of("a.fits")] == [
        True,
        True,
        True,
        False,
    ]


def test_a_permanent_failure_fails_only_that_file_with_its_reason(
    deliveries: MakeDelivery,
) -> None:
    good = data_of(3000, 4)
    delivery = deliveries(
        {"good.fits": good, "bad.fits": data_of(3000, 5)}, wrong_checksums=["bad.fits"]
    )
    engine = delivery.engine()

    engine.start(delivery.files)

    assert engine.wait()
    assert engine.outcome is not None
    assert (engine.outcome.outcome, engine.outcome.files_done, engine.outcome.files_failed) == (
        "finished",
        1,
        1,
    )
    bad = delivery.record("bad.fits")
    assert bad.state is FileState.FAILED
    assert bad.attempts == 1  # not retried: sending it again cannot help
    assert "do not match their CRC32 checksum (BadDigest)" in bad.last_error
    assert delivery.stored("bad.fits") is None
    assert delivery.stored("good.fits") == good
    [attempt] = delivery.events.attempts_of("bad.fits")
    assert (attempt.is_ok, attempt.will_retry) == (False, False)
    assert attempt.message == bad.last_error


def test_a_permanent_failure_discards_the_files_multipart_upload(
    deliveries: MakeDelivery,
) -> None:
    delivery = deliveries({"big.fits": data_of(2 * PART_BYTES, 6)}, wrong_checksums=["big.fits"])
    engine = delivery.engine()

    engine.start(delivery.files)

    assert engine.wait()
    record = delivery.record("big.fits")
    assert record.state is FileState.FAILED
    assert "changed since it was indexed" in record.last_error
    assert "the index says" in record.last_error
    assert delivery.s3.sent("CompleteMultipartUpload", "big.fits", status=None) == 0
    assert delivery.s3.sent("AbortMultipartUpload", "big.fits") == 1
    assert delivery.s3.open_upload_ids("big.fits") == []


def test_cancel_discards_the_multipart_upload_and_files_go_back_to_ready(
    deliveries: MakeDelivery,
) -> None:
    delivery = deliveries({"big.fits": data_of(3 * PART_BYTES, 7), "next.fits": data_of(10, 8)})
    executor = delivery.executor
    engine = delivery.engine(settings=unit_settings(concurrency=1))
    engine.start(delivery.files)
    executor.look()
    executor.run_job()  # begins the upload of big.fits
    executor.run_job()  # part 1

    engine.cancel()

    assert engine.wait()
    assert engine.outcome is not None
    assert engine.outcome.outcome == "cancelled"
    assert delivery.s3.sent("AbortMultipartUpload", "big.fits") == 1
    assert delivery.s3.open_upload_ids("big.fits") == []
    assert delivery.records.multipart("big.fits") is None
    for path in ("big.fits", "next.fits"):
        assert delivery.record(path).state is FileState.READY
    assert delivery.events.reasons_of("big.fits", FileState.READY) == [CANCELLED_REASON]
    assert delivery.s3.sent("PutObject", "next.fits", status=None) == 0


def test_cancel_also_discards_an_upload_paused_in_an_earlier_run(
    deliveries: MakeDelivery,
) -> None:
    delivery = deliveries({"big.fits": data_of(2 * PART_BYTES, 9)})
    first = delivery.engine(settings=unit_settings(concurrency=1))
    first.start(delivery.files)
    delivery.executor.look()
    delivery.executor.run_job()
    delivery.executor.run_job()  # part 1
    first.close()
    after = delivery.next_run()
    engine = after.engine()

    engine.start(after.files)
    engine.cancel()  # before the file was even looked at

    assert after.executor.wait()
    assert delivery.s3.open_upload_ids("big.fits") == []
    assert delivery.record("big.fits").state is FileState.READY
    assert delivery.s3.sent("UploadPart", "big.fits") == 1  # nothing more was sent
