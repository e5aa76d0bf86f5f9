"""The ports the session engine drives (DESIGN.md §1): control channel, transfer engine, state
store, receipts, and where a delivery's inputs come from.

Adapters in `uploader_gui/session/` implement them over `fast/`, `transfer/` and `store/`; unit
tests implement them in memory. Every method may raise the core error classes: `FatalError`
(the session stops), `RetryableError` (the archive cannot be reached right now: the session
cannot run), `UserInputError`/`ProblemsFound` (bad input, nothing sent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.delivery.index_file import IndexEntry
from uploader_gui.core.delivery.label import Label
from uploader_gui.core.engine.file_states import FileState, FileStateSink, FileTracker
from uploader_gui.core.engine.session_plan import KnownFile
from uploader_gui.core.events import Event, TransferAttemptEnded
from uploader_gui.core.protocol.log_rows import LogRow
from uploader_gui.core.protocol.naming import DeliveryNames
from uploader_gui.core.protocol.resume_plan import ResumeScan

RowsHandler = Callable[[list[LogRow]], None]
LockLostHandler = Callable[[str], None]
EmitEvent = Callable[[Event], None]


@dataclass(frozen=True)
class DeliveryRequest:
    """One delivery to send: who, what, from where, and the files as they are now."""

    profile_name: str
    label: Label
    transfer_type: str
    source_root: str
    files: tuple[FileFingerprint, ...]
    # The index as the archive receives it (paths and the provider's checksums, if any).
    index_entries: tuple[IndexEntry | FileFingerprint, ...]
    label_path: str = ""
    index_path: str = ""


class RequestLoader(Protocol):
    """Reads the label and the index (or indexes the folder); runs on the engine thread."""

    def __call__(self) -> DeliveryRequest: ...


@dataclass(frozen=True, slots=True)
class ArchiveInfo:
    """What connecting told us: the delivery's names and the archive's settings."""

    names: DeliveryNames
    bucket_stem: str
    az_id: str
    lock_staleness_threshold_s: float


@dataclass(frozen=True, slots=True)
class LockAcquired:
    """The lock is ours; `was_ours_already` when it held our agent id (an interrupted session)."""

    agent_id: str
    was_ours_already: bool


class ControlChannel(Protocol):
    """The FAST control channel of one delivery (PROTOCOL.md §3–§5, §7, §9)."""

    @property
    def is_lock_held(self) -> bool: ...

    def connect(self, dataset: str, delivery_id: str, transfer_type: str) -> ArchiveInfo:
        """Credentials and the network configuration."""

    def scan_for_resume(
        self, entries: Sequence[IndexEntry | FileFingerprint], local_sizes: Mapping[str, int]
    ) -> ResumeScan:
        """§9 (sizes on disk compared too); raises `NothingToDo` when every file is valid."""

    def acquire_lock(self, agent_id: str | None) -> LockAcquired:
        """Take `lock/client` as `agent_id` (a new one when None)."""

    def record_validator_log_start(self) -> None:
        """Remember the validator log's size: rows of this session are read from there."""

    def upload_label_and_index(
        self,
        label: Label,
        entries: Sequence[IndexEntry | FileFingerprint],
        will_transfer: Mapping[str, bool],
    ) -> None: ...

    def start_pipeline(self, *, may_end_own_validator: bool) -> list[LogRow]:
        """Invoke the init step once and wait for "validation pipeline started".

        Returns the validator rows read meanwhile. With `may_end_own_validator`, a validator
        still running for our own interrupted session may be told to stop first.
        """

    def open_client_log(self) -> None:
        """Start the client log and write `init/self/ok "transfer application started"`."""

    def write_row(self, category: str, ref: str, status: str, message: object = None) -> None:
        """Buffer one client-log row (never blocks on the network)."""

    def start_background(self, *, on_rows: RowsHandler, on_lock_lost: LockLostHandler) -> None:
        """Keep-alive and heartbeat rows, lock refresh and the validator tail, each on its own
        timer, independent of uploads."""

    def archive_reachable(self) -> None:
        """After an outage: background work waiting out a fault's delay tries again now."""

    def close(self) -> None:
        """Stop the background work, write the one `stop` row if the log was opened, and
        release the lock if we hold it. Safe to call more than once and at any point."""


@dataclass(frozen=True, slots=True)
class OpenedDelivery:
    """The store's record of this delivery: its key, our earlier agent id, its files."""

    key: int
    previous_agent_id: str
    known_files: Mapping[str, KnownFile]


class SessionStore(Protocol):
    """The state store, for one delivery (opened once per session)."""

    @property
    def file_state_sink(self) -> FileStateSink: ...

    def open_delivery(self, request: DeliveryRequest) -> OpenedDelivery: ...

    def register_files(self, files: Iterable[FileFingerprint], state: FileState) -> None: ...

    def record_fingerprint(self, file: FileFingerprint) -> None: ...

    def file_states(self) -> Iterable[tuple[str, FileState]]: ...

    def set_state(self, state: str) -> None: ...

    def mark_started(self, agent_id: str) -> None: ...

    def has_used_agent_id(self, agent_id: str) -> bool:
        """True if a delivery recorded here (this computer, this account) was sent as it."""

    def mark_ended(self, outcome: str) -> None: ...


class TransferPort(Protocol):
    """The transfer engine. `start` begins a run over `files`; commands never block."""

    def start(self, files: Sequence[FileFingerprint]) -> None: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def cancel(self) -> None: ...

    def set_concurrency(self, count: int) -> None: ...

    def set_bandwidth_limit(self, bytes_per_s: float | None) -> None: ...

    def probe_now(self) -> None:
        """While the archive is unreachable: send the next probe now, not at its backoff."""

    def close(self, timeout_s: float) -> None:
        """Pause, let parts being sent finish, and stop the threads (files end up paused)."""


@dataclass(frozen=True)
class TransferWiring:
    """What a transfer engine needs from the session.

    `emit` takes every event of the engine (progress, `TransferRunEnded`, ...);
    `on_attempt_ended` is called after the file's state was saved (`done` before `ok`);
    `report_bug` is told of a bug on any of the engine's threads (the session ends crashed).
    """

    tracker: FileTracker
    transfer_bucket: str
    emit: EmitEvent
    on_attempt_ended: Callable[[TransferAttemptEnded], None]
    report_bug: Callable[[BaseException], None]


class TransferFactory(Protocol):
    def __call__(self, wiring: TransferWiring) -> TransferPort: ...


class ReceiptSink(Protocol):
    """Writes the receipt of a finished session; returns the paths written."""

    def write_receipt(self, delivery_key: int) -> tuple[str, ...]: ...
