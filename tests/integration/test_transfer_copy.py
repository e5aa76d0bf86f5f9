"""S3 → S3 managed copy: CopyObject below the threshold, UploadPartCopy parts above it, with
the same states, retries and checksum checks as uploads."""

from __future__ import annotations

import zlib

from tests.integration.transfer_kit import (
    PART_BYTES,
    Delivery,
    InjectedFaults,
    MakeDelivery,
    crc32_b64,
    error_response,
    random_bytes,
)
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.transfer.transfer_context import S3Source

pytest_plugins = ("tests.integration.transfer_fixtures",)


def source_bucket(delivery: Delivery, contents: dict[str, bytes]) -> S3Source:
    """The objects in a bucket of their own, and the delivery's files pointing at them."""
    bucket = delivery.bucket.replace("-staging", "-sample")
    for path, data in contents.items():
        delivery.s3.put_object(Bucket=bucket, Key=path, Body=data)
    delivery.files[:] = [
        FileFingerprint(path, len(data), 0, zlib.crc32(data)) for path, data in contents.items()
    ]
    return S3Source(bucket)


def test_small_and_large_objects_are_copied_with_the_index_checksum(
    deliveries: MakeDelivery,
) -> None:
    contents = {
        "small.fits": random_bytes(3000),
        "big/large.fits": random_bytes(2 * PART_BYTES + 9),
    }
    delivery = deliveries(contents)
    source = source_bucket(delivery, contents)
    slow_part = InjectedFaults(
        "UploadPartCopy", 1, lambda n: error_response(503, "SlowDown", "Reduce your rate.")
    )
    engine = delivery.engine(source=source, factory=delivery.client_factory(slow_part.install))

    engine.start(delivery.files)

    assert engine.wait(60)
    for path, data in contents.items():
        assert delivery.object_bytes(path) == data
        assert delivery.head(path)["ChecksumCRC32"] == crc32_b64(data)
        assert delivery.tracker.state(path) is FileState.DONE
    assert delivery.requests("CopyObject", "small.fits") == 1
    assert delivery.requests("UploadPartCopy", "big/large.fits") == 3
    assert delivery.records.record("big/large.fits").attempts == 2  # the 503 was retried
    assert "retrying" in delivery.events.states_of("big/large.fits")


def test_a_source_object_that_is_not_the_indexed_one_fails_the_copy(
    deliveries: MakeDelivery,
) -> None:
    contents = {"small.fits": b"indexed bytes", "big.fits": random_bytes(PART_BYTES + 1)}
    delivery = deliveries(contents)
    source = source_bucket(delivery, contents)
    delivery.files[:] = [
        FileFingerprint(f.path, f.size_bytes, 0, (f.crc32 or 0) ^ 1) for f in delivery.files
    ]
    engine = delivery.engine(source=source)

    engine.start(delivery.files)

    assert engine.wait(60)
    small = delivery.records.record("small.fits")
    assert small.state is FileState.FAILED
    assert "the source object is not the one indexed" in small.last_error
    big = delivery.records.record("big.fits")
    assert big.state is FileState.FAILED
    assert "BadDigest" in big.last_error
    assert delivery.open_uploads("big.fits") == []
