"""Schema versions: a fresh store, an older one migrated with its data kept, a newer one refused,
and a migration that fails half-way leaving the previous version intact."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.errors import FatalError
from uploader_gui.store.database import Database
from uploader_gui.store.schema import MIGRATIONS, SCHEMA_VERSION, migrate, schema_version
from uploader_gui.store.state_store import StateStore


def user_version(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return schema_version(connection)
    finally:
        connection.close()


def table_names(path: Path) -> set[str]:
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}
    finally:
        connection.close()


def test_a_new_store_has_the_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    StateStore(path).close()
    assert user_version(path) == SCHEMA_VERSION >= 2
    assert {
        "deliveries",
        "files",
        "multipart_uploads",
        "multipart_parts",
        "file_events",
    } <= table_names(path)


def test_a_store_from_the_first_version_is_migrated_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    old = Database(path)
    migrate(old, MIGRATIONS[:1])
    with old.transaction() as connection:
        connection.execute(
            "INSERT INTO deliveries (id, profile_name, dataset, delivery_id, transfer_type, "
            "source_root, state, created_at) VALUES (7, 'p', 'gbt', 'd1', 'local', '/data', "
            "'running', '2024-01-01T00:00:00.000+00:00')"
        )
        connection.execute(
            "INSERT INTO files (id, delivery, path, size_bytes, mtime_ns, crc32, state, "
            "attempts, bytes_done) VALUES (1, 7, 'a.fits', 100, 5, 9, 'paused', 1, 50)"
        )
        connection.execute(
            "INSERT INTO multipart_uploads (id, file, upload_id, part_size_bytes, created_at) "
            "VALUES (3, 1, 'up-1', 50, '2024-01-01T00:00:00.000+00:00')"
        )
        connection.execute(
            "INSERT INTO multipart_parts (upload, part_number, etag, crc32, size_bytes) "
            "VALUES (3, 1, '\"e1\"', 11, 50)"
        )
    old.close()
    assert user_version(path) == 1

    with StateStore(path) as store:
        assert user_version(path) == SCHEMA_VERSION
        assert store.delivery(7).state == "running"
        files = store.delivery_files(7)
        record = files.record("a.fits")
        assert (record.state, record.attempts, record.bytes_done) == (FileState.PAUSED, 1, 50)
        upload = files.multipart("a.fits")
        assert upload is not None
        assert [(p.part_number, p.etag) for p in upload.parts] == [(1, '"e1"')]
        files.record_file_state("a.fits", FileState.PENDING, "resumed")  # journal now exists
        assert [entry.detail for entry in files.timeline("a.fits")] == ["pending: resumed"]


def test_reopening_a_current_store_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    StateStore(path).close()
    StateStore(path).close()
    assert user_version(path) == SCHEMA_VERSION


def test_a_store_from_a_newer_app_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    StateStore(path).close()
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(FatalError) as raised:
        StateStore(path)
    message = str(raised.value)
    assert str(path) in message
    assert f"schema version {SCHEMA_VERSION + 1}" in message
    assert "newer version" in message
    assert user_version(path) == SCHEMA_VERSION + 1


def test_a_migration_that_fails_half_way_leaves_the_previous_version(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    StateStore(path).close()
    broken = (*MIGRATIONS, ("CREATE TABLE added_first (x)", "CREATE TABLE broken ("))
    database = Database(path)
    with pytest.raises(FatalError, match=r"state\.sqlite3"):
        migrate(database, broken)
    database.close()
    assert user_version(path) == SCHEMA_VERSION
    assert "added_first" not in table_names(path)


def test_a_version_2_upload_is_migrated_without_a_fingerprint_and_new_ones_keep_theirs(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.sqlite3"
    old = Database(path)
    migrate(old, MIGRATIONS[:2])
    with old.transaction() as connection:
        connection.execute(
            "INSERT INTO deliveries (id, profile_name, dataset, delivery_id, transfer_type, "
            "source_root, created_at) VALUES (7, 'p', 'gbt', 'd1', 'local', '/data', "
            "'2024-01-01T00:00:00.000+00:00')"
        )
        connection.execute(
            "INSERT INTO files (id, delivery, path, size_bytes, mtime_ns, state) "
            "VALUES (1, 7, 'a.fits', 100, 5, 'paused'), (2, 7, 'b.fits', 300, 6, 'pending')"
        )
        connection.execute(
            "INSERT INTO multipart_uploads (id, file, upload_id, part_size_bytes, created_at) "
            "VALUES (3, 1, 'up-1', 50, '2024-01-01T00:00:00.000+00:00')"
        )
    old.close()

    with StateStore(path) as store:
        assert user_version(path) == SCHEMA_VERSION >= 3
        files = store.delivery_files(7)
        kept = files.multipart("a.fits")
        assert kept is not None
        assert (kept.upload_id, kept.size_bytes, kept.mtime_ns) == ("up-1", None, None)
        files.begin_multipart(
            "b.fits", upload_id="up-2", part_size_bytes=100, size_bytes=300, mtime_ns=6
        )
        begun = files.multipart("b.fits")
        assert begun is not None
        assert (begun.size_bytes, begun.mtime_ns) == (300, 6)
