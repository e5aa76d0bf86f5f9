"""The validator's reading of the control-bucket index: upstream's `parse_index_file` rules."""

from __future__ import annotations

import pytest

from uploader_gui.core.delivery.label import Label, parse_label_text
from uploader_gui.sandbox.validation_index import (
    NAN_CHECKSUM,
    IndexRejectedError,
    parse_index_text,
)

LABEL_TEXT = """\
dataset: unit_set
delivery_id: '0001'
time:
  delivery_start_date: 2025-01-15
filetypes:
  images:
    filename: '.*\\.fits$'
    standard: fits
  readme:
    filename: 'README'
delivery_meta:
  schema_version: 0.1.0
"""


@pytest.fixture
def label() -> Label:
    return parse_label_text(LABEL_TEXT, "unit-label.yaml")


def test_rows_get_checksum_will_transfer_and_filetype(label: Label) -> None:
    index = parse_index_text(
        "path,checksum,will_transfer\nimg/a.fits,3eqhBw==,True\nREADME,AAAAAA==,False\n", label
    )
    assert index.rows["img/a.fits"].filetype == "images"
    assert index.rows["img/a.fits"].checksum == "3eqhBw=="
    assert index.rows["README"].will_transfer is False
    assert index.n_expected_files == 1


def test_index_without_checksum_column_has_no_checksums(label: Label) -> None:
    index = parse_index_text("path,will_transfer\na.fits,true\nREADME,TRUE\n", label)
    assert index.rows["a.fits"].checksum is None
    assert index.n_expected_files == 2


def test_empty_checksum_cell_is_nan_poison(label: Label) -> None:
    index = parse_index_text("path,checksum,will_transfer\na.fits,,True\nREADME,x,True\n", label)
    assert index.rows["a.fits"].checksum == NAN_CHECKSUM


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("checksum,path,will_transfer\nx,a.fits,True\n", "first column must be 'path'"),
        ("path,checksum\na.fits,x\n", "no 'will_transfer' column"),
        (
            "path,checksum,will_transfer,filetypes\na.fits,x,True,images\n",
            "index has 4 columns",
        ),
        ("path,size,will_transfer\na.fits,1,True\n", "needs a 'checksum' column"),
        ("path,will_transfer\na.fits,yes\nREADME,True\n", "'yes' is not a boolean"),
        ("path,will_transfer\nNA,True\n", "read as a missing value"),
        ("path,will_transfer\na.fits,True\na.fits,True\nREADME,True\n", "more than once"),
        ("path,will_transfer\na.fits,True,extra\n", "expected 2 fields, saw 3"),
        ("", "index is empty"),
    ],
)
def test_index_rejections(label: Label, text: str, expected: str) -> None:
    with pytest.raises(IndexRejectedError, match=expected):
        parse_index_text(text, label)


def test_filetype_with_no_file_rejects_the_index_in_upstream_words(label: Label) -> None:
    with pytest.raises(IndexRejectedError, match="No examples of filetype readme in index"):
        parse_index_text("path,will_transfer\na.fits,True\n", label)


def test_unassigned_file_rejects_the_index(label: Label) -> None:
    with pytest.raises(IndexRejectedError, match="Unable to assign types to 1/3 files"):
        parse_index_text("path,will_transfer\na.fits,True\nREADME,True\nnotes.txt,True\n", label)
