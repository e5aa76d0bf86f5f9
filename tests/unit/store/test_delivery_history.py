"""The deliveries listing on a real SQLite store: counts by file state, last activity, which
deliveries count as unfinished, discarding, the receipt's path, and the version-4 migration."""

from __future__ import annotations

import io
import sqlite3
from argparse import Namespace
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from uploader_gui.commands.deliveries import list_deliveries
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.errors import FatalError
from uploader_gui.store.database import Database
from uploader_gui.store.delivery_history import DeliverySummary, unfinished_deliveries
from uploader_gui.store.schema import MIGRATIONS, SCHEMA_VERSION, migrate, schema_version
from uploader_gui.store.state_store import StateStore
from uploader_gui.wiring.delivery_history import missing_inputs
from uploader_gui.wiring.receipt_writer import ReceiptWriter

S = FileState
START_S = 1_700_000_000.0


class SteppingClock:
    """Time that moves only when the test says (a fake for time, DESIGN.md §6)."""

    def __init__(self) -> None:
        self.now_s = START_S

    def __call__(self) -> float:
        return self.now_s


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
def store(tmp_path: Path, clock: SteppingClock) -> Iterator[StateStore]:
    with StateStore(tmp_path / "state.sqlite3", clock=clock) as opened:
        yield opened


def delivery_with(
    store: StateStore, states: list[FileState], *, delivery_id: str = "d1", source: str = "/src"
) -> int:
    key = store.create_delivery(
        profile_name="archive",
        dataset="gbt",
        delivery_id=delivery_id,
        transfer_type="staging",
        source_root=source,
        label_path="/labels/gbt.yaml",
    )
    fingerprints = (FileFingerprint(f"f{n}.fits", 10, 1, n) for n in range(len(states)))
    store.register_files(key, fingerprints)
    files = store.delivery_files(key)
    for number, state in enumerate(states):
        path = f"f{number}.fits"
        for step in _path_to(state):
            files.record_file_state(path, step, "why")
    return key


def _path_to(state: FileState) -> list[FileState]:
    sent = [S.PENDING, S.TRANSFERRING, S.DONE]
    return {
        S.READY: [],
        S.PAUSED: [S.PENDING, S.TRANSFERRING, S.PAUSED],
        S.DONE: sent,
        S.FAILED: [S.PENDING, S.TRANSFERRING, S.FAILED],
        S.VALID: [*sent, S.VALID],
        S.INVALID: [*sent, S.INVALID],
    }[state]


def summary_of(store: StateStore, key: int) -> DeliverySummary:
    (summary,) = [s for s in store.delivery_summaries() if s.key == key]
    return summary


def test_files_are_counted_by_result(store: StateStore) -> None:
    states = [S.VALID, S.VALID, S.INVALID, S.FAILED, S.PAUSED, S.READY, S.DONE]
    key = delivery_with(store, states)
    summary = summary_of(store, key)
    assert summary.files_total == 7
    assert (summary.files_valid, summary.files_invalid, summary.files_failed) == (2, 1, 1)
    assert summary.files_pending == 3  # paused, ready, uploaded awaiting its verdict
    assert summary.files_judged == 3
    assert summary.counts[S.DONE] == 1
    assert summary.record.label_path == "/labels/gbt.yaml"


def test_deliveries_come_newest_first_each_with_its_own_counts(store: StateStore) -> None:
    first = delivery_with(store, [S.VALID], delivery_id="d1")
    second = delivery_with(store, [S.READY, S.READY], delivery_id="d2")
    summaries = store.delivery_summaries()
    assert [s.key for s in summaries] == [second, first]
    assert [s.files_total for s in summaries] == [2, 1]


def test_last_activity_is_the_latest_verdict_upload_or_end(
    store: StateStore, clock: SteppingClock
) -> None:
    key = delivery_with(store, [S.READY])
    created = summary_of(store, key).last_activity_at
    clock.now_s += 3600
    store.delivery_files(key).record_file_state("f0.fits", S.PENDING)
    store.delivery_files(key).record_file_state("f0.fits", S.TRANSFERRING)
    store.delivery_files(key).record_file_state("f0.fits", S.DONE)
    uploaded = summary_of(store, key).last_activity_at
    assert uploaded > created
    assert uploaded.startswith("2023-11-14T23:13:20")
    clock.now_s += 60
    store.mark_delivery_ended(key, outcome="interrupted")
    assert summary_of(store, key).last_activity_at.startswith("2023-11-14T23:14:20")


@pytest.mark.parametrize(
    ("states", "is_unfinished"),
    [
        ([S.VALID, S.READY], True),  # stopped part-way
        ([S.VALID, S.DONE], True),  # uploaded, never judged: resent on resume
        ([S.VALID, S.FAILED], True),  # a file never reached the archive
        ([S.VALID, S.PAUSED], True),
        ([S.VALID, S.VALID], False),
        ([S.VALID, S.INVALID], False),  # every file judged: finished, with problems
        ([], False),  # stopped before its file list: nothing was sent
    ],
)
def test_unfinished_means_some_registered_file_is_not_judged(
    store: StateStore, states: list[FileState], is_unfinished: bool
) -> None:
    key = delivery_with(store, states)
    assert summary_of(store, key).is_unfinished is is_unfinished
    expected = [key] if is_unfinished else []
    assert [s.key for s in unfinished_deliveries(store.delivery_summaries())] == expected


