"""The network goes away mid-delivery, for real: the CLI reaches the archive only through a
loopback TCP proxy, which refuses, then resets, then black-holes every connection for longer
than several retry intervals. The delivery waits for the network, resumes by itself when the
proxy forwards again, and ends with every file valid, no attempt counted against any file and
no part or object sent twice. Cut for longer than `--offline-timeout`, it stops resumably
(exit 3) and the next run finishes the delivery."""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.transfer_cli_kit import EventStream, Workspace, running_archive
from tests.tcp_cut import Cut, TcpCutter
from tests.waiting import wait_until
from uploader_gui.sandbox.archive import LocalArchive

MIB = 1024 * 1024
SMALL = {f"small/s{n:02d}.fits": os.urandom(20_000 + n) for n in range(12)}
BIG = {"big/a.fits": os.urandom(16 * MIB), "big/b.fits": os.urandom(11 * MIB)}
FILES = {**SMALL, **BIG}
# Paced so the cut lands while parts are on the wire; 5 MiB parts make each big file multipart.
ARGS = ("--json", "--part-size", "5MiB", "--concurrency", "3", "--max-bandwidth", "6MiB/s")
CUT_S = 3.0  # per kind of cut: 9 s in all, past the 1 s, 2 s and 4 s probe intervals
DATA_WRITES = ("PutObject", "UploadPart", "CompleteMultipartUpload")


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with running_archive() as archive:
        yield archive


@pytest.fixture
def cutter(archive: LocalArchive) -> Iterator[TcpCutter]:
    host, port = archive.endpoint_url.removeprefix("http://").rsplit(":", 1)
    proxy = TcpCutter(host, int(port))
    yield proxy
    proxy.close()


def through(workspace: Workspace, cutter: TcpCutter) -> None:
    """Point the workspace's profile at the proxy instead of the archive."""
    profile = workspace.profile_path
    text = profile.read_text("utf-8")
    profile.write_text(text.replace(workspace.archive.endpoint_url, cutter.url), "utf-8")


def successful_writes(workspace: Workspace, since: int = 0) -> Counter[tuple[str, str, Any]]:
    """The delivery's data the archive accepted: objects, parts and completions, with counts."""
    bucket = workspace.names.transfer_bucket
    return Counter(
        (record["operation"], record["key"], record.get("partNumber"))
        for record in workspace.archive.audit_records()[since:]
        if record["operation"] in DATA_WRITES
        and record["status"] == 200
        and record["bucket"] == bucket
    )


def test_a_network_cut_longer_than_the_retries_pauses_and_resumes_by_itself(
    archive: LocalArchive, cutter: TcpCutter, tmp_path: Path
) -> None:
    workspace = Workspace(archive, tmp_path)
    folder = workspace.folder(FILES)
    through(workspace, cutter)
    child = workspace.spawn(folder, *ARGS)
    events = EventStream(child)
    # Cut once the first big file has parts on the wire.
    events.wait_for("FileTransferProgressed", path="big/a.fits")
    for how in (Cut.REFUSE, Cut.RESET, Cut.BLACK_HOLE):
        cutter.cut(how)
        if how is Cut.REFUSE:
            events.wait_for("ArchiveUnreachable")
        else:
            cutter.wait_until_met(how)  # a probe (or the control plane) ran into it
        # A wait on the clock is the point here: the network stays away at least this long.
        threading.Event().wait(CUT_S)
    cutter.restore()
    events.wait_for("ArchiveReachable")
    status, err = events.finish()
    seen = events.seen

    assert status == 0, err
    [ended] = [e for e in seen if e["event"] == "SessionEnded"]
    assert (ended["files_valid"], ended["files_failed"]) == (len(FILES), 0)
    probes = [e for e in seen if e["event"] == "ArchiveUnreachable"]
    assert len(probes) >= 3, "several probes were refused, reset or swallowed"
    # Nothing the archive had already accepted was sent again.
    writes = successful_writes(workspace)
    assert [w for w, count in writes.items() if count > 1] == []
    transfer = workspace.names.transfer_bucket
    for path, data in FILES.items():
        assert workspace.object_bytes(transfer, path) == data
    # No file's attempt count rose: the network's failures are not the file's.
    run_receipt = receipt_of(seen)
    assert {f["path"]: f["attempts"] for f in run_receipt["files"]} == dict.fromkeys(FILES, 1)
    assert not any(e["event"] == "FileStateChanged" and e["new_state"] == "failed" for e in seen)


