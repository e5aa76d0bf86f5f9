"""Events the engine emits and the window or terminal renders (DESIGN.md §1–§2).

Every event is a frozen dataclass named in the past tense. Events carry plain data only, so
they can cross threads, be printed as JSON lines by the CLI and be applied in batches by the GUI.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from uploader_gui.core.protocol.log_rows import LogRow, readable_message


@dataclass(frozen=True, slots=True)
class Event:
    """Base class of every engine event."""

    def to_json_dict(self) -> dict[str, Any]:
        """The event as a JSON-ready dict with its type name under "event"."""
        data: dict[str, Any] = {"event": type(self).__name__}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if dataclasses.is_dataclass(value) and not isinstance(value, type):
                value = dataclasses.asdict(value)  # plain data inside an event (LockHolder)
            data[field.name] = value.value if hasattr(value, "value") else value
        return data


@dataclass(frozen=True, slots=True)
class WarningRaised(Event):
    """Something a person should know that changes no state (e.g. a verdict for an unknown path)."""

    message: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class IndexStarted(Event):
    """Indexing of a folder began."""

    root: str


@dataclass(frozen=True, slots=True)
class IndexProgressed(Event):
    """Throttled progress while listing and hashing a folder (at most every ~100–250 ms)."""

    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    rate_bytes_per_s: float
    # While listing (before any file is read): files found per second, and that it is listing.
    files_per_s: float = 0.0
    is_listing: bool = False


@dataclass(frozen=True, slots=True)
class IndexFilesFound(Event):
    """Files the walk listed since the last such event, as (path, size_bytes), in walk order.

    Throttled (a batch every ~2,000 files or ~100 ms). A file found may still be left out of
    the finished index (it vanished or changed when read): `IndexFinished`'s index is the
    authority on what is in it.
    """

    files: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class IndexEntrySkipped(Event):
    """A path left out of the index: junk (`is_junk`), excluded, or a problem to fix."""

    path: str
    reason: str
    is_junk: bool
    is_problem: bool = False


@dataclass(frozen=True, slots=True)
class IndexFinished(Event):
    """Indexing ended; counts of files listed and entries skipped."""

    root: str
    files: int
    bytes_total: int
    skipped: int
    problems: int


@dataclass(frozen=True, slots=True)
class FileStateChanged(Event):
    """A file's state changed, after the change was saved (states are `FileState` values)."""

    path: str
    old_state: str
    new_state: str
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class VerdictReceived(FileStateChanged):
    """The validator judged a file: the file's state change (`new_state` is `valid` or
    `invalid`), with the row's `status` and raw `message`.

    `reason` is the verdict as people read it (the validator's YAML report as `key: value`
    lines; empty for a valid file), made once on the engine thread.
    """

    status: str
    message: str


@dataclass(frozen=True, slots=True)
class LockLost(Event):
    """Our upload lock now holds another uploader's id: the session stops without deleting it."""

    lock_key: str
    message: str


@dataclass(frozen=True, slots=True)
class ValidatorRowReceived(Event):
    """A row read from the validator log; `readable_message` is the message as text for people."""

    time: str
    category: str
    ref: str
    status: str
    message: str
    readable_message: str
    agent_id: str

    @classmethod
    def of(cls, row: LogRow) -> ValidatorRowReceived:
        return cls(
            time=row.time,
            category=row.category,
            ref=row.ref,
            status=row.status,
            message=row.message,
            readable_message=readable_message(row.message),
            agent_id=row.agent_id,
        )


@dataclass(frozen=True, slots=True)
class FileTransferProgressed(Event):
    """Throttled byte progress of one file being sent (at most every ~100–250 ms per file).

    `bytes_done` counts parts already on the archive plus the bytes of this attempt sent so far;
    it goes back down when an attempt fails and its unfinished part is dropped.
    """

    path: str
    bytes_done: int
    size_bytes: int


