"""Label and index upload to the control bucket (PROTOCOL.md §5.2–§5.3, §12 step 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.control_channel_kit import Delivery, new_delivery
from uploader_gui.core.checksums.crc32 import crc32_from_base64
from uploader_gui.core.delivery.index_file import IndexEntry
from uploader_gui.core.delivery.label import parse_label_text
from uploader_gui.core.delivery.problems import ProblemsFound
from uploader_gui.fast.delivery_upload import upload_label_and_index
from uploader_gui.sandbox.archive import LocalArchive


@pytest.fixture
def delivery(local_archive: LocalArchive, tmp_path: Path) -> Delivery:
    return new_delivery(local_archive, tmp_path)


def test_label_and_index_land_under_their_protocol_keys(delivery: Delivery) -> None:
    entries = [
        IndexEntry("a.fits", crc32_from_base64("3eqhBw=="), 2),
        IndexEntry("dir/b.fits", crc32_from_base64("AAAAAA=="), 3),
    ]
    upload_label_and_index(
        delivery.s3, delivery.names, delivery.label, entries, {"a.fits": False, "dir/b.fits": True}
    )
    names = delivery.names
    assert names.label_key == f"ctl_set-{names.delivery_id}-label.yaml"
    label_text = (delivery.object_bytes(names.label_key) or b"").decode()
    assert label_text == delivery.label.canonical_text()
    assert parse_label_text(label_text, "uploaded").delivery_id == names.delivery_id
    assert delivery.object_bytes(names.index_key) == (
        b"path,checksum,will_transfer\na.fits,3eqhBw==,False\ndir/b.fits,AAAAAA==,True\n"
    )
    puts = [r["key"] for r in delivery.operations("PutObject", bucket=names.control_bucket)]
    assert puts.index(names.label_key) < puts.index(names.index_key)


def test_nothing_is_uploaded_when_the_server_would_refuse(delivery: Delivery) -> None:
    entries = [IndexEntry("", None, 2)]  # an empty path: the server has no key for it
    with pytest.raises(ProblemsFound, match="empty path"):
        upload_label_and_index(delivery.s3, delivery.names, delivery.label, entries, {"": True})
    assert delivery.object_bytes(delivery.names.label_key) is None
    assert delivery.object_bytes(delivery.names.index_key) is None
