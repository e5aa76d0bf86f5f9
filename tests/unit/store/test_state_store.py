"""The state store on a real SQLite file: deliveries, file registration, saved states, multipart
parts and the per-file journal."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from uploader_gui.app_dirs import app_dirs
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.engine.file_states import FileState, FileTracker
from uploader_gui.core.errors import UserInputError
from uploader_gui.core.events import Event, FileStateChanged
from uploader_gui.store.database import BUSY_TIMEOUT_S, Database
from uploader_gui.store.delivery_files import DeliveryFiles
from uploader_gui.store.state_store import StateStore

S = FileState
FIXED_TIME_S = 1_700_000_000.0
FIXED_TIME_TEXT = "2023-11-14T22:13:20.000+00:00"


def new_delivery(store: StateStore, *, source_root: str = "/nonexistent/source") -> int:
    return store.create_delivery(
        profile_name="archive",
        dataset="gbt",
        delivery_id="d1",
        transfer_type="local",
        source_root=source_root,
        label_path="/labels/gbt.yaml",
        index_path="/labels/index.csv",
    )


def file_rows(count: int, *, prefix: str = "raw/f") -> Iterator[FileFingerprint]:
    for number in range(count):
        yield FileFingerprint(f"{prefix}{number:06d}.fits", 100 + number, 10**18 + number, number)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store" / "state.sqlite3"


@pytest.fixture
def store(store_path: Path) -> Iterator[StateStore]:
    with StateStore(store_path, clock=lambda: FIXED_TIME_S) as opened:
        yield opened


@pytest.fixture
def files(store: StateStore) -> DeliveryFiles:
    key = new_delivery(store)
    store.register_files(key, file_rows(3))
    return store.delivery_files(key)


A, B, C = "raw/f000000.fits", "raw/f000001.fits", "raw/f000002.fits"


# --- the file and its settings ---------------------------------------------------------------


def test_default_store_lives_in_the_apps_data_dir(app_home: Path) -> None:
    with StateStore() as store:
        assert store.path == app_dirs().state_db_path
        assert store.path.is_relative_to(app_home)
        assert store.path.exists()


def test_store_is_in_wal_mode_and_waits_for_a_busy_writer(store_path: Path) -> None:
    database = Database(store_path)
    with database.reading() as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert connection.execute("PRAGMA busy_timeout").fetchone() == (BUSY_TIMEOUT_S * 1000,)
        assert connection.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL
        assert connection.execute("PRAGMA foreign_keys").fetchone() == (1,)
    database.close()


def test_a_second_store_on_the_same_file_sees_committed_work(
    store: StateStore, store_path: Path
) -> None:
    key = new_delivery(store)
    store.register_files(key, file_rows(5))
    with StateStore(store_path) as reader:
        assert reader.delivery_files(key).count_by_state() == {S.READY: 5}


# --- deliveries --------------------------------------------------------------------------------


def test_new_delivery_is_saved_with_its_labels_and_creation_time(store: StateStore) -> None:
    record = store.delivery(new_delivery(store))
    assert (record.dataset, record.delivery_id, record.transfer_type) == ("gbt", "d1", "local")
    assert (record.label_path, record.index_path) == ("/labels/gbt.yaml", "/labels/index.csv")
    assert record.state == "created"
    assert record.created_at == FIXED_TIME_TEXT
    assert record.started_at is None
    assert record.ended_at is None


def test_delivery_start_state_and_end_are_saved(store: StateStore) -> None:
    key = new_delivery(store)
    store.mark_delivery_started(key, agent_id="agent-7")
    store.set_delivery_state(key, "running")
    store.mark_delivery_ended(key, outcome="complete")
    record = store.delivery(key)
    assert (record.agent_id, record.state, record.outcome) == ("agent-7", "running", "complete")
    assert record.started_at == record.ended_at == FIXED_TIME_TEXT


def test_the_store_knows_which_agent_ids_this_computer_delivered_as(store: StateStore) -> None:
    # How the window tells a lock held by an uploader here from one held elsewhere.
    key = new_delivery(store)
    store.mark_delivery_started(key, agent_id="qwertyuiopa")
    assert store.has_used_agent_id("qwertyuiopa")
    assert not store.has_used_agent_id("otheragentx")
    assert not store.has_used_agent_id("")  # a delivery not started yet has no id


def test_unknown_delivery_is_refused_everywhere(store: StateStore) -> None:
    with pytest.raises(KeyError, match="no delivery 42"):
        store.delivery(42)
    with pytest.raises(KeyError, match="no delivery 42"):
        store.set_delivery_state(42, "running")
    with pytest.raises(KeyError, match="no delivery 42"):
        store.delivery_files(42)
    with pytest.raises(KeyError, match="no delivery 42"):
        store.register_files(42, file_rows(2))


def test_latest_delivery_finds_the_newest_attempt_to_resume(store: StateStore) -> None:
    first, second = new_delivery(store), new_delivery(store)
    found = store.latest_delivery(
        profile_name="archive", dataset="gbt", delivery_id="d1", transfer_type="local"
    )
    assert found is not None
    assert found.key == second != first
    assert [record.key for record in store.deliveries()] == [second, first]
    assert (
        store.latest_delivery(
            profile_name="archive", dataset="gbt", delivery_id="d2", transfer_type="local"
        )
        is None
    )


def test_delivering_the_folder_that_holds_the_store_is_refused(
    store: StateStore, store_path: Path
) -> None:
    with pytest.raises(UserInputError, match="inside the folder being delivered"):
        new_delivery(store, source_root=str(store_path.parent.parent))
    assert store.deliveries() == []


def test_s3_sources_are_never_confused_with_the_store_folder(store: StateStore) -> None:
    key = new_delivery(store, source_root="s3://source-bucket/prefix")
    assert store.delivery(key).source_root == "s3://source-bucket/prefix"


# --- registration --------------------------------------------------------------------------


def test_registration_saves_every_file_in_order(store: StateStore) -> None:
    key = new_delivery(store)
    assert store.register_files(key, file_rows(45_000)) == 45_000  # more than one read chunk
    states = list(store.delivery_files(key).states())
    assert len(states) == 45_000
    assert states[0] == (A, S.READY)
    assert states[-1] == ("raw/f044999.fits", S.READY)
    assert [path for path, _ in states] == sorted(path for path, _ in states)


def test_registration_can_start_files_as_hashing(store: StateStore) -> None:
    key = new_delivery(store)
    rows = [FileFingerprint("a.fits", 10, 1), FileFingerprint("b.fits", 20, 2)]
    store.register_files(key, rows, initial_state=S.HASHING)
    files = store.delivery_files(key)
    assert files.count_by_state() == {S.HASHING: 2}
    assert files.record("a.fits").file.crc32 is None


def test_a_path_listed_twice_registers_nothing(store: StateStore) -> None:
    key = new_delivery(store)
    rows = [*file_rows(3), FileFingerprint(B, 1, 1, 1)]
    with pytest.raises(UserInputError, match="same path more than once"):
        store.register_files(key, rows)
    assert store.delivery_files(key).count_by_state() == {}


def test_a_list_that_breaks_half_way_registers_nothing(store: StateStore) -> None:
    key = new_delivery(store)

    def broken_listing() -> Iterator[FileFingerprint]:
        yield from file_rows(100)
        raise OSError("the disk with the data went away")

    with pytest.raises(OSError, match="went away"):
        store.register_files(key, broken_listing())
    assert store.delivery_files(key).count_by_state() == {}


def test_registration_is_per_delivery(store: StateStore) -> None:
    first, second = new_delivery(store), new_delivery(store)
    store.register_files(first, file_rows(2))
    store.register_files(second, file_rows(2))  # same paths, other delivery: allowed
    assert store.delivery_files(first).count_by_state() == {S.READY: 2}


# --- saved states and the journal ----------------------------------------------------------


def test_a_file_record_has_what_was_registered(files: DeliveryFiles) -> None:
    record = files.record(B)
    assert (record.file.size_bytes, record.file.mtime_ns, record.file.crc32) == (101, 10**18 + 1, 1)
    assert (record.state, record.attempts, record.bytes_done) == (S.READY, 0, 0)
    with pytest.raises(KeyError, match="not a file of delivery"):
        files.record("raw/missing.fits")


def test_each_upload_attempt_is_counted_and_the_last_error_kept(files: DeliveryFiles) -> None:
    for state, reason in [
        (S.PENDING, ""),
        (S.TRANSFERRING, ""),
        (S.RETRYING, "connection reset; retry in 2 s"),
        (S.PENDING, ""),
        (S.TRANSFERRING, ""),
        (S.FAILED, "AccessDenied"),
    ]:
        files.record_file_state(A, state, reason)
    record = files.record(A)
    assert (record.state, record.attempts, record.last_error) == (S.FAILED, 2, "AccessDenied")


def test_upload_and_verdict_times_and_message_are_saved(files: DeliveryFiles) -> None:
    files.record_file_state(A, S.DONE)
    files.record_file_state(A, S.INVALID, "incorrect crc32 checksum: expected X, got Y")
    record = files.record(A)
    assert record.uploaded_at == record.validated_at == FIXED_TIME_TEXT
    assert record.bytes_done == record.file.size_bytes
    assert record.verdict_message == "incorrect crc32 checksum: expected X, got Y"


def test_the_timeline_tells_the_files_story_in_order(files: DeliveryFiles) -> None:
    files.record_file_state(A, S.PENDING)
    files.record_event(A, "retry", "retry in 8 s")
    files.record_file_state(A, S.TRANSFERRING, "attempt 1")
    timeline = files.timeline(A)
    assert [(entry.kind, entry.detail) for entry in timeline] == [
        ("state", "pending"),
        ("retry", "retry in 8 s"),
        ("state", "transferring: attempt 1"),
    ]
    assert timeline[0].at == FIXED_TIME_TEXT
    assert files.timeline(B) == []


def test_saving_the_state_of_an_unregistered_path_writes_nothing(files: DeliveryFiles) -> None:
    with pytest.raises(KeyError, match="not a file of delivery"):
        files.record_file_state("raw/ghost.fits", S.PENDING)
    with pytest.raises(KeyError):
        files.record_event("raw/ghost.fits", "note")
    assert files.count_by_state() == {S.READY: 3}


def test_a_rehashed_file_gets_its_new_fingerprint(files: DeliveryFiles) -> None:
    files.record_fingerprint(C, size_bytes=5000, mtime_ns=7, crc32=0xDEADBEEF)
    record = files.record(C)
    assert (record.file.size_bytes, record.file.mtime_ns, record.file.crc32) == (
        5000,
        7,
        0xDEADBEEF,
    )
    assert files.timeline(C)[-1].detail == "5000 bytes, crc32 deadbeef"


def test_states_survive_closing_and_reopening(store: StateStore, store_path: Path) -> None:
    key = new_delivery(store)
    store.register_files(key, file_rows(2))
    store.delivery_files(key).record_file_state(A, S.PENDING)
    store.close()
    with StateStore(store_path) as reopened:
        assert dict(reopened.delivery_files(key).states()) == {A: S.PENDING, B: S.READY}


# --- multipart uploads ---------------------------------------------------------------------


def start_multipart(files: DeliveryFiles, path: str = A, upload_id: str = "up-1") -> None:
    files.record_file_state(path, S.PENDING)
    files.record_file_state(path, S.TRANSFERRING)
    files.begin_multipart(path, upload_id=upload_id, part_size_bytes=50)


def test_completed_parts_are_kept_for_resume(files: DeliveryFiles) -> None:
    start_multipart(files)
    files.record_part(A, part_number=2, etag='"e2"', crc32=22, size_bytes=50)
    files.record_part(A, part_number=1, etag='"e1"', crc32=11, size_bytes=50)
    upload = files.multipart(A)
    assert upload is not None
    assert (upload.upload_id, upload.part_size_bytes) == ("up-1", 50)
    assert [(p.part_number, p.etag, p.crc32) for p in upload.parts] == [
        (1, '"e1"', 11),
        (2, '"e2"', 22),
    ]
    assert files.record(A).bytes_done == upload.bytes_done == 100
    assert files.multipart(B) is None


def test_a_part_sent_again_replaces_the_earlier_one(files: DeliveryFiles) -> None:
    start_multipart(files)
    files.record_part(A, part_number=1, etag='"old"', crc32=1, size_bytes=50)
    files.record_part(A, part_number=1, etag='"new"', crc32=2, size_bytes=40)
    upload = files.multipart(A)
    assert upload is not None
    assert [(p.etag, p.size_bytes) for p in upload.parts] == [('"new"', 40)]
    assert files.record(A).bytes_done == 40


def test_a_new_upload_replaces_the_old_one_and_its_parts(files: DeliveryFiles) -> None:
    start_multipart(files)
    files.record_part(A, part_number=1, etag='"e1"', crc32=1, size_bytes=50)
    files.begin_multipart(A, upload_id="up-2", part_size_bytes=60)
    upload = files.multipart(A)
    assert upload is not None
    assert (upload.upload_id, upload.parts) == ("up-2", ())
    assert files.record(A).bytes_done == 0


@pytest.mark.parametrize("last_state", [S.PAUSED, S.FAILED, S.RETRYING])
def test_pause_and_failure_keep_the_parts(files: DeliveryFiles, last_state: FileState) -> None:
    start_multipart(files)
    files.record_part(A, part_number=1, etag='"e1"', crc32=1, size_bytes=50)
    files.record_file_state(A, last_state, "stopped")
    assert files.multipart(A) is not None
    assert files.record(A).bytes_done == 50


@pytest.mark.parametrize(("last_state", "bytes_done"), [(S.DONE, 100), (S.READY, 0)])
def test_upload_finished_or_cancelled_forgets_the_parts(
    files: DeliveryFiles, last_state: FileState, bytes_done: int
) -> None:
    start_multipart(files)
    files.record_part(A, part_number=1, etag='"e1"', crc32=1, size_bytes=50)
    files.record_file_state(A, last_state)
    assert files.multipart(A) is None
    assert files.record(A).bytes_done == bytes_done


def test_a_part_without_an_upload_is_refused(files: DeliveryFiles) -> None:
    with pytest.raises(KeyError, match="no multipart upload"):
        files.record_part(A, part_number=1, etag='"e1"', crc32=1, size_bytes=50)


@pytest.mark.parametrize("part_number", [0, 10_001])
def test_part_numbers_outside_s3s_range_are_refused(files: DeliveryFiles, part_number: int) -> None:
    start_multipart(files)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        files.record_part(A, part_number=part_number, etag='"e"', crc32=1, size_bytes=50)
    upload = files.multipart(A)
    assert upload is not None
    assert upload.parts == ()


def test_workers_on_many_threads_can_share_one_store(files: DeliveryFiles) -> None:
    for path in (A, B, C):
        start_multipart(files, path, upload_id=f"up-{path}")

    def upload_parts(path: str) -> None:
        for number in range(1, 101):
            files.record_part(path, part_number=number, etag=f'"{number}"', crc32=1, size_bytes=7)

    threads = [threading.Thread(target=upload_parts, args=(path,)) for path in (A, B, C)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for path in (A, B, C):
        upload = files.multipart(path)
        assert upload is not None
        assert len(upload.parts) == 100
        assert files.record(path).bytes_done == 700


# --- the store as the FileTracker's sink ---------------------------------------------------


def test_tracker_changes_are_saved_before_they_are_announced(
    store: StateStore, store_path: Path
) -> None:
    key = new_delivery(store)
    store.register_files(key, file_rows(2))
    files = store.delivery_files(key)
    seen_on_disk: list[str] = []

    def emit(event: Event) -> None:
        # Another connection reads the file when the event arrives: the change is already there.
        if isinstance(event, FileStateChanged):
            with StateStore(store_path) as reader:
                seen_on_disk.append(reader.delivery_files(key).record(event.path).state.value)

    tracker = FileTracker(files, emit)
    tracker.track(files.states())
    for state in (S.PENDING, S.TRANSFERRING, S.DONE):
        tracker.transition(A, state)
    tracker.apply_verdict(A, "failure", "file not found")
    assert seen_on_disk == ["pending", "transferring", "done", "invalid"]
    assert files.record(A).verdict_message == "file not found"