def test_a_newer_attempt_supersedes_an_older_unfinished_one(store: StateStore) -> None:
    delivery_with(store, [S.READY], source="/old-folder")
    newer = delivery_with(store, [S.VALID], source="/new-folder")
    other = delivery_with(store, [S.PAUSED], delivery_id="d2")
    assert [s.key for s in unfinished_deliveries(store.delivery_summaries())] == [other]
    assert {s.key for s in store.delivery_summaries()} >= {newer, other}


def test_a_discarded_delivery_is_not_offered_until_it_runs_again(store: StateStore) -> None:
    key = delivery_with(store, [S.VALID, S.READY])
    store.mark_delivery_discarded(key)
    summary = summary_of(store, key)
    assert summary.is_discarded
    assert summary.record.discarded_at is not None
    assert not summary.is_unfinished
    assert unfinished_deliveries(store.delivery_summaries()) == []
    assert summary.files_total == 2  # its files are kept
    store.mark_delivery_started(key, agent_id="agent-1")
    assert summary_of(store, key).is_unfinished


def test_the_receipt_written_is_remembered(store: StateStore, tmp_path: Path) -> None:
    key = delivery_with(store, [S.VALID])
    assert summary_of(store, key).record.receipt_path == ""
    json_path, _ = ReceiptWriter(store, tmp_path / "receipts").write_receipt(key)
    assert summary_of(store, key).record.receipt_path == json_path
    assert Path(json_path).is_file()


class StoreFullAfterReceipts(StateStore):
    """An injected fault: the disk fills up just as the receipt's path is saved."""

    def record_receipt(self, delivery_key: int, receipt_path: str) -> None:
        raise FatalError("The disk holding the state store's folder is full")


def test_a_receipt_written_but_not_remembered_is_still_reported(tmp_path: Path) -> None:
    with StoreFullAfterReceipts(tmp_path / "state.sqlite3") as store:
        key = delivery_with(store, [S.VALID])
        json_path, csv_path = ReceiptWriter(store, tmp_path / "receipts").write_receipt(key)
        assert Path(json_path).is_file()
        assert Path(csv_path).is_file()
        assert summary_of(store, key).record.receipt_path == ""


def test_the_cli_listing_says_discarded(store: StateStore) -> None:
    key = delivery_with(store, [S.VALID, S.READY])
    store.mark_delivery_discarded(key)
    out = io.StringIO()
    assert list_deliveries(Namespace(store=store.path), out) == 0
    (line,) = out.getvalue().splitlines()
    assert "2 files: 1 ready, 1 valid" in line
    assert ", discarded 2023-11-14T22:13:20" in line


def test_a_version_3_store_gains_receipt_and_discard_columns_keeping_its_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.sqlite3"
    old = Database(path)
    migrate(old, MIGRATIONS[:3])
    with old.transaction() as connection:
        connection.execute(
            "INSERT INTO deliveries (id, profile_name, dataset, delivery_id, transfer_type, "
            "source_root, state, outcome, created_at) VALUES (7, 'p', 'gbt', 'd1', 'staging', "
            "'/data', 'stopped', 'interrupted', '2024-01-01T00:00:00.000+00:00')"
        )
        connection.execute(
            "INSERT INTO files (delivery, path, size_bytes, mtime_ns, state) "
            "VALUES (7, 'a.fits', 1, 1, 'valid'), (7, 'b.fits', 1, 1, 'paused')"
        )
    old.close()
    with StateStore(path) as store:
        assert _user_version(path) == SCHEMA_VERSION == 4
        summary = summary_of(store, 7)
        assert (summary.record.receipt_path, summary.record.discarded_at) == ("", None)
        assert summary.is_unfinished
        assert summary.last_activity_at == "2024-01-01T00:00:00.000+00:00"


def _user_version(path: Path, connect: Callable[..., sqlite3.Connection] = sqlite3.connect) -> int:
    connection = connect(path)
    try:
        return schema_version(connection)
    finally:
        connection.close()


def test_resume_checks_name_each_missing_input_and_its_fix(
    store: StateStore, tmp_path: Path
) -> None:
    label = tmp_path / "label.yaml"
    label.write_text("x", "utf-8")
    key = store.create_delivery(
        profile_name="archive",
        dataset="gbt",
        delivery_id="d1",
        transfer_type="staging",
        source_root=str(tmp_path / "gone"),
        label_path=str(label),
        index_path=str(tmp_path / "index.csv"),
    )
    folder_gone, index_gone = missing_inputs(store.delivery(key))
    assert f"The folder {tmp_path / 'gone'} is not there any more" in folder_gone
    assert "Reconnect the drive" in folder_gone
    assert f"The index {tmp_path / 'index.csv'} is not there any more" in index_gone
    (tmp_path / "gone").mkdir()
    (tmp_path / "index.csv").write_text("x", "utf-8")
    assert missing_inputs(store.delivery(key)) == []
    copied = store.create_delivery(
        profile_name="archive",
        dataset="gbt",
        delivery_id="d2",
        transfer_type="staging",
        source_root="s3://bucket/data",
    )
    (only,) = missing_inputs(store.delivery(copied))
    assert "Run the same `uploader-gui transfer` command again" in only
