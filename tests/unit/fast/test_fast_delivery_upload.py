"""The server's index and label rules, applied to what is about to be uploaded (§5.2–§5.3)."""

from __future__ import annotations

import pytest

from uploader_gui.core.checksums.crc32 import crc32_from_base64
from uploader_gui.core.delivery.index_file import IndexEntry
from uploader_gui.core.delivery.label import parse_label_text
from uploader_gui.core.protocol.naming import DeliveryNames
from uploader_gui.fast.delivery_upload import control_index_text, index_problems, label_problems

LABEL = """\
dataset: ds_one
delivery_id: '0012'
time:
  delivery_start_date: 2025-01-15
filetypes:
  images:
    filename: '.*\\.fits$'
    standard: fits
delivery_meta:
  schema_version: 0.1.0
"""


def names(dataset: str = "ds_one", delivery_id: str = "0012") -> DeliveryNames:
    return DeliveryNames.build(
        stem="fast",
        az_id="use1-az4",
        config_bucket="fast-config",
        dataset=dataset,
        delivery_id=delivery_id,
        transfer_type="staging",
    )


def test_index_gets_will_transfer_after_the_provider_columns() -> None:
    entries = [
        IndexEntry("a.fits", crc32_from_base64("3eqhBw=="), 2),
        IndexEntry("b c.fits", crc32_from_base64("AAAAAA=="), 3),
    ]
    text = control_index_text(entries, {"a.fits": False, "b c.fits": True})
    assert text == "path,checksum,will_transfer\na.fits,3eqhBw==,False\nb c.fits,AAAAAA==,True\n"
    assert index_problems(text, names()) == []


def test_every_entry_needs_a_will_transfer_value() -> None:
    with pytest.raises(ValueError, match="no will_transfer value for 1 paths"):
        control_index_text([IndexEntry("a.fits", None, 2)], {})


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("checksum,path,will_transfer\nX,a.fits,True\n", "first column is not `path`"),
        ("path,checksum\na.fits,X\n", "no `will_transfer` column"),
        ("path,filetypes,will_transfer\na.fits,img,True\n", "accepts no columns"),
        ("path,checksum,will_transfer\na.fits,,True\n", "empty checksum"),
        ("path,will_transfer\na.fits,yes\n", "not True/False"),
        ("path,will_transfer\n", "lists no files"),
        ("path,will_transfer\r\na.fits,True\r\n", "carriage return"),
    ],
)
def test_index_the_server_would_reject_is_refused(text: str, problem: str) -> None:
    found = index_problems(text, names())
    assert any(problem in p.message for p in found), found
    assert all(p.file == "ds_one-0012-staging-index.csv (control bucket)" for p in found)


def test_a_label_for_another_delivery_is_refused() -> None:
    label = parse_label_text(LABEL, "label.yaml")
    assert label_problems(label, names()) == []
    found = label_problems(label, names(delivery_id="0013"))
    assert "ds_one-0012" in found[0].message
    assert "ds_one-0013" in found[0].message
