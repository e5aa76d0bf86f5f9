"""Pause, resume, cancel, and resuming an upload left by an earlier run, against the archive."""

from __future__ import annotations

import os
import threading
import zlib

from tests.integration.transfer_kit import (
    BOTH_PUT_PATHS,
    PART_BYTES,
    Delivery,
    MakeDelivery,
    NotifyingFiles,
    crc32_b64,
    quick_settings,
    random_bytes,
)
from tests.waiting import wait_until
from uploader_gui.core.checksums.crc32 import crc32_to_base64
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.events import FileStateChanged, WarningRaised
from uploader_gui.core.upload.part_plan import MIB
from uploader_gui.transfer.engine import TransferEngine

pytest_plugins = ("tests.integration.transfer_fixtures",)

PARTS = 8
SLOW = 20 * MIB  # bytes/s: slow enough that a pause lands mid-file


def run_until_parts_saved(
    delivery: Delivery, count: int, *, concurrency: int = 2
) -> TransferEngine:
    """An engine sending the delivery under a bandwidth limit, once `count` parts are saved."""
    saved: list[int] = []
    enough = threading.Event()

    def on_part(path: str, number: int) -> None:
        saved.append(number)
        if len(saved) >= count:
            enough.set()

    engine = delivery.engine(
        records=NotifyingFiles(delivery.records, on_part),
        settings=quick_settings(concurrency=concurrency, bandwidth_limit_bytes_per_s=SLOW),
    )
    engine.start(delivery.files)
    assert enough.wait(60), "no part was saved"
    return engine


def paused(path: str) -> object:
    return lambda e: isinstance(e, FileStateChanged) and e.path == path and e.new_state == "paused"


def test_pause_stops_within_one_part_per_worker_and_resume_finishes_the_object(
    deliveries: MakeDelivery,
) -> None:
    data = random_bytes(PARTS * PART_BYTES)
    delivery = deliveries({"big.fits": data})
    engine = run_until_parts_saved(delivery, 1, concurrency=2)

    sent_before = delivery.requests("UploadPart", "big.fits")
    engine.pause()
    delivery.events.wait_for(paused("big.fits"))

    assert delivery.requests("UploadPart", "big.fits") - sent_before <= 2  # one per worker
    record = delivery.records.multipart("big.fits")
    assert record is not None
    assert len(record.parts) < PARTS
    assert [u["UploadId"] for u in delivery.open_uploads("big.fits")] == [record.upload_id]
    assert not engine.is_finished  # pausing is not failing, nor ending

    engine.resume()

    assert engine.wait(60)
    assert delivery.object_bytes("big.fits") == data
    assert delivery.head("big.fits")["ChecksumCRC32"] == crc32_b64(data)
    assert delivery.requests("UploadPart", "big.fits") == PARTS  # no part was sent twice
    assert delivery.events.states_of("big.fits") == [
        "pending",
        "transferring",
        "paused",
        "pending",
        "transferring",
        "done",
    ]


def test_cancel_discards_the_multipart_upload_and_the_partial_work(
    deliveries: MakeDelivery,
) -> None:
    delivery = deliveries({"big.fits": random_bytes(PARTS * PART_BYTES), "small.fits": b"tiny"})
    engine = run_until_parts_saved(delivery, 1)

    engine.cancel()

    assert engine.wait(60)
    assert engine.outcome is not None
    assert engine.outcome.outcome == "cancelled"
    assert delivery.tracker.state("big.fits") is FileState.READY
    assert delivery.records.multipart("big.fits") is None
    assert delivery.open_uploads("big.fits") == []
    assert delivery.requests("AbortMultipartUpload", "big.fits", status=204) == 1


def test_a_new_run_resumes_at_the_first_missing_part(deliveries: MakeDelivery) -> None:
    data = random_bytes(PARTS * PART_BYTES)
    delivery = deliveries({"big.fits": data})
    first = run_until_parts_saved(delivery, 2)
    first.close()
    assert delivery.tracker.state("big.fits") is FileState.PAUSED
    saved = {p.part_number for p in delivery.records.multipart("big.fits").parts}  # type: ignore[union-attr]
    mark = len(delivery.archive.audit_records())

    second = delivery.engine()
    second.start(delivery.files)

    assert second.wait(60)
    assert delivery.requests("UploadPart", "big.fits", since=mark) == PARTS - len(saved)
    assert delivery.requests("ListParts", "big.fits", since=mark) == 1
    assert delivery.object_bytes("big.fits") == data


