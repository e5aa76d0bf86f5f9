"""Crash safety: a process using the store is killed with SIGKILL at many different moments, and
every time the store opens intact with its invariants holding.

The child registers a delivery, then drives files through the tracker: queued, uploading (some
retried), a multipart upload with parts, a note, then paused or uploaded and judged. It prints
"ready" once the store is open and one line after each committed step; the test kills it after
a varying number of lines (0 kills it during registration).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from uploader_gui.core.engine.file_states import FileState
from uploader_gui.store.state_store import StateStore

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL"),
]

REPO_ROOT = Path(__file__).resolve().parents[2]
FILES_PER_RUN = 2_000
PART_SIZE_BYTES = 64
PARTS_PER_FILE = 3

CHILD_SCRIPT = f"""
import sys
from pathlib import Path

from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.engine.file_states import FileState as S, FileTracker
from uploader_gui.store.state_store import StateStore

path, run = Path(sys.argv[1]), int(sys.argv[2])
store = StateStore(path)
key = store.create_delivery(
    profile_name="crash", dataset="ds", delivery_id=f"run{{run}}", transfer_type="local",
    source_root="/nonexistent/source",
)
print("ready", flush=True)
store.register_files(
    key,
    (FileFingerprint(f"f{{n:06d}}", {PART_SIZE_BYTES * PARTS_PER_FILE}, n, n)
     for n in range({FILES_PER_RUN})),
)
print("registered", flush=True)
files = store.delivery_files(key)
tracker = FileTracker(files, lambda event: None)
tracker.track(files.states())


def step(state, reason=""):
    tracker.transition(path, state, reason=reason)
    print(state.value, flush=True)


for n in range({FILES_PER_RUN}):
    path = f"f{{n:06d}}"
    step(S.PENDING)
    step(S.TRANSFERRING)
    if n % 3 == 0:
        step(S.RETRYING, "connection reset")
        step(S.PENDING)
        step(S.TRANSFERRING)
    files.begin_multipart(path, upload_id=f"up-{{run}}-{{n}}", part_size_bytes={PART_SIZE_BYTES})
    print("multipart", flush=True)
    for number in range(1, {PARTS_PER_FILE + 1}):
        files.record_part(path, part_number=number, etag=f"e{{number}}", crc32=number,
                          size_bytes={PART_SIZE_BYTES})
        print("part", flush=True)
    files.record_event(path, "note", "all parts sent")
    if n % 4 == 0:
        step(S.PAUSED)
        continue
    step(S.DONE)
    tracker.apply_verdict(path, "ok" if n % 5 else "failure", "incorrect crc32 checksum")
    print("verdict", flush=True)
print("finished", flush=True)
"""


def run_child_and_kill(script: Path, store_path: Path, run: int, lines_before_kill: int) -> None:
    child = subprocess.Popen(
        [sys.executable, str(script), str(store_path), str(run)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    stdout, stderr = child.stdout, child.stderr
    assert stdout is not None
    assert stderr is not None
    try:
        first = stdout.readline()
        assert first == "ready\n", f"child did not start: {first!r} {stderr.read()!r}"
        for _ in range(lines_before_kill):
            assert stdout.readline(), f"child ended early: {stderr.read()!r}"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        stdout.close()
        stderr.close()
    assert child.returncode == -signal.SIGKILL


# Each query lists what breaks the invariant named by its key; all must return nothing.
INVARIANT_VIOLATIONS = {
    "registration is one transaction: a delivery has all its files or none": (
        "SELECT d.id FROM deliveries d LEFT JOIN files f ON f.delivery = d.id "
        "GROUP BY d.id HAVING count(f.id) NOT IN (0, :files_per_run)"
    ),
    "a part and its file's byte count are written together": (
        "SELECT f.path FROM files f JOIN multipart_uploads u ON u.file = f.id "
        "WHERE f.bytes_done != "
        "(SELECT coalesce(sum(p.size_bytes), 0) FROM multipart_parts p WHERE p.upload = u.id)"
    ),
    "every upload attempt has its journal row": (
        "SELECT f.path FROM files f WHERE f.attempts != "
        "(SELECT count(*) FROM file_events e WHERE e.file = f.id AND e.kind = 'state' "
        "AND (e.detail = 'transferring' OR e.detail LIKE 'transferring:%'))"
    ),
    "uploaded files keep no multipart record and count every byte": (
        "SELECT f.path FROM files f WHERE f.state IN ('done', 'valid', 'invalid') "
        "AND (f.bytes_done != f.size_bytes OR f.id IN (SELECT file FROM multipart_uploads))"
    ),
}


def assert_store_is_consistent(store_path: Path) -> None:
    with StateStore(store_path):  # opens, recovers the WAL, migrations are no-ops
        pass
    connection = sqlite3.connect(store_path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        for invariant, sql in INVARIANT_VIOLATIONS.items():
            found = connection.execute(sql, {"files_per_run": FILES_PER_RUN}).fetchall()
            assert found == [], f"{invariant}: broken for {found[:5]}"
        # A state and its journal row are written in one transaction.
        last_states = connection.execute(
            "SELECT f.state, (SELECT e.detail FROM file_events e WHERE e.file = f.id "
            "AND e.kind = 'state' ORDER BY e.id DESC LIMIT 1) FROM files f"
        ).fetchall()
        for state, last_detail in last_states:
            assert state == (last_detail.split(":")[0] if last_detail else FileState.READY)
    finally:
        connection.close()


def test_store_survives_sigkill_at_many_moments(tmp_path: Path) -> None:
    script = tmp_path / "store_child.py"
    script.write_text(CHILD_SCRIPT, encoding="utf-8")
    store_path = tmp_path / "state.sqlite3"
    moments = random.Random(20240601)
    lines_per_run = [0, 0, 1, 2, 3] + [moments.randrange(4, 400) for _ in range(15)]
    for run, lines_before_kill in enumerate(lines_per_run):
        run_child_and_kill(script, store_path, run, lines_before_kill)
        assert_store_is_consistent(store_path)
    with StateStore(store_path) as store:
        assert len(store.deliveries()) == len(lines_per_run)