@dataclass(frozen=True, slots=True)
class TransferProgressed(Event):
    """Throttled totals of a transfer run (at most every ~100–250 ms).

    `bytes_uploaded` went over the network in this run; `bytes_processed` also counts files
    skipped because they were already delivered and parts already on the archive, so a resumed
    delivery's bar starts where it stopped. `rate_files_per_s` counts files sent to the end (their
    per-file overhead included); `eta_s` is the longer of the bytes left over the byte speed and
    the files left over the file rate, None until there is a rate to divide by.
    """

    bytes_uploaded: int
    bytes_processed: int
    bytes_total: int
    files_finished: int
    files_total: int
    rate_bytes_per_s: float
    eta_s: float | None
    rate_files_per_s: float = 0.0


@dataclass(frozen=True, slots=True)
class TransferAttemptEnded(Event):
    """One attempt at sending a file ended: `ok`, or not (and `message` says why).

    Exactly one `ok` per path and transfer run; the session writes `transfer <path> ok|error`.
    `will_retry` tells whether the engine will try again by itself.
    """

    path: str
    is_ok: bool
    message: str = ""
    will_retry: bool = False


@dataclass(frozen=True, slots=True)
class TransferRunEnded(Event):
    """A transfer run stopped: `finished` (every file has an outcome), `cancelled`, or `stopped`
    (a `FatalError`, in `message`; unfinished files are paused and keep their parts)."""

    outcome: str
    files_done: int
    files_failed: int
    message: str = ""


@dataclass(frozen=True, slots=True)
class ArchiveUnreachable(Event):
    """Requests to the archive fail at the connection: the transfer stopped issuing work and
    probes it again in `next_probe_s` (`reason`: the last connection error)."""

    reason: str
    next_probe_s: float


@dataclass(frozen=True, slots=True)
class ArchiveReachable(Event):
    """The archive answered again after `offline_s` seconds; the transfer goes on by itself."""

    offline_s: float


@dataclass(frozen=True, slots=True)
class SessionStateChanged(Event):
    """The delivery session moved to another state (`SessionState` values); `detail` says what
    it is doing there, e.g. which step is running."""

    state: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class SessionPlanned(Event):
    """Before the lock: how many files this session sends, and what earlier sessions left.
    `delivery_key` is the state store's key of the delivery, where each file's timeline is."""

    files_total: int
    files_to_send: int
    bytes_to_send: int
    files_valid_before: int
    notes: tuple[str, ...] = ()
    delivery_key: int | None = None


@dataclass(frozen=True, slots=True)
class SessionCrashed(Event):
    """A bug on the engine thread: the session stops as for a FatalError; `traceback_text` is
    what a person copies into a report."""

    message: str
    traceback_text: str


@dataclass(frozen=True, slots=True)
class LockHolder:
    """Who held the archive's lock when a session could not take it (plain data).

    `agent_id` is the lock's text ("" when unreadable). `is_this_computer`: the id is one this
    computer's state store has delivered as (agent ids are random, so that is all there is to
    tell by); False means another computer, or another user account here. `written_at` is the
    lock object's LastModified (ISO 8601, UTC): its holder's last write, not when it first
    took it. `age_s` is how old that write was when seen.
    """

    lock_key: str
    agent_id: str
    is_this_computer: bool
    written_at: str
    age_s: float
    dataset: str
    delivery_id: str
    transfer_type: str


@dataclass(frozen=True, slots=True)
class SessionEnded(Event):
    """The session is over: its outcome (`SessionOutcome` value), final state, the reason, the
    files by final state, and the receipt files written (if any). `lock_holder` says who holds
    the lock when the archive was busy (outcome `archive busy`), else None."""

    outcome: str
    state: str
    message: str
    files_total: int
    files_valid: int
    files_invalid: int
    files_failed: int
    exit_status: int
    receipt_paths: tuple[str, ...] = ()
    lock_holder: LockHolder | None = None


@dataclass(frozen=True, slots=True)
class FileStatesLoaded(Event):
    """The session's files and the state each one starts in (after the resume plan), in index
    order: what a table or a terminal shows before the first change."""

    states: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class SignInUrlShown(Event):
    """A browser sign-in began: the address to open (the CLI prints it; `--json` readers
    open it themselves). It carries no secret: the PKCE challenge and state are public."""

    profile_name: str
    url: str
