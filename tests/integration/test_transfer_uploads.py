"""Uploads to the local archive over HTTP: one PUT, multipart with a FULL_OBJECT CRC32 equal to
the index, empty files, files without an index checksum, skips, rejections and one client per
worker."""

from __future__ import annotations

from typing import Any

from tests.integration.transfer_kit import (
    BOTH_PUT_PATHS,
    PART_BYTES,
    MakeDelivery,
    corrupt_part,
    crc32_b64,
    quick_settings,
    random_bytes,
)
from uploader_gui.core.checksums.crc32 import crc32_to_base64
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.errors import FatalError
from uploader_gui.core.events import TransferProgressed, WarningRaised

pytest_plugins = ("tests.integration.transfer_fixtures",)  # the `deliveries` fixture


@BOTH_PUT_PATHS
def test_small_large_and_empty_files_arrive_with_the_index_checksum(
    deliveries: MakeDelivery,
) -> None:
    contents = {
        "a.fits": random_bytes(1000),
        "dir/sub dir/big.fits": random_bytes(2 * PART_BYTES + 12345),
        "empty.fits": b"",
    }
    delivery = deliveries(contents)
    engine = delivery.engine()

    engine.start(delivery.files)

    assert engine.wait(60)
    assert engine.outcome is not None
    assert engine.outcome.outcome == "finished"
    for path, data in contents.items():
        head = delivery.head(path)
        assert delivery.object_bytes(path) == data
        assert head["ChecksumCRC32"] == crc32_b64(data)
        assert head["ChecksumType"] == "FULL_OBJECT"
        assert delivery.tracker.state(path) is FileState.DONE
    assert delivery.requests("UploadPart", "dir/sub dir/big.fits") == 3
    assert delivery.requests("PutObject", "a.fits") == 1
    assert [a.is_ok for a in delivery.events.attempts_of("a.fits")] == [True]


@BOTH_PUT_PATHS
def test_files_without_an_index_checksum_get_one_computed_while_sent(
    deliveries: MakeDelivery,
) -> None:
    contents = {"small.fits": random_bytes(4096), "large.fits": random_bytes(PART_BYTES + 77)}
    delivery = deliveries(contents, without_checksums=contents)

    engine = delivery.engine()
    engine.start(delivery.files)

    assert engine.wait(60)
    for path, data in contents.items():
        assert delivery.head(path)["ChecksumCRC32"] == crc32_b64(data)
        saved = delivery.records.record(path).file.crc32
        assert saved is not None
        assert crc32_to_base64(saved) == crc32_b64(data)


def test_a_corrupted_part_is_refused_and_the_file_fails_with_a_reason(
    deliveries: MakeDelivery,
) -> None:
    data = random_bytes(3 * PART_BYTES)
    delivery = deliveries({"big.fits": data})

    engine = delivery.engine(factory=delivery.client_factory(corrupt_part(2)))

    engine.start(delivery.files)

    assert engine.wait(60)
    assert delivery.tracker.state("big.fits") is FileState.FAILED
    reason = delivery.records.record("big.fits").last_error
    assert "BadDigest" in reason
    assert "do not match their CRC32" in reason
    assert delivery.requests("UploadPart", "big.fits", status=400) == 1
    assert delivery.open_uploads("big.fits") == []  # the partial upload was discarded
    assert engine.outcome is not None
    assert engine.outcome.files_failed == 1


@BOTH_PUT_PATHS
def test_delivered_files_are_skipped_but_counted_as_processed(
    deliveries: MakeDelivery,
) -> None:
    contents = {"done.fits": random_bytes(5000), "todo.fits": random_bytes(3000)}
    delivery = deliveries(contents)
    for state in (FileState.PENDING, FileState.TRANSFERRING, FileState.DONE):
        delivery.tracker.transition("done.fits", state)

    engine = delivery.engine()
    engine.start(delivery.files)

    assert engine.wait(60)
    final = delivery.events.of_type(TransferProgressed)[-1]
    assert (final.files_finished, final.files_total) == (2, 2)
    assert final.bytes_processed == final.bytes_total == 8000
    assert final.bytes_uploaded == 3000
    assert delivery.requests("PutObject", "done.fits") == 0
    assert delivery.tracker.state("todo.fits") is FileState.DONE


@BOTH_PUT_PATHS
def test_a_vanished_file_fails_and_the_others_go_on(
    deliveries: MakeDelivery,
) -> None:
    contents = {"gone.fits": b"soon deleted", "kept.fits": b"still here"}
    delivery = deliveries(contents)
    (delivery.root / "gone.fits").unlink()

    engine = delivery.engine()
    engine.start(delivery.files)

    assert engine.wait(60)
    assert delivery.tracker.state("gone.fits") is FileState.FAILED
    assert "no longer exists" in delivery.records.record("gone.fits").last_error
    assert delivery.tracker.state("kept.fits") is FileState.DONE


