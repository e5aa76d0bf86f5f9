"""The session engine's sequence and finish rules, driven through in-memory ports.

What a person would notice if these broke: a delivery reported complete that is not, a second
`transfer ok` (the real validator crashes), a missing or doubled `stop` row, a lock deleted
although someone else holds it, an upload started before the validator listens, a bug that
leaves the session hanging instead of ending it with its traceback.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from tests.unit.core.engine.session_fakes import (
    EventLog,
    FakeControl,
    FakeReceipts,
    FakeStore,
    FakeTransfers,
    request,
    row,
)
from tests.waiting import wait_until
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.delivery.problems import Problem, ProblemsFound
from uploader_gui.core.engine.commands import SessionCommands, noting_questions
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.engine.ports import DeliveryRequest, TransferPort, TransferWiring
from uploader_gui.core.engine.running_session import RunSettings
from uploader_gui.core.engine.session_engine import SessionEngine
from uploader_gui.core.engine.session_plan import KnownFile
from uploader_gui.core.engine.session_states import SessionOutcome, SessionState
from uploader_gui.core.engine.session_summary import SessionSummary
from uploader_gui.core.errors import FatalError, IllegalTransitionError, UploaderError
from uploader_gui.core.events import (
    ArchiveReachable,
    ArchiveUnreachable,
    Event,
    SessionCrashed,
    SessionEnded,
    SessionStateChanged,
    TransferAttemptEnded,
    WarningRaised,
)
from uploader_gui.core.protocol.lock_status import (
    ListedLock,
    LockCheck,
    LockHeldElsewhere,
    LockStatus,
)
from uploader_gui.core.protocol.resume_plan import ResumeScan
from uploader_gui.core.questions import ask

PATHS = ["a.fits", "b.fits", "c.fits"]


class FakeClock:
    def __init__(self) -> None:
        self.now_s = 0.0

    def __call__(self) -> float:
        return self.now_s


@dataclass
class Harness:
    request: DeliveryRequest = field(default_factory=lambda: request(PATHS))
    control: FakeControl = field(default_factory=FakeControl)
    store: FakeStore = field(default_factory=FakeStore)
    receipts: FakeReceipts = field(default_factory=FakeReceipts)
    events: EventLog = field(default_factory=EventLog)
    outcomes: dict[str, str] = field(default_factory=dict)
    clock: FakeClock = field(default_factory=FakeClock)
    transfers: list[FakeTransfers] = field(default_factory=list)
    settings: RunSettings = field(default_factory=lambda: RunSettings(tick_s=0.01))
    engine: SessionEngine | None = None
    on_start: Callable[[FakeTransfers], None] | None = None  # runs as each transfer starts

    def __post_init__(self) -> None:
        self.control.verdicts = {file.path: ("ok", "") for file in self.request.files}

    def make_transfers(self, wiring: TransferWiring) -> TransferPort:
        transfers = FakeTransfers(wiring, self.outcomes)
        transfers.on_start = self.on_start
        self.transfers.append(transfers)
        return transfers

    def build(self) -> SessionEngine:
        self.engine = SessionEngine(
            lambda: self.request,
            control=self.control,
            store=self.store,
            transfers=self.make_transfers,
            receipts=self.receipts,
            emit=self.events,
            settings=self.settings,
            monotonic=self.clock,
        )
        return self.engine

    def run(self) -> SessionSummary:
        return self.build().run()

    @property
    def transfer(self) -> FakeTransfers:
        return self.transfers[0]


def ended(harness: Harness) -> SessionEnded:
    (event,) = harness.events.of(SessionEnded)
    assert isinstance(event, SessionEnded)
    return event


def test_a_delivery_runs_the_protocol_in_order_and_completes() -> None:
    harness = Harness()
    summary = harness.run()
    assert summary.outcome is SessionOutcome.ALL_VALID
    assert summary.exit_status == 0
    assert harness.control.calls == [
        "connect",
        "scan",
        "lock",
        "validator log size",
        "label and index",
        "pipeline",
        "client log",
        "background",
        "close",
    ]
    control = harness.control
    assert control.rows[0] == ("init", "self", "ok", "transfer application started")
    assert control.transfer_rows() == [(path, "ok") for path in PATHS]
    assert control.rows[-1][0] == "stop"
    assert control.stop_rows == 1
    assert control.released == 1
    assert harness.store.states == dict.fromkeys(PATHS, FileState.VALID)
    assert harness.store.outcome == SessionOutcome.ALL_VALID.value
    assert harness.receipts.written == [1]
    event = ended(harness)
    assert (event.files_valid, event.exit_status) == (3, 0)
    assert event.receipt_paths == ("/receipts/1.json",)
    assert harness.events.events[-1] is event
    states = [e.state for e in harness.events.of(SessionStateChanged)]  # type: ignore[attr-defined]
    assert states[:7] == [
        "checking",
        "connecting",
        "checking",
        "locking",
        "starting pipeline",
        "starting pipeline",
        "transferring",
    ]
    assert states[-1] == "complete"


def test_nothing_to_do_ends_before_the_lock_and_marks_files_valid() -> None:
    harness = Harness(
        control=FakeControl(scan=ResumeScan(valid=tuple(PATHS))),
        store=FakeStore(
            known={
                p: KnownFile(FileFingerprint(p, 10 + n, 1_000 + n, n + 1), FileState.DONE)
                for n, p in enumerate(PATHS)
            }
        ),
    )
    summary = harness.run()
    assert summary.outcome is SessionOutcome.NOTHING_TO_DO
    assert summary.exit_status == 0
    assert "lock" not in harness.control.calls
    assert harness.control.rows == []
    assert harness.control.stop_rows == 0
    assert harness.transfers == []
    assert harness.store.states == dict.fromkeys(PATHS, FileState.VALID)


def test_invalid_files_end_the_delivery_with_problems_and_their_reasons() -> None:
    harness = Harness()
    harness.control.verdicts["b.fits"] = ("failure", "incorrect crc32 checksum")
    summary = harness.run()
    assert summary.outcome is SessionOutcome.WITH_PROBLEMS
    assert summary.exit_status == 1
    assert summary.problems == (("b.fits", "invalid", "incorrect crc32 checksum"),)
    assert harness.control.stop_rows == 1


def test_a_failed_upload_is_a_final_state_with_its_reason() -> None:
    harness = Harness(outcomes={"c.fits": "fail:the file vanished"})
    summary = harness.run()
    assert summary.outcome is SessionOutcome.WITH_PROBLEMS
    assert summary.problems == (("c.fits", "failed", "the file vanished"),)
    assert ("c.fits", "error") in harness.control.transfer_rows()


def test_more_than_ten_validation_failures_stop_the_delivery() -> None:
    paths = [f"f{n:02d}.fits" for n in range(14)]
    harness = Harness(request=request(paths), outcomes={"f13.fits": "hold"})
    for path in paths:
        harness.control.verdicts[path] = ("failure", "bad")
    summary = harness.run()
    assert summary.outcome is SessionOutcome.TOO_MANY_FAILURES
    assert summary.exit_status == 1
    assert "11 files failed validation" in summary.message
    assert harness.transfer.closed == 1
    assert harness.control.stop_rows == 1


def test_the_validator_stopping_early_stops_the_session_with_its_reason() -> None:
    harness = Harness(outcomes={"c.fits": "hold"})
    harness.control.pipeline_rows = [
        row("shutdown", "self", "error", "summary: exiting due to unhandled exception")
    ]
    summary = harness.run()
    assert summary.outcome is SessionOutcome.VALIDATOR_STOPPED
    assert summary.exit_status == 3
    assert "exiting due to unhandled exception" in summary.message
    assert harness.control.stop_rows == 1


def test_a_lost_lock_stops_the_session_without_releasing_it() -> None:
    harness = Harness(outcomes={"c.fits": "hold"})
    harness.control.after_transfer_row = lambda path, status: harness.control.lose_lock()
    summary = harness.run()
    assert summary.outcome is SessionOutcome.LOCK_LOST
    assert summary.exit_status == 3
    assert "someoneelse" in summary.message
    assert harness.control.released == 0
    assert harness.control.stop_rows == 1


def test_a_second_ok_for_a_path_is_never_written() -> None:
    harness = Harness(outcomes={"c.fits": "hold"})
    harness.control.verdicts = {}

    def report_twice(path: str, status: str) -> None:
        if path == "a.fits" and status == "ok":
            harness.control.after_transfer_row = None
            harness.transfer.report_ok_again("a.fits")
            harness.control.push(*(row("validation", p) for p in PATHS[:2]))
            harness.transfer.end_run()

    harness.control.after_transfer_row = report_twice
    harness.outcomes["c.fits"] = "hold"
    summary = harness.run()
    assert harness.control.transfer_rows().count(("a.fits", "ok")) == 1
    warnings = [e.detail for e in harness.events.of(WarningRaised)]  # type: ignore[attr-defined]
    assert any("already reported uploaded" in text for text in warnings)
    assert summary.outcome is SessionOutcome.FAILED  # c.fits was never sent: not complete


def test_no_transfer_row_for_files_the_archive_has_or_after_everything_is_validated() -> None:
    harness = Harness(
        control=FakeControl(
            scan=ResumeScan(valid=("a.fits",), never_validated=("b.fits", "c.fits"))
        )
    )
    harness.control.verdicts = {"b.fits": ("ok", ""), "c.fits": ("ok", "")}

    def late_reports(path: str, status: str) -> None:
        if path == "c.fits":
            harness.control.after_transfer_row = None
            harness.transfer.report_ok_again("a.fits")  # will_transfer=False
            # ... and an error report after every file was validated
            harness.transfer.wiring.on_attempt_ended(
                TransferAttemptEnded("b.fits", is_ok=False, message="late")
            )

    harness.control.after_transfer_row = late_reports
    summary = harness.run()
    assert summary.outcome is SessionOutcome.ALL_VALID
    assert harness.control.uploaded_will_transfer == {
        "a.fits": False,
        "b.fits": True,
        "c.fits": True,
    }
    assert harness.control.transfer_rows() == [("b.fits", "ok"), ("c.fits", "ok")]
    assert harness.transfer.runs == [["b.fits", "c.fits"]]


def test_a_bug_ends_the_session_cleanly_with_its_traceback() -> None:
    harness = Harness()

    def explode(transfers: FakeTransfers) -> None:
        raise ZeroDivisionError("division by zero in the engine")

    engine = harness.build()
    original = harness.make_transfers

    def make(wiring: TransferWiring) -> TransferPort:
        transfers = original(wiring)
        assert isinstance(transfers, FakeTransfers)
        transfers.on_start = explode
        return transfers

    engine._transfers = make  # type: ignore[assignment]
    summary = engine.run()
    assert summary.outcome is SessionOutcome.CRASHED
    assert summary.exit_status == 3
    (crash,) = harness.events.of(SessionCrashed)
    assert "ZeroDivisionError" in crash.traceback_text  # type: ignore[attr-defined]
    assert harness.control.stop_rows == 1
    assert harness.control.released == 1
    assert harness.store.outcome == SessionOutcome.CRASHED.value


def test_bad_input_sends_nothing() -> None:
    harness = Harness()

    def refuse() -> DeliveryRequest:
        raise ProblemsFound([Problem("index.csv", "the index lists no files", line=1)])

    engine = SessionEngine(
        refuse,
        control=harness.control,
        store=harness.store,
        transfers=harness.make_transfers,
        emit=harness.events,
    )
    summary = engine.run()
    assert summary.outcome is SessionOutcome.BAD_INPUT
    assert summary.exit_status == 2
    assert "index.csv line 1" in summary.message
    assert harness.control.calls == ["close"]


def lock_held_by(agent_id: str) -> LockHeldElsewhere:
    listed = ListedLock("lock/client", len(agent_id), datetime.now(UTC), '"e"')
    return LockHeldElsewhere("held", LockCheck(LockStatus.LOCKED, listed, agent_id, 30.0))


@pytest.mark.parametrize(("used_here", "where"), [(True, "this computer"), (False, "another")])
def test_a_lock_held_elsewhere_ends_as_archive_busy_naming_its_holder(
    used_here: bool, where: str
) -> None:
    store = FakeStore(used_agent_ids={"qwertyuiopa"} if used_here else set())
    harness = Harness(control=FakeControl(lock_error=lock_held_by("qwertyuiopa")), store=store)
    summary = harness.run()
    assert summary.outcome is SessionOutcome.ARCHIVE_BUSY
    assert summary.exit_status == 3
    assert f"uploader agent qwertyuiopa on {where}" in summary.message
    assert "30 s ago" in summary.message
    holder = ended(harness).lock_holder
    assert holder is not None
    assert (holder.agent_id, holder.is_this_computer) == ("qwertyuiopa", used_here)
    assert (holder.dataset, holder.delivery_id) == ("fake_set", "0007")
    assert harness.control.stop_rows == 0
    assert harness.control.released == 0  # the other's lock is never deleted
    assert ended(harness).to_json_dict()["lock_holder"]["agent_id"] == "qwertyuiopa"


def test_files_no_filetype_matches_fail_preflight_before_connecting() -> None:
    harness = Harness(request=request(["a.fits", "notes.txt"]))
    summary = harness.run()
    assert summary.outcome is SessionOutcome.BAD_INPUT
    assert "notes.txt" in summary.message
    assert "connect" not in harness.control.calls


def test_a_lock_held_elsewhere_means_could_not_run_and_no_stop_row() -> None:
    harness = Harness(control=FakeControl(lock_error=FatalError("held by qwertyuiopa")))
    summary = harness.run()
    assert summary.outcome is SessionOutcome.COULD_NOT_RUN
    assert summary.exit_status == 3
    assert "qwertyuiopa" in summary.message
    assert harness.control.stop_rows == 0
    assert harness.control.released == 0
    assert "pipeline" not in harness.control.calls


def test_stop_during_the_transfer_keeps_parts_and_exits_130() -> None:
    harness = Harness(outcomes={"c.fits": "hold"})
    harness.control.after_transfer_row = lambda path, status: harness.engine.commands.stop()  # type: ignore[union-attr]
    summary = harness.run()
    assert summary.outcome is SessionOutcome.INTERRUPTED
    assert summary.exit_status == 130
    assert harness.transfer.closed == 1
    assert harness.control.stop_rows == 1
    assert harness.control.released == 1


def test_stop_before_the_transfer_takes_no_lock() -> None:
    harness = Harness()
    original = harness.control.connect

    def connect_then_stop(dataset: str, delivery_id: str, transfer_type: str):  # type: ignore[no-untyped-def]
        harness.engine.commands.stop()  # type: ignore[union-attr]
        return original(dataset, delivery_id, transfer_type)

    harness.control.connect = connect_then_stop  # type: ignore[method-assign]
    summary = harness.run()
    assert summary.outcome is SessionOutcome.INTERRUPTED
    assert "lock" not in harness.control.calls


def test_cancel_discards_and_ends_the_session() -> None:
    harness = Harness(outcomes={"c.fits": "hold"})
    harness.control.after_transfer_row = lambda path, status: harness.engine.commands.cancel()  # type: ignore[union-attr]
    summary = harness.run()
    assert summary.outcome is SessionOutcome.CANCELLED
    assert "cancel" in harness.transfer.commands


def test_retry_failed_files_sends_them_again_in_a_new_run() -> None:
    harness = Harness(outcomes={"b.fits": "fail:connection reset", "c.fits": "hold"})

    def retry_after_failure(path: str, status: str) -> None:
        if path == "b.fits" and status == "error":
            harness.control.after_transfer_row = None
            harness.engine.commands.retry_failed()  # type: ignore[union-attr]
            harness.outcomes["b.fits"] = "ok"
            harness.outcomes["c.fits"] = "ok"
            harness.transfer.end_run()
            harness.transfer.wiring.tracker.transition("c.fits", FileState.PENDING)
            harness.transfer.wiring.tracker.transition("c.fits", FileState.TRANSFERRING)
            harness.transfer._outcome("c.fits", "ok")

    harness.control.after_transfer_row = retry_after_failure
    summary = harness.run()
    assert summary.outcome is SessionOutcome.ALL_VALID
    assert harness.transfer.runs == [PATHS, ["b.fits"]]
    assert harness.control.transfer_rows().count(("b.fits", "ok")) == 1


def test_pause_resume_and_settings_reach_the_transfer_engine() -> None:
    harness = Harness(outcomes={"c.fits": "hold"})
    engine = harness.build()
    engine.commands.set_concurrency(8)
    engine.commands.pause()

    def resume_then_finish(path: str, status: str) -> None:
        if path == "b.fits":
            harness.control.after_transfer_row = None
            engine.commands.resume()
            engine.commands.set_bandwidth_limit(1e6)
            engine.commands.stop()

    harness.control.after_transfer_row = resume_then_finish
    engine.run()
    commands = harness.transfer.commands
    assert commands[:2] == ["concurrency 8", "pause"]
    assert "resume" in commands
    assert "bandwidth 1000000.0" in commands
    # The session says it is paused only once the transfer was told, and says so again after.
    states = [e.state for e in harness.events.of(SessionStateChanged)]  # type: ignore[attr-defined]
    running = states[states.index("paused") :]
    assert running[:3] == ["paused", "transferring", "stopping"]
    assert "transferring" not in states[: states.index("paused")]


def test_stop_answers_an_open_question_with_its_default_so_the_session_can_end() -> None:
    commands = SessionCommands()
    log: list[Event] = []
    emit = noting_questions(commands, log.append)
    answered: list[str | None] = []

    def asker() -> None:
        answered.append(
            ask(
                emit,
                question_id="takeover",
                title="Lock held",
                text="Another uploader holds the lock. Take it over?",
                choices=("take over", "stop"),
                default_choice="stop",
                timeout_s=None,
            )
        )

    thread = threading.Thread(target=asker)
    thread.start()
    wait_until(lambda: bool(log), "the question to be asked")
    commands.stop()
    thread.join(5)
    assert answered == ["stop"]
    assert commands.is_stop_requested
    assert not commands.is_cancel_requested
    # A question asked after stop was given is answered at once as well.
    later = threading.Thread(target=asker)
    later.start()
    later.join(5)
    assert answered == ["stop", "stop"]


def test_commands_refuse_settings_that_make_no_sense() -> None:
    commands = SessionCommands()
    with pytest.raises(ValueError, match="at least 1"):
        commands.set_concurrency(0)
    with pytest.raises(ValueError, match="positive"):
        commands.set_bandwidth_limit(0)
    commands.set_bandwidth_limit(None)  # no limit


def test_a_silent_validator_is_given_up_on() -> None:
    harness = Harness(outcomes={"c.fits": "hold"})
    harness.settings = RunSettings(tick_s=0.01, validator_silence_timeout_s=300)

    harness.control.verdicts = {}

    def time_passes(path: str, status: str) -> None:
        if path == "b.fits":
            harness.clock.now_s += 301

    harness.control.after_transfer_row = time_passes
    summary = harness.run()
    assert summary.outcome is SessionOutcome.VALIDATOR_STOPPED
    assert "wrote nothing for 301 s" in summary.message


def test_a_stopped_transfer_run_fails_the_session() -> None:
    harness = Harness(outcomes={"c.fits": "hold"})

    def stop_run(path: str, status: str) -> None:
        if path == "b.fits":
            harness.transfer.run_message = "the state store is unwritable"
            harness.transfer.end_run("stopped")

    harness.control.after_transfer_row = stop_run
    summary = harness.run()
    assert summary.outcome is SessionOutcome.FAILED
    assert summary.message == "the state store is unwritable"


def test_resuming_our_own_interrupted_session_reuses_the_agent_id() -> None:
    harness = Harness(store=FakeStore(previous_agent_id="oldagentidx"))
    harness.control.lock_was_ours = True
    harness.run()
    assert harness.store.started_agent == "oldagentidx"
    assert harness.control.may_end_own_validator is True


def test_an_unwritable_store_means_the_session_could_not_run() -> None:
    harness = Harness(
        store=FakeStore(
            known={
                p: KnownFile(FileFingerprint(p, 10 + n, 1_000 + n, n + 1), FileState.DONE)
                for n, p in enumerate(PATHS)
            },
            is_unwritable=True,
        )
    )
    summary = harness.run()
    assert summary.outcome is SessionOutcome.COULD_NOT_RUN
    assert "unwritable" in summary.message


def test_a_pipeline_that_does_not_start_still_ends_with_one_stop_row() -> None:
    harness = Harness(
        control=FakeControl(pipeline_error=FatalError("the init step failed (task launch)"))
    )
    summary = harness.run()
    assert summary.outcome is SessionOutcome.COULD_NOT_RUN
    assert "task launch" in summary.message
    assert harness.control.rows == [("stop", "self", "ok", None)]
    assert harness.control.released == 1
    assert harness.transfers == []


def test_an_illegal_transition_is_a_crash_not_an_ordinary_failure() -> None:
    harness = Harness()

    def bad_run(transfers: FakeTransfers) -> None:
        transfers.wiring.tracker.transition("a.fits", FileState.DONE)  # ready -> done: a bug

    harness.on_start = bad_run
    summary = harness.run()
    assert summary.outcome is SessionOutcome.CRASHED
    assert summary.exit_status == 3
    (crash,) = harness.events.of(SessionCrashed)
    assert "IllegalTransitionError" in crash.message  # type: ignore[attr-defined]
    assert "ready → done" in crash.traceback_text  # type: ignore[attr-defined]
    assert not issubclass(IllegalTransitionError, UploaderError)


def test_a_bug_reported_from_another_thread_ends_the_session_as_crashed() -> None:
    harness = Harness(outcomes={"c.fits": "hold"})

    def bug_on_a_worker(transfers: FakeTransfers) -> None:
        def worker() -> None:
            try:
                {}["no such key"]
            except KeyError as exc:
                transfers.wiring.report_bug(exc)

        threading.Thread(target=worker, name="transfer-worker-1").start()

    harness.on_start = bug_on_a_worker
    summary = harness.run()
    assert summary.outcome is SessionOutcome.CRASHED
    (crash,) = harness.events.of(SessionCrashed)
    assert crash.message == "internal error: KeyError: 'no such key'"  # type: ignore[attr-defined]
    assert "in worker" in crash.traceback_text  # type: ignore[attr-defined]
    # It ended the way every session ends: transfer closed, control channel closed, receipt.
    assert harness.transfer.closed == 1
    assert harness.control.stop_rows == 1
    assert harness.control.released == 1
    assert harness.receipts.written


def is_offline(harness: Harness) -> bool:
    states = [event.state for event in harness.events.of(SessionStateChanged)]
    return bool(states) and states[-1] == SessionState.OFFLINE.value


def test_an_archive_gone_for_longer_than_the_offline_timeout_stops_resumably() -> None:
    harness = Harness(outcomes={"c.fits": "hold"})
    harness.settings = RunSettings(tick_s=0.01, offline_timeout_s=600)

    def hour_passes_offline() -> None:
        wait_until(lambda: is_offline(harness), "the session waiting for the network")
        harness.clock.now_s += 601

    def network_goes(path: str, status: str) -> None:
        if path == "b.fits":
            harness.transfer.wiring.emit(ArchiveUnreachable("cannot reach the archive", 1.0))
            threading.Thread(target=hour_passes_offline, daemon=True).start()

    harness.control.after_transfer_row = network_goes
    summary = harness.run()
    assert summary.outcome is SessionOutcome.OFFLINE
    assert summary.exit_status == 3
    assert "could not be reached for 10 min" in summary.message
    assert "run again to resume" in summary.message
    states = [event.state for event in harness.events.of(SessionStateChanged)]
    assert SessionState.OFFLINE.value in states


def test_while_offline_the_validators_silence_is_not_held_against_it() -> None:
    harness = Harness(outcomes={"c.fits": "hold"})
    harness.settings = RunSettings(tick_s=0.01, validator_silence_timeout_s=300)

    def offline_for_500_s_then_back() -> None:
        wait_until(lambda: is_offline(harness), "the session waiting for the network")
        harness.clock.now_s += 500  # far past the validator's silence limit
        harness.transfer.wiring.emit(ArchiveReachable(500.0))
        wait_until(lambda: not is_offline(harness), "the session transferring again")
        harness.transfer.outcomes["c.fits"] = "ok"
        harness.transfer.start([next(f for f in harness.request.files if f.path == "c.fits")])

    def network_goes(path: str, status: str) -> None:
        if path == "b.fits":
            harness.transfer.wiring.emit(ArchiveUnreachable("cannot reach the archive", 8.0))
            threading.Thread(target=offline_for_500_s_then_back, daemon=True).start()

    harness.control.after_transfer_row = network_goes
    summary = harness.run()
    assert summary.outcome is SessionOutcome.ALL_VALID
    assert harness.control.reachable_again == 1  # the client log and tail retry at once
    changes = harness.events.of(SessionStateChanged)
    offline = [event.detail for event in changes if event.state == SessionState.OFFLINE.value]
    assert offline[0].startswith("resumes when the archive is reachable; trying again in 8 s")


def test_retry_now_while_offline_brings_the_probe_forward_and_is_ignored_online() -> None:
    harness = Harness(outcomes={"c.fits": "hold"})
    harness.settings = RunSettings(tick_s=0.01)

    def press_retry_now_then_come_back() -> None:
        harness.engine.commands.retry_now()  # type: ignore[union-attr]  # online: nothing to do
        harness.transfer.wiring.emit(ArchiveUnreachable("cannot reach the archive", 30.0))
        wait_until(lambda: is_offline(harness), "the session waiting for the network")
        harness.engine.commands.retry_now()  # type: ignore[union-attr]
        wait_until(lambda: "probe now" in harness.transfer.commands, "the probe brought forward")
        harness.transfer.wiring.emit(ArchiveReachable(3.0))
        harness.transfer.outcomes["c.fits"] = "ok"
        harness.transfer.start([next(f for f in harness.request.files if f.path == "c.fits")])

    def network_goes(path: str, status: str) -> None:
        if path == "b.fits":
            threading.Thread(target=press_retry_now_then_come_back, daemon=True).start()

    harness.control.after_transfer_row = network_goes
    summary = harness.run()
    assert summary.outcome is SessionOutcome.ALL_VALID
    assert harness.transfer.commands.count("probe now") == 1