def test_a_part_the_archive_holds_but_the_store_missed_is_adopted(
    deliveries: MakeDelivery,
) -> None:
    data = random_bytes(PARTS * PART_BYTES)
    delivery = deliveries({"big.fits": data})
    first = run_until_parts_saved(delivery, 1, concurrency=1)
    first.close()
    record = delivery.records.multipart("big.fits")
    assert record is not None
    saved = {p.part_number for p in record.parts}
    unsaved = min(set(range(1, PARTS + 1)) - saved)
    # As if the process died between the archive's answer and saving the part.
    piece = data[(unsaved - 1) * PART_BYTES : unsaved * PART_BYTES]
    delivery.s3.upload_part(
        Bucket=delivery.bucket,
        Key="big.fits",
        UploadId=record.upload_id,
        PartNumber=unsaved,
        Body=piece,
        ChecksumCRC32=crc32_b64(piece),
    )
    mark = len(delivery.archive.audit_records())

    second = delivery.engine()
    second.start(delivery.files)

    assert second.wait(60)
    assert delivery.requests("UploadPart", "big.fits", since=mark) == PARTS - len(saved) - 1
    assert delivery.object_bytes("big.fits") == data


def test_an_upload_completed_whose_answer_was_lost_is_not_sent_again(
    deliveries: MakeDelivery,
) -> None:
    data = random_bytes(3 * PART_BYTES)
    delivery = deliveries({"big.fits": data})
    first = run_until_parts_saved(delivery, 1, concurrency=1)
    first.close()
    record = delivery.records.multipart("big.fits")
    assert record is not None
    # The test finishes the upload itself: as if our Complete succeeded but its answer was lost.
    parts = []
    for number in range(1, 4):
        piece = data[(number - 1) * PART_BYTES : number * PART_BYTES]
        etag = delivery.s3.upload_part(
            Bucket=delivery.bucket,
            Key="big.fits",
            UploadId=record.upload_id,
            PartNumber=number,
            Body=piece,
            ChecksumCRC32=crc32_b64(piece),
        )["ETag"]
        parts.append({"PartNumber": number, "ETag": etag, "ChecksumCRC32": crc32_b64(piece)})
    delivery.s3.complete_multipart_upload(
        Bucket=delivery.bucket,
        Key="big.fits",
        UploadId=record.upload_id,
        MultipartUpload={"Parts": parts},
        ChecksumCRC32=crc32_b64(data),
        ChecksumType="FULL_OBJECT",
    )
    mark = len(delivery.archive.audit_records())

    second = delivery.engine()
    second.start(delivery.files)

    assert second.wait(60)
    assert delivery.tracker.state("big.fits") is FileState.DONE
    assert delivery.requests("UploadPart", "big.fits", since=mark) == 0
    assert delivery.requests("CreateMultipartUpload", "big.fits", since=mark) == 0


def test_a_file_changed_between_runs_without_a_checksum_is_sent_again_and_says_why(
    deliveries: MakeDelivery,
) -> None:
    delivery = deliveries(
        {"big.fits": random_bytes(4 * PART_BYTES)}, without_checksums=["big.fits"]
    )
    first = run_until_parts_saved(delivery, 1)
    first.close()
    changed = random_bytes(3 * PART_BYTES + 10)
    (delivery.root / "big.fits").write_bytes(changed)

    second = delivery.engine()
    second.start(delivery.files)

    assert second.wait(60)
    assert delivery.object_bytes("big.fits") == changed
    assert delivery.head("big.fits")["ChecksumCRC32"] == crc32_b64(changed)
    assert delivery.open_uploads("big.fits") == []
    assert delivery.records.record("big.fits").file.size_bytes == len(changed)
    notes = [w.message for w in delivery.events.of_type(WarningRaised)]
    assert any("discarded: the file changed" in note for note in notes)


def test_a_file_changed_between_runs_with_an_index_checksum_fails_and_says_why(
    deliveries: MakeDelivery,
) -> None:
    delivery = deliveries({"big.fits": random_bytes(4 * PART_BYTES)})
    first = run_until_parts_saved(delivery, 1)
    first.close()
    (delivery.root / "big.fits").write_bytes(random_bytes(4 * PART_BYTES + 1))

    second = delivery.engine()
    second.start(delivery.files)

    assert second.wait(60)
    assert delivery.tracker.state("big.fits") is FileState.FAILED
    reason = delivery.records.record("big.fits").last_error
    assert "changed since it was indexed" in reason
    assert "Re-index" in reason
    assert delivery.open_uploads("big.fits") == []


