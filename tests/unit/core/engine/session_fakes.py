"""In-memory stand-ins for the session engine's ports, for the sequencing and finish-rule tests.

They behave like a tiny archive: the control channel answers a `transfer ok` row with the
validator's verdict (scripted per path), the transfer engine sends files at once (each file's
attempt outcome scripted), and everything runs on the test's own thread through the engine's
inbox, so each test is deterministic and needs no sleeps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tests.unit.core.delivery.label_texts import fits_label_text
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.delivery.index_file import IndexEntry
from uploader_gui.core.delivery.label import Label, parse_label_text
from uploader_gui.core.engine.file_states import FileState, FileStateSink
from uploader_gui.core.engine.ports import (
    ArchiveInfo,
    DeliveryRequest,
    LockAcquired,
    LockLostHandler,
    OpenedDelivery,
    RowsHandler,
    TransferWiring,
)
from uploader_gui.core.engine.session_plan import KnownFile
from uploader_gui.core.errors import FatalError
from uploader_gui.core.events import Event, TransferAttemptEnded, TransferRunEnded
from uploader_gui.core.protocol.log_rows import LogRow, format_log_time
from uploader_gui.core.protocol.naming import DeliveryNames
from uploader_gui.core.protocol.resume_plan import NothingToDo, ResumeScan

NAMES = DeliveryNames.build(
    stem="stem",
    az_id="use1-az4",
    config_bucket="stem-config",
    dataset="fake_set",
    delivery_id="0007",
    transfer_type="staging",
)


def label() -> Label:
    return parse_label_text(fits_label_text("fake_set", "0007"), "label.yaml")


def request(paths: Sequence[str], *, crc: bool = True) -> DeliveryRequest:
    files = tuple(
        FileFingerprint(path, 10 + n, 1_000 + n, (n + 1) if crc else None)
        for n, path in enumerate(paths)
    )
    return DeliveryRequest(
        profile_name="profile",
        label=label(),
        transfer_type="staging",
        source_root="/data",
        files=files,
        index_entries=tuple(FileFingerprint(f.path, f.size_bytes, f.mtime_ns, None) for f in files),
    )


def row(category: str, ref: str, status: str = "ok", message: str = "") -> LogRow:
    return LogRow(format_log_time(datetime.now(UTC)), category, ref, status, message, "validatorx")


@dataclass
class FakeControl:
    """The control channel; `verdicts` maps path -> (status, message) for `transfer ok`."""

    verdicts: dict[str, tuple[str, str]] = field(default_factory=dict)
    reachable_again: int = 0  # archive_reachable() calls
    scan: ResumeScan | None = None
    lock_error: Exception | None = None
    lock_was_ours: bool = False
    pipeline_rows: list[LogRow] = field(default_factory=list)
    pipeline_error: Exception | None = None
    calls: list[str] = field(default_factory=list)
    rows: list[tuple[str, str, str, object]] = field(default_factory=list)
    on_rows: RowsHandler | None = None
    on_lock_lost: LockLostHandler | None = None
    is_log_open: bool = False
    is_lock_held: bool = False
    stop_rows: int = 0
    released: int = 0
    may_end_own_validator: bool | None = None
    uploaded_will_transfer: Mapping[str, bool] = field(default_factory=dict)
    after_transfer_row: Callable[[str, str], None] | None = None

    def connect(self, dataset: str, delivery_id: str, transfer_type: str) -> ArchiveInfo:
        self.calls.append("connect")
        return ArchiveInfo(NAMES, "stem", "use1-az4", 3600.0)

    def scan_for_resume(
        self, entries: Sequence[IndexEntry | FileFingerprint], local_sizes: Mapping[str, int]
    ) -> ResumeScan:
        self.calls.append("scan")
        scan = self.scan or ResumeScan(never_validated=tuple(e.path for e in entries))
        if scan.nothing_to_do:
            raise NothingToDo(scan)
        return scan

    def acquire_lock(self, agent_id: str | None) -> LockAcquired:
        self.calls.append("lock")
        if self.lock_error is not None:
            raise self.lock_error
        self.is_lock_held = True
        return LockAcquired(agent_id or "newagentidx", self.lock_was_ours)

    def record_validator_log_start(self) -> None:
        self.calls.append("validator log size")

    def upload_label_and_index(
        self,
        label: Label,
        entries: Sequence[IndexEntry | FileFingerprint],
        will_transfer: Mapping[str, bool],
    ) -> None:
        self.calls.append("label and index")
        self.uploaded_will_transfer = dict(will_transfer)

    def start_pipeline(self, *, may_end_own_validator: bool) -> list[LogRow]:
        self.calls.append("pipeline")
        self.may_end_own_validator = may_end_own_validator
        if self.pipeline_error is not None:
            raise self.pipeline_error
        return [row("init", "self", "ok", "validation pipeline started"), *self.pipeline_rows]

    def open_client_log(self) -> None:
        self.calls.append("client log")
        self.is_log_open = True
        self.rows.append(("init", "self", "ok", "transfer application started"))

    def write_row(self, category: str, ref: str, status: str, message: object = None) -> None:
        assert self.is_log_open
        assert self.stop_rows == 0, "a row after stop"
        self.rows.append((category, ref, status, message))
        if category == "transfer" and status == "ok" and ref in self.verdicts:
            verdict_status, text = self.verdicts[ref]
            self.push(row("validation", ref, verdict_status, text))
        if self.after_transfer_row is not None:
            self.after_transfer_row(ref, status)

    def start_background(self, *, on_rows: RowsHandler, on_lock_lost: LockLostHandler) -> None:
        self.calls.append("background")
        self.on_rows, self.on_lock_lost = on_rows, on_lock_lost

    def push(self, *rows: LogRow) -> None:
        assert self.on_rows is not None
        self.on_rows(list(rows))

    def lose_lock(self, message: str = "taken over by someoneelse") -> None:
        assert self.on_lock_lost is not None
        self.is_lock_held = False
        self.on_lock_lost(message)

    def archive_reachable(self) -> None:
        self.reachable_again += 1

    def close(self) -> None:
        self.calls.append("close")
        if (self.is_log_open or self.is_lock_held) and self.stop_rows == 0:
            self.stop_rows += 1
            self.rows.append(("stop", "self", "ok", None))
        if self.is_lock_held:
            self.released += 1
            self.is_lock_held = False

    def transfer_rows(self) -> list[tuple[str, str]]:
        return [(ref, status) for category, ref, status, _ in self.rows if category == "transfer"]


class _Sink(FileStateSink):
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def record_file_state(self, path: str, state: FileState, reason: str = "") -> None:
        if self._store.is_unwritable:
            raise FatalError("the store is unwritable")
        self._store.states[path] = state
        self._store.journal.append((path, state, reason))


@dataclass
class FakeStore:
    known: dict[str, KnownFile] = field(default_factory=dict)
    previous_agent_id: str = ""
    states: dict[str, FileState] = field(default_factory=dict)
    journal: list[tuple[str, FileState, str]] = field(default_factory=list)
    fingerprints: list[FileFingerprint] = field(default_factory=list)
    session_states: list[str] = field(default_factory=list)
    started_agent: str = ""
    outcome: str = ""
    is_unwritable: bool = False
    used_agent_ids: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.states.update({path: known.state for path, known in self.known.items()})

    @property
    def file_state_sink(self) -> FileStateSink:
        return _Sink(self)

    def open_delivery(self, request: DeliveryRequest) -> OpenedDelivery:
        return OpenedDelivery(1, self.previous_agent_id, dict(self.known))

    def register_files(self, files: Iterable[FileFingerprint], state: FileState) -> None:
        for file in files:
            assert file.path not in self.states
            self.states[file.path] = state

    def record_fingerprint(self, file: FileFingerprint) -> None:
        self.fingerprints.append(file)

    def file_states(self) -> Iterable[tuple[str, FileState]]:
        return list(self.states.items())

    def set_state(self, state: str) -> None:
        self.session_states.append(state)

    def mark_started(self, agent_id: str) -> None:
        self.started_agent = agent_id

    def mark_ended(self, outcome: str) -> None:
        self.outcome = outcome

    def has_used_agent_id(self, agent_id: str) -> bool:
        return agent_id in self.used_agent_ids


Outcome = str  # "ok", "fail:<message>", "retry:<message>", "hold" (no outcome yet)


class FakeTransfers:
    """Sends every file at once on `start`; `outcomes` maps path -> scripted outcome."""

    def __init__(self, wiring: TransferWiring, outcomes: dict[str, Outcome]) -> None:
        self.wiring = wiring
        self.outcomes = outcomes
        self.runs: list[list[str]] = []
        self.commands: list[str] = []
        self.on_start: Callable[[FakeTransfers], None] | None = None
        self.run_end: str = "finished"
        self.run_message: str = ""
        self.closed = 0

    def start(self, files: Sequence[FileFingerprint]) -> None:
        self.runs.append([file.path for file in files])
        if self.on_start is not None:
            self.on_start(self)
        tracker = self.wiring.tracker
        held = False
        for file in files:
            outcome = self.outcomes.get(file.path, "ok")
            if outcome == "hold":
                held = True
                continue
            if tracker.state(file.path) is not FileState.PENDING:
                tracker.transition(file.path, FileState.PENDING)
            tracker.transition(file.path, FileState.TRANSFERRING)
            self._outcome(file.path, outcome)
        if not held:
            self.end_run()

    def _outcome(self, path: str, outcome: Outcome) -> None:
        tracker = self.wiring.tracker
        if outcome == "ok":
            tracker.transition(path, FileState.DONE)
            self.wiring.on_attempt_ended(TransferAttemptEnded(path, is_ok=True))
            return
        kind, _, message = outcome.partition(":")
        if kind == "fail":
            tracker.transition(path, FileState.FAILED, reason=message)
        self.wiring.on_attempt_ended(
            TransferAttemptEnded(path, is_ok=False, message=message, will_retry=kind == "retry")
        )

    def end_run(self, outcome: str | None = None) -> None:
        self.wiring.emit(TransferRunEnded(outcome or self.run_end, 0, 0, self.run_message))

    def report_ok_again(self, path: str) -> None:
        self.wiring.on_attempt_ended(TransferAttemptEnded(path, is_ok=True))

    def pause(self) -> None:
        self.commands.append("pause")

    def resume(self) -> None:
        self.commands.append("resume")

    def cancel(self) -> None:
        self.commands.append("cancel")
        self.end_run("cancelled")

    def set_concurrency(self, count: int) -> None:
        self.commands.append(f"concurrency {count}")

    def set_bandwidth_limit(self, bytes_per_s: float | None) -> None:
        self.commands.append(f"bandwidth {bytes_per_s}")

    def probe_now(self) -> None:
        self.commands.append("probe now")

    def close(self, timeout_s: float) -> None:
        self.closed += 1


@dataclass
class FakeReceipts:
    written: list[int] = field(default_factory=list)

    def write_receipt(self, delivery_key: int) -> tuple[str, ...]:
        self.written.append(delivery_key)
        return (f"/receipts/{delivery_key}.json",)


@dataclass
class EventLog:
    events: list[Event] = field(default_factory=list)

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def of(self, kind: type[Event]) -> list[Event]:
        return [event for event in self.events if isinstance(event, kind)]
