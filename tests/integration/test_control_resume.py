"""The resume scan against the local archive (PROTOCOL.md §9, plus size and CRC32 checks)."""

from __future__ import annotations

import zlib
from base64 import b64encode
from pathlib import Path

import pytest

from tests.integration.control_channel_kit import Delivery, new_delivery
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.delivery.index_file import IndexEntry
from uploader_gui.core.protocol.resume_plan import NothingToDo
from uploader_gui.fast.resume_scan import scan_for_resume
from uploader_gui.sandbox.archive import LocalArchive


def crc32_b64(data: bytes) -> str:
    return b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


@pytest.fixture
def delivery(local_archive: LocalArchive, tmp_path: Path) -> Delivery:
    return new_delivery(local_archive, tmp_path)


def put_data(delivery: Delivery, key: str, body: bytes) -> None:
    delivery.admin_s3.put_object(
        Bucket=delivery.names.transfer_bucket,
        Key=key,
        Body=body,
        ChecksumAlgorithm="CRC32",
        ChecksumCRC32=crc32_b64(body),
    )


def local(path: str, body: bytes) -> FileFingerprint:
    return FileFingerprint(path, len(body), 0, zlib.crc32(body))


def test_fresh_delivery_uploads_everything(delivery: Delivery) -> None:
    scan = scan_for_resume(delivery.s3, delivery.names, [local("a.fits", b"a")])
    assert scan.never_validated == ("a.fits",)
    assert scan.will_transfer("a.fits")


def test_each_file_is_classified_with_its_reason(delivery: Delivery) -> None:
    for key, body in [("a.fits", b"aaaa"), ("b.fits", b"bbbb"), ("c.fits", b"cccc")]:
        put_data(delivery, key, body)
    put_data(delivery, "d.fits", b"dddd")
    delivery.append_validator_rows(
        ("init", "self", "ok", "validation pipeline started"),
        ("validation", "a.fits", "failure", "file not found"),  # an older session's verdict
        ("validation", "a.fits", "ok", None),
        ("validation", "b.fits", "ok", None),
        ("validation", "c.fits", "ok", None),
        ("validation", "d.fits", "failure", "incorrect crc32 checksum: expected X, got Y"),
        ("validation", "e.fits", "ok", None),  # validated, since deleted from the bucket
        ("validation", "NA", "ok", None),  # pandas would read this ref as NaN; we do not
    )
    entries = [
        local("a.fits", b"aaaa"),
        local("b.fits", b"bbbbb"),  # grew on disk since it was validated
        FileFingerprint("c.fits", 4, 0, zlib.crc32(b"CCCC")),  # same size, other content
        local("d.fits", b"dddd"),
        local("e.fits", b"eeee"),
        local("f.fits", b"ffff"),
    ]
    transfer_bucket = delivery.names.transfer_bucket
    heads_before = len(delivery.operations("HeadObject", bucket=transfer_bucket))
    scan = scan_for_resume(delivery.s3, delivery.names, entries)
    assert scan.valid == ("a.fits",)
    assert set(scan.changed) == {"b.fits", "c.fits"}
    assert "5" in scan.changed["b.fits"]
    assert crc32_b64(b"cccc") in scan.changed["c.fits"]
    assert scan.invalid == {"d.fits": "incorrect crc32 checksum: expected X, got Y"}
    assert scan.missing == ("e.fits",)
    assert scan.never_validated == ("f.fits",)
    assert [path for path in (e.path for e in entries) if not scan.will_transfer(path)] == [
        "a.fits"
    ]
    heads = len(delivery.operations("HeadObject", bucket=transfer_bucket)) - heads_before
    assert heads == 3  # a, b and c: the ones validated before and still in the bucket


def test_provider_index_rows_use_sizes_given_by_the_caller(delivery: Delivery) -> None:
    put_data(delivery, "a.fits", b"aaaa")
    delivery.append_validator_rows(("validation", "a.fits", "ok", None))
    entries = [IndexEntry("a.fits", None, 2)]
    changed = scan_for_resume(delivery.s3, delivery.names, entries, local_sizes={"a.fits": 9})
    assert "a.fits" in changed.changed
    with pytest.raises(NothingToDo):
        scan_for_resume(delivery.s3, delivery.names, entries, local_sizes={"a.fits": 4})


def test_nothing_to_do_when_every_file_is_valid_and_unchanged(delivery: Delivery) -> None:
    files = {"a.fits": b"aaaa", "dir/b.fits": b"bb"}
    for key, body in files.items():
        put_data(delivery, key, body)
    delivery.append_validator_rows(*[("validation", key, "ok", None) for key in files])
    entries = [local(key, body) for key, body in files.items()]
    with pytest.raises(NothingToDo) as nothing:
        scan_for_resume(delivery.s3, delivery.names, entries)
    assert nothing.value.scan.valid == ("a.fits", "dir/b.fits")
    assert "all 2 files are already valid" in str(nothing.value)
    assert delivery.object_bytes("lock/client") is None  # decided before any lock is taken