def test_an_outage_longer_than_the_offline_timeout_stops_resumably(
    archive: LocalArchive, cutter: TcpCutter, tmp_path: Path
) -> None:
    workspace = Workspace(archive, tmp_path)
    folder = workspace.folder(SMALL)
    through(workspace, cutter)
    child = workspace.spawn(folder, *ARGS, "--max-bandwidth", "200KiB/s", "--offline-timeout", "3s")
    events = EventStream(child)
    events.wait_for("FileTransferProgressed")
    cutter.cut(Cut.REFUSE)
    status, err = events.finish(120)
    seen = events.seen

    assert status == 3, err
    [ended] = [e for e in seen if e["event"] == "SessionEnded"]
    assert ended["state"] == "stopped"
    assert "could not be reached for 3 s" in ended["message"]
    assert "run again to resume" in ended["message"]

    cutter.restore()
    mark = len(archive.audit_records())
    rerun = workspace.run(folder, "--json")
    assert rerun.exit_status == 0, rerun.out[-3000:] + rerun.err[-3000:]
    assert rerun.ended["files_valid"] == len(SMALL)
    sent_before = {key for (_, key, _) in successful_writes(workspace) if key in SMALL}
    sent_again = {key for (_, key, _) in successful_writes(workspace, mark) if key in SMALL}
    assert sent_before >= sent_again  # the rerun sent only what was missing ...
    assert len(successful_writes(workspace)) == len(SMALL)  # ... each file exactly once


def receipt_of(seen: list[dict[str, Any]]) -> dict[str, Any]:
    [ended] = [e for e in seen if e["event"] == "SessionEnded"]
    json_path = next(p for p in ended["receipt_paths"] if p.endswith(".json"))
    return json.loads(Path(json_path).read_text("utf-8"))


@pytest.fixture
def impatient_archive() -> Iterator[LocalArchive]:
    """An archive whose validator declares a silent client missing after 3 s (240 s upstream)."""
    with running_archive(missing_timeout_s=3.0) as archive:
        yield archive


def test_an_outage_past_the_validators_patience_ends_resumably_and_the_rerun_finishes(
    impatient_archive: LocalArchive, tmp_path: Path
) -> None:
    archive = impatient_archive
    host, port = archive.endpoint_url.removeprefix("http://").rsplit(":", 1)
    cutter = TcpCutter(host, int(port))
    workspace = Workspace(archive, tmp_path)
    folder = workspace.folder(SMALL)
    through(workspace, cutter)
    try:
        child = workspace.spawn(
            folder, "--json", "--heartbeat-every", "0.5", "--max-bandwidth", "100KiB/s"
        )
        events = EventStream(child)
        events.wait_for("FileTransferProgressed")
        cutter.cut(Cut.REFUSE)
        events.wait_for("ArchiveUnreachable")
        # The validator, which still reaches its archive, gives up on the silent client.
        validator_log = workspace.names.control_bucket, "log/validator_staging"
        wait_for_bytes(workspace, validator_log, b"client status: missing")
        cutter.restore()
        status, err = events.finish(120)

        assert status == 3, err
        [ended] = [e for e in events.seen if e["event"] == "SessionEnded"]
        assert ended["outcome"] == "the validator stopped"
        assert "missing" in ended["message"]
        assert not any(
            e["event"] == "FileStateChanged" and e["new_state"] == "failed" for e in events.seen
        )
        mark = len(archive.audit_records())
        rerun = workspace.run(folder, "--json", "--heartbeat-every", "0.5")
    finally:
        cutter.close()
    assert rerun.exit_status == 0, rerun.out[-3000:] + rerun.err[-3000:]
    assert rerun.ended["files_valid"] == len(SMALL)
    # Files the validator had judged valid are not sent again; the others (never judged, as
    # the validator gave up) are sent once more, as the protocol's resume asks (§9).
    valid_before = {
        e["path"]
        for e in events.seen
        if e["event"] == "VerdictReceived" and e["new_state"] == "valid"
    }
    sent_again = successful_writes(workspace, mark)
    assert {key for (_, key, _) in sent_again} == set(SMALL) - valid_before
    assert set(sent_again.values()) <= {1}


def wait_for_bytes(workspace: Workspace, where: tuple[str, str], wanted: bytes) -> None:
    wait_until(
        lambda: wanted in (workspace.object_bytes(*where) or b""),
        f"{wanted!r} in {where[1]}",
        deadline_s=60,
    )
