"""A full disk under the app's data folder (a real size-limited tmpfs): the run stops with a
message naming the folder and the room to make, nothing recorded is lost, and the next run
after space is freed resumes without sending finished files again."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.transfer_cli_kit import Workspace, running_archive
from tests.small_disk import fill, mounted_tmpfs
from uploader_gui.core.formatting import human_size
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.store.database import MIN_FREE_BYTES

FIRST = {f"a/{n:03}.fits": b"first %d\n" % n for n in range(20)}
LATER = {f"b/{n:03}.fits": b"later %d\n" % n for n in range(20)}


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with running_archive() as archive:
        yield archive


@pytest.fixture
def small_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with mounted_tmpfs(tmp_path / "small-home", size_mib=16) as home:
        monkeypatch.setenv("UPLOADER_GUI_HOME", str(home))
        yield home


def valid_paths(store_path: Path) -> set[str]:
    with sqlite3.connect(f"file:{store_path}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT path FROM files WHERE state = 'valid'").fetchall()
    return {path for (path,) in rows}


def test_a_full_data_disk_stops_the_run_and_the_next_one_resumes(
    archive: LocalArchive, small_home: Path, tmp_path: Path
) -> None:
    workspace = Workspace(archive, tmp_path)
    folder = workspace.folder(FIRST)
    first = workspace.run(folder)
    assert first.exit_status == 0, first.out + first.err
    store_path = next(small_home.rglob("state.sqlite3"))
    assert valid_paths(store_path) == set(FIRST)

    workspace.folder(LATER)  # more files in the same folder, and then no room left
    filler = fill(small_home)
    full = workspace.run(folder, "--json")

    assert full.exit_status == 3, full.out + full.err
    message = full.ended["message"]
    assert f"folder {store_path.parent} is full" in message
    assert f"Free at least {human_size(MIN_FREE_BYTES)} there" in message
    assert "Traceback" not in full.err
    assert full.err.count("cannot write the log file") <= 1  # one line, not one per record
    assert valid_paths(store_path) == set(FIRST)  # nothing recorded was lost
    with sqlite3.connect(store_path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    filler.unlink()
    mark = len(archive.audit_records())
    resumed = workspace.run(folder, "--json")

    assert resumed.exit_status == 0, resumed.out + resumed.err
    assert valid_paths(store_path) == set(FIRST) | set(LATER)
    sent = {
        record["key"]
        for record in archive.audit_records()[mark:]
        if record["operation"] == "PutObject"
        and record["bucket"] == workspace.names.transfer_bucket
    }
    assert sent == set(LATER)  # the finished files were not sent again
    receipt_files = json.loads(Path(resumed.ended["receipt_paths"][0]).read_text("utf-8"))["files"]
    assert len(receipt_files) == len(FIRST) + len(LATER)


def test_a_read_only_data_disk_stops_the_run_and_the_next_one_resumes(
    archive: LocalArchive, small_home: Path, tmp_path: Path
) -> None:
    workspace = Workspace(archive, tmp_path)
    folder = workspace.folder(FIRST)
    first = workspace.run(folder)
    assert first.exit_status == 0, first.out + first.err
    store_path = next(small_home.rglob("state.sqlite3"))

    workspace.folder(LATER)
    remount(small_home, "ro")
    try:
        read_only = workspace.run(folder)
    finally:
        remount(small_home, "rw")

    assert read_only.exit_status == 3, read_only.out + read_only.err
    # The store cannot even be opened for writing: said before the session starts.
    assert f"folder {store_path.parent} cannot be written (read-only)" in read_only.err
    assert "UPLOADER_GUI_HOME" in read_only.err
    assert "Traceback" not in read_only.err
    assert valid_paths(store_path) == set(FIRST)
    resumed = workspace.run(folder)
    assert resumed.exit_status == 0, resumed.out + resumed.err
    assert valid_paths(store_path) == set(FIRST) | set(LATER)


def remount(mount_point: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(mount_point)], check=True)
