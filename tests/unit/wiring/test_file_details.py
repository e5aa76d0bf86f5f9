"""One file's details read back from a real state store, and the timeline a person reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.file_timeline import (
    NO_HISTORY_TEXT,
    FileDetails,
    TimelineEntry,
    details_text,
    timeline_lines,
)
from uploader_gui.store.state_store import StateStore
from uploader_gui.wiring.file_details import read_file_details

START_S = datetime(2026, 12, 3, 10, 42, 3, tzinfo=UTC).timestamp()
VERDICT = "status: invalid\nreason: the FITS header has no SIMPLE card\nfile: big.fits\n"


def _store(path: Path) -> tuple[StateStore, int]:
    store = StateStore(path, clock=lambda: START_S)
    key = store.create_delivery(
        profile_name="local",
        dataset="demo",
        delivery_id="1",
        transfer_type="upload",
        source_root="/data",
        label_path="/data/label.yaml",
        index_path="",
    )
    store.delivery_files(key).register_files([("big.fits", 3_000, 1, None), ("b.txt", 2, 1, None)])
    return store, key


def _write_a_hard_life(store: StateStore, key: int) -> None:
    """What the engine writes for a file hashed, sent twice (one failure, one network cut not
    counted), sent in parts, uploaded and judged invalid."""
    files = store.delivery_files(key)
    path = "big.fits"
    files.record_fingerprint(path, size_bytes=3_000, mtime_ns=1, crc32=0x1A2B3C4D)
    files.record_file_state(path, FileState.PENDING)
    files.record_file_state(path, FileState.TRANSFERRING)
    files.record_file_state(
        path, FileState.RETRYING, "retrying in 8 s: SlowDown: Please reduce your request rate."
    )
    files.record_file_state(path, FileState.PENDING)
    files.record_file_state(path, FileState.TRANSFERRING)
    files.refund_attempt(path, "waiting for the network: connection refused")
    files.record_file_state(path, FileState.PENDING)
    files.record_file_state(path, FileState.TRANSFERRING)
    files.begin_multipart(path, upload_id="u1", part_size_bytes=1_000)
    for number in (1, 2, 3):
        files.record_part(path, part_number=number, etag=f"e{number}", crc32=1, size_bytes=1_000)
    files.record_file_state(path, FileState.DONE)
    files.record_event(path, "verdict-source", "row 12")
    files.record_file_state(path, FileState.INVALID, VERDICT)


def test_the_timeline_reads_as_what_happened_in_local_time(tmp_path: Path) -> None:
    store, key = _store(tmp_path / "state.sqlite3")
    with store:
        _write_a_hard_life(store, key)
    details = read_file_details(tmp_path / "state.sqlite3", key, "big.fits")
    assert details is not None
    assert (details.state, details.attempts, details.crc32) == ("invalid", 2, 0x1A2B3C4D)
    assert details.message == VERDICT
    text = details_text(details, UTC)
    assert text.splitlines() == [
        "big.fits",
        "Size: 2.93 KiB (3,000 bytes)",
        "State: invalid",
        "Message: status: invalid",
        "  reason: the FITS header has no SIMPLE card",
        "  file: big.fits",
        "Attempts: 2",
        "CRC32: 1a2b3c4d",
        "",
        "Timeline",
        "2026-12-03 10:42:03  hashed: 2.93 KiB, CRC32 1a2b3c4d",
        "2026-12-03 10:42:03  queued",
        "2026-12-03 10:42:03  uploading (attempt 1)",
        "2026-12-03 10:42:03  retrying in 8 s: SlowDown: Please reduce your request rate.",
        "2026-12-03 10:42:03  queued",
        "2026-12-03 10:42:03  uploading (attempt 2)",
        "2026-12-03 10:42:03  not counted as an attempt: waiting for the network: "
        "connection refused",
        "2026-12-03 10:42:03  queued",
        "2026-12-03 10:42:03  uploading (attempt 2)",
        "2026-12-03 10:42:03  multipart: upload u1 started, parts of 1000 bytes",
        "2026-12-03 10:42:03  3 parts sent, 1–3 (2.93 KiB)",
        "2026-12-03 10:42:03  uploaded, CRC32 1a2b3c4d",
        "2026-12-03 10:42:03  verdict-source: row 12",  # a kind it does not know: as it is
        "2026-12-03 10:42:03  invalid: status: invalid",
        "  reason: the FITS header has no SIMPLE card",
        "  file: big.fits",
    ]


def test_a_file_or_store_not_there_yet_has_no_details(tmp_path: Path) -> None:
    assert read_file_details(tmp_path / "none.sqlite3", 1, "big.fits") is None
    assert not (tmp_path / "none.sqlite3").exists()  # read-only: nothing created
    store, key = _store(tmp_path / "state.sqlite3")
    store.close()
    assert read_file_details(tmp_path / "state.sqlite3", key, "not-registered.txt") is None
    registered = read_file_details(tmp_path / "state.sqlite3", key, "b.txt")
    assert registered is not None
    assert (registered.state, registered.attempts, registered.timeline) == ("ready", 0, ())


def test_before_any_delivery_the_table_facts_and_no_history() -> None:
    text = details_text(FileDetails("a/b.fits", 2_048, "ready"))
    assert text.splitlines() == [
        "a/b.fits",
        "Size: 2.00 KiB (2,048 bytes)",
        "State: ready",
        "",
        NO_HISTORY_TEXT,
    ]


def test_a_valid_verdict_and_a_failure_read_plainly() -> None:
    entries = [
        TimelineEntry("2026-12-03T10:42:03.000+00:00", "state", "valid: ok"),
        TimelineEntry("2026-12-03T10:42:04.000+00:00", "state", "failed: gave up after 5"),
        TimelineEntry("2026-12-03T10:42:05.000+00:00", "state", "ready: cancelled"),
        TimelineEntry("not a time", "note", "the file changed on disk"),
    ]
    assert timeline_lines(entries, UTC) == [
        "2026-12-03 10:42:03  valid",
        "2026-12-03 10:42:04  failed: gave up after 5",
        "2026-12-03 10:42:05  back to ready: cancelled",
        "not a time  the file changed on disk",
    ]
    paris_in_summer = timezone(timedelta(hours=2))
    assert timeline_lines(entries[:1], paris_in_summer) == ["2026-12-03 12:42:03  valid"]
