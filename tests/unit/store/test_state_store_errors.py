"""An unusable state store stops the session with a `FatalError` naming the file, and loses
nothing that was saved before. Faults are injected through the store's `connect` collaborator
(a read-only connection, a size cap that fills the "disk") or by putting the wrong thing at the
store's path."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.unit.store.test_state_store import A, file_rows, new_delivery
from uploader_gui.core.engine.file_states import FileState, FileTracker
from uploader_gui.core.errors import FatalError
from uploader_gui.core.events import Event
from uploader_gui.core.formatting import human_size
from uploader_gui.store.database import MIN_FREE_BYTES
from uploader_gui.store.state_store import StateStore


def read_only(path: str, **options: Any) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, **options)


def capped_at_current_size(path: str, **options: Any) -> sqlite3.Connection:
    """A connection whose database cannot grow: what a full disk looks like to SQLite."""
    connection = sqlite3.connect(path, **options)
    (pages,) = connection.execute("PRAGMA page_count").fetchone()
    connection.execute(f"PRAGMA max_page_count = {pages}")
    return connection


def store_with_files(path: Path, count: int) -> int:
    with StateStore(path) as store:
        key = new_delivery(store)
        store.register_files(key, file_rows(count))
        return key


def assert_names_the_store(error: pytest.ExceptionInfo[FatalError], path: Path) -> None:
    assert str(path) in str(error.value)
    assert "cannot be used" in str(error.value)


def test_a_folder_where_the_store_file_should_be(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    path.mkdir()
    with pytest.raises(FatalError) as raised:
        StateStore(path)
    assert_names_the_store(raised, path)


def test_a_file_where_the_store_folder_should_be(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a folder")
    path = tmp_path / "data" / "state.sqlite3"
    with pytest.raises(FatalError) as raised:
        StateStore(path)
    assert_names_the_store(raised, path)


def test_a_store_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    path.write_bytes(b"these are somebody's notes, not SQLite" * 100)
    with pytest.raises(FatalError) as raised:
        StateStore(path)
    assert_names_the_store(raised, path)


def test_a_read_only_store_refuses_writes_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    key = store_with_files(path, 2)
    with StateStore(path, connect=read_only) as store:
        with pytest.raises(FatalError) as raised:
            store.delivery_files(key).record_file_state(A, FileState.PENDING)
        assert_names_the_store(raised, path)
        assert "readonly" in str(raised.value)
        assert store.delivery_files(key).record(A).state == FileState.READY


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes to read-only folders"
)
def test_a_store_in_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(FatalError) as raised:
            StateStore(folder / "state.sqlite3")
        assert_names_the_store(raised, folder / "state.sqlite3")
    finally:
        folder.chmod(0o700)


def test_a_full_disk_during_registration_registers_nothing(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    key = store_with_files(path, 0)
    with StateStore(path, connect=capped_at_current_size) as store:
        with pytest.raises(FatalError) as raised:
            store.register_files(key, file_rows(20_000))
        message = str(raised.value)
        assert f"folder {tmp_path} is full" in message
        assert f"Free at least {human_size(MIN_FREE_BYTES)} there" in message
        assert "resumes from what was saved" in message
    with StateStore(path) as store:
        assert store.delivery_files(key).count_by_state() == {}
        assert store.register_files(key, file_rows(10)) == 10  # usable again with space


def test_a_tracker_on_an_unwritable_store_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    key = store_with_files(path, 2)
    events: list[Event] = []
    with StateStore(path, connect=read_only) as store:
        files = store.delivery_files(key)
        tracker = FileTracker(files, events.append)
        tracker.track(files.states())
        with pytest.raises(FatalError):
            tracker.transition(A, FileState.PENDING)
        assert tracker.state(A) == FileState.READY
        assert events == []
