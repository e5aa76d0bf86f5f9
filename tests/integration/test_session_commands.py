"""The delivery session with its real adapters against the local archive: the commands a person
gives from the window (pause, resume, cancel, retry failed files) and a lock taken over by
another uploader. The engine runs on its own thread, as in the app; tests wait on its events.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.e2e.transfer_cli_kit import LABEL_TEMPLATE
from uploader_gui.core.delivery.delivery_input import DeliveryInput
from uploader_gui.core.engine.running_session import RunSettings
from uploader_gui.core.engine.session_states import SessionOutcome
from uploader_gui.core.engine.session_summary import SessionSummary
from uploader_gui.core.events import Event, FileStateChanged, FileTransferProgressed, SessionCrashed
from uploader_gui.core.upload.part_plan import MIB, PartPlanner
from uploader_gui.sandbox.archive import LocalArchive
from uploader_gui.transfer.engine import TransferSettings
from uploader_gui.wiring.control_channel import ControlSettings
from uploader_gui.wiring.delivery_session import DeliverySession, SessionOptions

WAIT_S = 60.0
QUICK_CONTROL = ControlSettings(
    flush_interval_s=0.2,
    tail_poll_interval_s=0.2,
    pipeline_poll_interval_s=0.2,
    heartbeat_tick_s=0.2,
    lock_refresh_interval_s=0.3,
)


def transfer_settings(**overrides: object) -> TransferSettings:
    values: dict[str, object] = {
        "concurrency": 1,
        "planner": PartPlanner(threshold_bytes=10 * MIB, part_size_bytes=5 * MIB),
    }
    values.update(overrides)
    return TransferSettings(**values)  # type: ignore[arg-type]


@dataclass
class Watched:
    """Events as they arrive, with a hook per event and a way to wait for one."""

    events: list[Event] = field(default_factory=list)
    hooks: list[Callable[[Event], None]] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    def __call__(self, event: Event) -> None:
        with self._arrived:
            self.events.append(event)
            self._arrived.notify_all()
        for hook in list(self.hooks):
            hook(event)

    def wait_for(self, what: Callable[[Event], bool], description: str) -> Event:
        with self._arrived:
            found: list[Event] = []

            def seen() -> bool:
                found.extend(e for e in self.events if what(e))
                return bool(found)

            assert self._arrived.wait_for(seen, WAIT_S), f"no {description}"
            return found[0]


def state_change(path: str, new_state: str) -> Callable[[Event], bool]:
    def matches(event: Event) -> bool:
        return (
            isinstance(event, FileStateChanged)
            and event.path == path
            and event.new_state == new_state
        )

    return matches


@dataclass
class Setup:
    archive: LocalArchive
    root: Path
    watched: Watched = field(default_factory=Watched)
    delivery_id: str = field(default_factory=lambda: secrets.token_hex(3))

    def session(self, files: dict[str, bytes], **transfer: object) -> DeliverySession:
        folder = self.root / "data"
        for relative, body in files.items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_bytes(body)
        label = self.root / "label.yaml"
        label.write_text(LABEL_TEMPLATE.format(delivery_id=self.delivery_id), "utf-8")
        profile = self.archive.profile()
        return DeliverySession(
            profile,
            DeliveryInput(profile.name, folder, label),
            emit=self.watched,
            options=SessionOptions(
                control=QUICK_CONTROL,
                run=RunSettings(tick_s=0.1),
                transfer=transfer_settings(**transfer),
            ),
        )

    @property
    def names(self) -> object:
        return self.archive.network_config.names_for("e2e_set", self.delivery_id, "staging")


@pytest.fixture
def setup(local_archive: LocalArchive, tmp_path: Path) -> Setup:
    return Setup(local_archive, tmp_path)


def finish(session: DeliverySession) -> SessionSummary:
    summary = session.wait(WAIT_S)
    assert summary is not None, "the session did not end"
    return summary


def test_pause_keeps_the_file_paused_and_resume_finishes_it(setup: Setup) -> None:
    body = os.urandom(15 * MIB)  # three parts: a pause takes effect after the part in flight
    session = setup.session({"big.fits": body}, bandwidth_limit_bytes_per_s=4 * MIB)
    session.start()
    setup.watched.wait_for(state_change("big.fits", "transferring"), "upload start")
    session.commands.pause()
    setup.watched.wait_for(state_change("big.fits", "paused"), "pause")
    session.commands.resume()
    summary = finish(session)
    assert summary.outcome is SessionOutcome.ALL_VALID
    changes = [
        e.new_state
        for e in setup.watched.events
        if isinstance(e, FileStateChanged) and e.path == "big.fits"
    ]
    assert changes[-4:] == ["pending", "transferring", "done", "valid"]
    assert "paused" in changes


def test_cancel_discards_the_partial_upload_and_releases_the_lock(setup: Setup) -> None:
    body = os.urandom(20 * MIB)  # four parts
    session = setup.session({"big.fits": body}, bandwidth_limit_bytes_per_s=4 * MIB)
    session.start()
    setup.watched.wait_for(
        lambda e: isinstance(e, FileTransferProgressed) and e.bytes_done > 6 * MIB,
        "a part sent",
    )
    session.commands.cancel()
    summary = finish(session)
    assert summary.outcome is SessionOutcome.CANCELLED
    assert summary.exit_status == 130
    aborts = [r for r in setup.archive.audit_records() if r["operation"] == "AbortMultipartUpload"]
    assert [r["key"] for r in aborts] == ["big.fits"]
    setup.watched.wait_for(state_change("big.fits", "ready"), "the file back to ready")
    s3 = setup.archive.boto3_client("s3")
    listing = s3.list_objects_v2(Bucket=setup.names.control_bucket, Prefix="lock/")  # type: ignore[attr-defined]
    assert "lock/client" not in [item["Key"] for item in listing.get("Contents", [])]


def test_a_lock_taken_over_stops_the_session_and_is_left_alone(setup: Setup) -> None:
    body = os.urandom(15 * MIB)
    session = setup.session({"big.fits": body}, bandwidth_limit_bytes_per_s=4 * MIB)
    s3 = setup.archive.boto3_client("s3")
    control_bucket = setup.names.control_bucket  # type: ignore[attr-defined]

    def steal_lock(event: Event) -> None:
        if state_change("big.fits", "transferring")(event):
            s3.put_object(Bucket=control_bucket, Key="lock/client", Body=b"thiefagentx")

    setup.watched.hooks.append(steal_lock)
    session.start()
    summary = finish(session)
    assert summary.outcome is SessionOutcome.LOCK_LOST
    assert summary.exit_status == 3
    assert "thiefagentx" in summary.message
    lock = s3.get_object(Bucket=control_bucket, Key="lock/client")["Body"].read()
    assert lock == b"thiefagentx"


def test_retry_failed_files_sends_a_failed_file_again(setup: Setup) -> None:
    small = b"a small file\n"
    session = setup.session(
        {"a_gone.fits": small, "big.fits": os.urandom(2 * MIB)},
        bandwidth_limit_bytes_per_s=1 * MIB,
    )
    gone = setup.root / "data" / "a_gone.fits"
    status = gone.stat()
    moved = setup.root / "aside.fits"

    def vanish_then_return(event: Event) -> None:
        if type(event).__name__ == "SessionPlanned":
            gone.rename(moved)  # after indexing, before the upload
        elif state_change("a_gone.fits", "failed")(event):
            moved.rename(gone)
            os.utime(gone, ns=(status.st_atime_ns, status.st_mtime_ns))
            session.commands.retry_failed()

    setup.watched.hooks.append(vanish_then_return)
    session.start()
    summary = finish(session)
    assert summary.outcome is SessionOutcome.ALL_VALID
    changes = [
        e.new_state
        for e in setup.watched.events
        if isinstance(e, FileStateChanged) and e.path == "a_gone.fits"
    ]
    assert changes == [
        "pending",
        "transferring",
        "failed",
        "pending",
        "transferring",
        "done",
        "valid",
    ]


def test_a_bug_on_a_transfer_thread_ends_the_session_as_crashed_and_resumable(
    setup: Setup,
) -> None:
    body = os.urandom(15 * MIB)
    session = setup.session({"big.fits": body}, bandwidth_limit_bytes_per_s=4 * MIB)

    def buggy_consumer(event: Event) -> None:
        if isinstance(event, FileTransferProgressed) and event.bytes_done > 0:
            setup.watched.hooks.clear()
            raise ZeroDivisionError("a bug in a progress consumer")

    setup.watched.hooks.append(buggy_consumer)
    session.start()
    summary = finish(session)
    assert summary.outcome is SessionOutcome.CRASHED
    (crash,) = [e for e in setup.watched.events if isinstance(e, SessionCrashed)]
    assert "ZeroDivisionError: a bug in a progress consumer" in crash.message
    assert "buggy_consumer" in crash.traceback_text
    # It stopped as for a fatal error, not as the file's fault: no file failed, and the next
    # run resumes it.
    states = [e.new_state for e in setup.watched.events if isinstance(e, FileStateChanged)]
    assert "failed" not in states
    again = setup.session({"big.fits": body})
    again.start()
    assert finish(again).outcome is SessionOutcome.ALL_VALID
