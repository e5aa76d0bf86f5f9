"""A laptop that sleeps mid-delivery: the CLI (signed in through `[cognito]`, its credentials
living 2 s) is frozen with SIGSTOP for longer than its credentials live and longer than the
lock-refresh interval, then thawed with SIGCONT. Without anyone signing in again it renews the
credentials from its refresh token, refreshes the lock, and finishes with every file valid and
nothing sent twice."""

from __future__ import annotations

import os
import secrets
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.auth_browser import ScriptedBrowser
from tests.e2e.transfer_cli_kit import EventStream, Workspace, running_archive
from tests.sign_in_kit import signed_in_archive
from uploader_gui.sandbox.archive import LocalArchive

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="needs SIGSTOP")

CREDENTIALS_LIFETIME_S = 2.0
LOCK_STALENESS_S = 16.0  # the client refreshes its lock every 4 s
FROZEN_S = 7.0  # past both, and short of the lock going stale
FILES = {f"img{n:02d}.fits": os.urandom(200_000) for n in range(10)}


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with running_archive(lock_staleness_threshold_s=LOCK_STALENESS_S) as running:
        yield running


def test_a_frozen_client_renews_its_credentials_and_lock_and_finishes(
    archive: LocalArchive, tmp_path: Path
) -> None:
    workspace = Workspace(archive, tmp_path, delivery_id=secrets.token_hex(3))
    with signed_in_archive(
        archive,
        [("e2e_set", workspace.delivery_id)],
        credentials_lifetime_s=CREDENTIALS_LIFETIME_S,
    ):
        gate = archive.identity_gate
        assert gate is not None
        profile = tmp_path / "cognito.toml"
        archive.write_profile(profile, cognito=True)
        args = workspace.args(
            workspace.folder(FILES), "--json", "--no-browser", "--max-bandwidth", "250k"
        )
        args[args.index(str(workspace.profile_path))] = str(profile)
        # The child's keychain: an in-memory one of its own (it holds the refresh token).
        env = {**os.environ, "PYTHON_KEYRING_BACKEND": "tests.auth_support.MemoryKeyring"}
        child = workspace.spawn_args(args, env=env)
        events = EventStream(child)
        browser = ScriptedBrowser()
        browser(events.wait_for("SignInUrlShown")["url"])
        events.wait_for("FileTransferProgressed")
        browser.join()

        issued_before = gate.credentials_issued
        child.send_signal(signal.SIGSTOP)
        thawed_at = time.time() + FROZEN_S
        # A wait on the clock is the point: the process sleeps this long.
        threading.Event().wait(FROZEN_S)
        child.send_signal(signal.SIGCONT)
        status, err = events.finish(180)

    assert status == 0, err
    seen = events.seen
    [ended] = [e for e in seen if e["event"] == "SessionEnded"]
    assert ended["files_valid"] == len(FILES)
    assert [e for e in seen if e["event"] == "SignInUrlShown"] != []
    assert len([e for e in seen if e["event"] == "SignInUrlShown"]) == 1  # no second sign-in
    assert gate.credentials_issued > issued_before  # renewed after the thaw
    # The lock was refreshed after the thaw (its object written again), and released at the end.
    control = workspace.names.control_bucket
    lock_writes = [
        r
        for r in archive.audit_records()
        if r["operation"] == "PutObject" and r["bucket"] == control and r["key"] == "lock/client"
    ]
    assert any(_epoch(r["time"]) >= thawed_at for r in lock_writes)
    assert workspace.object_bytes(control, "lock/client") is None
    sent = Counter(
        r["key"]
        for r in archive.audit_records()
        if r["operation"] == "PutObject"
        and r["bucket"] == workspace.names.transfer_bucket
        and r["status"] == 200
    )
    assert sent == dict.fromkeys(FILES, 1)
    for name, content in FILES.items():
        assert workspace.object_bytes(workspace.names.transfer_bucket, name) == content


def _epoch(iso_time: str) -> float:
    return datetime.fromisoformat(iso_time).timestamp()
