"""The delivery receipt: JSON for people and tools, `file,state,message` CSV for archive staff."""

from __future__ import annotations

import csv
import io
import json

from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.engine.file_record import FileRecord
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.engine.receipt import (
    ReceiptDelivery,
    receipt_csv_text,
    receipt_file_stem,
    receipt_json_text,
)

DELIVERY = ReceiptDelivery(
    delivery_key=4,
    dataset="ds",
    delivery_id="0012",
    transfer_type="staging",
    profile_name="Archive",
    agent_id="abcdefghijk",
    source="/data",
    state="complete",
    outcome="finished with invalid or failed files",
    started_at="2026-01-01T10:00:00.000+00:00",
    ended_at="2026-01-01T10:05:07.123+00:00",
)


def file(
    path: str, state: FileState, *, crc32: int | None = 0xDDEAA107, **values: object
) -> FileRecord:
    defaults: dict[str, object] = {
        "bytes_done": 2,
        "verdict_message": "",
        "last_error": "",
        "attempts": 1,
        "uploaded_at": "2026-01-01T10:01:00.000+00:00",
        "validated_at": None,
    }
    defaults.update(values)
    fingerprint = FileFingerprint(path, 2, 1_700_000_000_000_000_000, crc32)
    return FileRecord(file=fingerprint, state=state, **defaults)  # type: ignore[arg-type]


FILES = [
    file("a.fits", FileState.VALID, validated_at="2026-01-01T10:02:00.000+00:00"),
    file("b.fits", FileState.INVALID, verdict_message="HDU 1/BUNIT:\n  bad unit\r"),
    file("c.fits", FileState.FAILED, crc32=None, last_error="gave up after 6 attempts"),
    file("d.fits", FileState.PAUSED),
]


def test_the_json_receipt_names_the_delivery_and_every_file() -> None:
    data = json.loads(receipt_json_text(DELIVERY, FILES, app_version="9.8.7"))
    assert data["written_by"] == {"app": "uploader-gui", "version": "9.8.7"}
    assert data["delivery"]["agent_id"] == "abcdefghijk"
    assert data["delivery"]["outcome"] == DELIVERY.outcome
    assert data["totals"] == {
        "files": 4,
        "bytes": 8,
        "by_state": {"failed": 1, "invalid": 1, "paused": 1, "valid": 1},
    }
    a, b, c, _ = data["files"]
    assert a["crc32"] == "3eqhBw=="
    assert a["validated_at"] == "2026-01-01T10:02:00.000+00:00"
    assert b["message"] == "HDU 1/BUNIT:\n  bad unit\r"
    assert (c["crc32"], c["message"]) == (None, "gave up after 6 attempts")


def test_the_csv_receipt_uses_fast_state_words_on_one_line_per_file() -> None:
    text = receipt_csv_text(FILES)
    assert "\r" not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["file", "state", "message"],
        ["a.fits", "valid", ""],
        ["b.fits", "invalid", "HDU 1/BUNIT:; bad unit"],
        ["c.fits", "failed", "gave up after 6 attempts"],
        ["d.fits", "ready", ""],
    ]


def test_receipt_names_are_safe_file_names() -> None:
    stem = receipt_file_stem(DELIVERY, DELIVERY.ended_at or "")
    assert stem == "ds-0012-staging-receipt-20260101T100507"