def test_coarse_timestamps_make_kept_parts_be_re_hashed(deliveries: MakeDelivery) -> None:
    data = random_bytes(4 * PART_BYTES)
    delivery = deliveries({"big.fits": data}, without_checksums=["big.fits"])
    path = delivery.root / "big.fits"
    whole_second_ns = 1_700_000_000 * 1_000_000_000  # as FAT or some network shares store it
    os.utime(path, ns=(whole_second_ns, whole_second_ns))
    file = delivery.files[0]
    delivery.files[0] = type(file)(file.path, file.size_bytes, whole_second_ns, None)
    first = run_until_parts_saved(delivery, 1, concurrency=1)
    first.close()
    # Same size and the same (coarse) mtime, different bytes in the first part.
    changed = bytearray(data)
    changed[10] ^= 0xFF
    path.write_bytes(changed)
    os.utime(path, ns=(whole_second_ns, whole_second_ns))

    second = delivery.engine()
    second.start(delivery.files)

    assert second.wait(60)
    assert delivery.object_bytes("big.fits") == bytes(changed)
    assert delivery.head("big.fits")["ChecksumCRC32"] == crc32_to_base64(
        delivery.records.record("big.fits").file.crc32 or 0
    )
    notes = [w.message for w in delivery.events.of_type(WarningRaised)]
    assert any("part 1 on the archive differs" in note for note in notes)


def test_an_upload_begun_for_other_content_is_discarded_although_the_index_matches(
    deliveries: MakeDelivery,
) -> None:
    delivery = deliveries({"big.fits": random_bytes(4 * PART_BYTES)})
    first = run_until_parts_saved(delivery, 1)
    first.close()
    old_upload = delivery.records.multipart("big.fits")
    assert old_upload is not None
    # Same size, new bytes and mtime, re-indexed without passing through `ready` (which would
    # have forgotten the upload): only the upload's own fingerprint tells them apart.
    changed = random_bytes(4 * PART_BYTES)
    path = delivery.root / "big.fits"
    path.write_bytes(changed)
    new_mtime_ns = delivery.files[0].mtime_ns + 10**9
    os.utime(path, ns=(new_mtime_ns, new_mtime_ns))
    now = path.stat()
    delivery.records.record_fingerprint(
        "big.fits", size_bytes=now.st_size, mtime_ns=now.st_mtime_ns, crc32=zlib.crc32(changed)
    )
    delivery.files[0] = FileFingerprint(
        "big.fits", now.st_size, now.st_mtime_ns, zlib.crc32(changed)
    )

    second = delivery.engine()
    second.start(delivery.files)

    assert second.wait(60)
    assert delivery.tracker.state("big.fits") is FileState.DONE
    assert delivery.object_bytes("big.fits") == changed
    assert delivery.requests("AbortMultipartUpload", "big.fits", status=204) == 1
    notes = [w.message for w in delivery.events.of_type(WarningRaised)]
    assert any("changed since the upload began" in note for note in notes)


@BOTH_PUT_PATHS
def test_a_pause_among_small_files_lets_at_most_one_file_per_worker_finish(
    deliveries: MakeDelivery,
) -> None:
    contents = {f"f{n:02d}.fits": random_bytes(256 * 1024) for n in range(24)}
    delivery = deliveries(contents)
    engine = delivery.engine(
        settings=quick_settings(concurrency=2, bandwidth_limit_bytes_per_s=1 * MIB)
    )
    engine.start(delivery.files)
    delivery.events.wait_for(lambda e: isinstance(e, FileStateChanged) and e.new_state == "done")

    sent_before = sum(delivery.requests("PutObject", path) for path in contents)
    engine.pause()
    wait_until(
        lambda: not any(delivery.tracker.state(p) is FileState.TRANSFERRING for p in contents),
        "every file in flight to finish or stop",
    )

    sent_after_pause = sum(delivery.requests("PutObject", path) for path in contents)
    assert sent_after_pause - sent_before <= 2  # only the PUTs already on the wire: one a worker
    states = [delivery.tracker.state(path) for path in contents]
    assert FileState.PAUSED in states
    assert not engine.is_finished

    engine.set_bandwidth_limit(None)
    engine.resume()

    assert engine.wait(60)
    for path, data in contents.items():
        assert delivery.object_bytes(path) == data
        assert delivery.requests("PutObject", path) == 1  # a paused file is sent once, later