def test_a_path_that_cannot_be_a_key_fails_without_a_request(
    deliveries: MakeDelivery,
) -> None:
    delivery = deliveries({"ok.fits": b"x"})
    bad = FileFingerprint("../escape.fits", 1, 0, None)
    delivery.store.register_files(delivery.delivery_key, [FileFingerprint(bad.path, 1, 0)])
    delivery.tracker.track([(bad.path, FileState.READY)])

    engine = delivery.engine()
    engine.start([*delivery.files, bad])

    assert engine.wait(60)
    assert delivery.tracker.state(bad.path) is FileState.FAILED
    assert "cannot be an object key" in delivery.records.record(bad.path).last_error
    assert delivery.requests("PutObject", bad.path) == 0


@BOTH_PUT_PATHS
def test_each_worker_makes_one_client_however_many_requests_it_sends(
    deliveries: MakeDelivery,
) -> None:
    contents = {f"f{n}.fits": random_bytes(2000) for n in range(12)}
    contents["big.fits"] = random_bytes(3 * PART_BYTES)
    delivery = deliveries(contents)
    factory = delivery.client_factory()
    engine = delivery.engine(factory=factory, settings=quick_settings(concurrency=1))

    engine.start(delivery.files)
    engine.set_concurrency(3)

    assert engine.wait(60)
    assert engine.concurrency == 3
    assert factory.created_count == engine.clients_created == 3
    assert all(delivery.tracker.state(path) is FileState.DONE for path in contents)


@BOTH_PUT_PATHS
def test_the_request_carries_our_crc32_and_nothing_hashes_the_body_again(
    deliveries: MakeDelivery,
) -> None:
    data = random_bytes(300_000)
    bare = random_bytes(200_000)
    delivery = deliveries({"a.fits": data, "b.fits": bare}, without_checksums=["b.fits"])
    sent: dict[str, dict[str, str]] = {}

    def remember(request: Any, **_: Any) -> None:  # returns None: the request goes out
        sent[request.url.rsplit("/", 1)[-1]] = {
            k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()
        }

    def capture(client: Any) -> None:
        client.meta.events.register("before-send.s3.PutObject", remember)

    engine = delivery.engine(factory=delivery.client_factory(capture))
    engine.start(delivery.files)

    assert engine.wait(60)
    headers = sent["a.fits"]
    assert headers["x-amz-checksum-crc32"] == crc32_b64(data)  # the index's, not recomputed
    assert headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"  # no SHA-256 pass either
    assert "x-amz-trailer" not in headers
    assert sent["b.fits"]["x-amz-checksum-crc32"] == crc32_b64(bare)  # computed while read
    # A small body goes as bytes: no `Expect: 100-continue` round trip before it.
    assert [name for name in sent if "expect" in sent[name]] == []
    assert delivery.object_bytes("a.fits") == data
    assert delivery.object_bytes("b.fits") == bare
    assert delivery.events.of_type(TransferProgressed)[-1].bytes_uploaded == len(data) + len(bare)


def test_a_worker_that_cannot_make_its_client_stops_the_run(deliveries: MakeDelivery) -> None:
    delivery = deliveries({"a.fits": b"never sent"})

    def no_client() -> Any:
        raise FatalError("the archive's credentials were refused")

    engine = delivery.engine(factory=no_client)
    engine.start(delivery.files)

    assert engine.wait(60)
    assert engine.outcome is not None
    assert engine.outcome.outcome == "stopped"
    assert "credentials were refused" in engine.outcome.message
    assert delivery.tracker.state("a.fits") in (FileState.READY, FileState.PAUSED)  # not failed
    assert delivery.requests("PutObject", "a.fits") == 0


def test_a_file_still_being_hashed_is_left_out_and_the_person_told(
    deliveries: MakeDelivery,
) -> None:
    delivery = deliveries({"a.fits": b"hashing", "b.fits": b"ready"})
    delivery.tracker.transition("a.fits", FileState.HASHING)

    engine = delivery.engine()
    engine.start(delivery.files)

    assert engine.wait(60)
    assert delivery.tracker.state("a.fits") is FileState.HASHING
    assert delivery.tracker.state("b.fits") is FileState.DONE
    notes = [w.message for w in delivery.events.of_type(WarningRaised)]
    assert any("a.fits: still being hashed" in note for note in notes)
