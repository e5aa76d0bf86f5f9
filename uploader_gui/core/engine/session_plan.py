"""Which files a session sends, skips or resumes, decided before the lock is taken.

Three views of every file meet here: the index as it is now (its `FileFingerprint`: size,
mtime and CRC32 on disk), what the state store remembers from earlier sessions (`KnownFile`), and
what the archive says (`ResumeScan`, PROTOCOL.md §9 plus size and CRC32 checks).
`plan_session` turns them into one plan:

- A file whose fingerprint (size, mtime, CRC32 when both sides have one) differs from what the
  store remembers has changed on disk: it is sent again from scratch (its multipart parts
  describe the old content), even if the archive holds a valid copy of the old one.
- A file the archive holds as valid (and unchanged) is skipped: `valid`, `will_transfer=False`.
- Every other file is sent. One interrupted mid-transfer (`transferring`, `pending`,
  `retrying`) becomes `paused`, which keeps its multipart parts; `paused` and `failed` files
  stay as they are (the transfer engine resumes them); anything uploaded or judged in an earlier
  session (`done`, `valid`, `invalid`) goes back to `ready`, as the validator of this session
  has not seen it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.engine.file_states import ALLOWED_TRANSITIONS, FileState
from uploader_gui.core.protocol.resume_plan import ResumeScan

CHANGED_ON_DISK = "changed on disk since the last session; sent again"
VALID_BEFORE = "validated in an earlier session; unchanged"
SENT_AGAIN = "sent again: {why}"
INTERRUPTED = "interrupted in an earlier session; resuming"

_KEEPS_PARTS = frozenset({FileState.PAUSED, FileState.FAILED, FileState.READY})
_INTERRUPTED = frozenset({FileState.TRANSFERRING, FileState.PENDING, FileState.RETRYING})


@dataclass(frozen=True, slots=True)
class KnownFile:
    """What the state store remembers about a file from earlier sessions."""

    file: FileFingerprint
    state: FileState


@dataclass(frozen=True, slots=True)
class Transition:
    """A state change to apply at session start (one or two steps, through `ready`)."""

    path: str
    steps: tuple[FileState, ...]
    reason: str


@dataclass(frozen=True)
class SessionPlan:
    """Everything the session does with its files before the first byte moves."""

    new_files: tuple[FileFingerprint, ...]  # not yet in the store: register them
    new_valid_files: tuple[FileFingerprint, ...]  # not in the store and valid on the archive
    changed: tuple[FileFingerprint, ...]  # fingerprint differs from the store's
    transitions: tuple[Transition, ...]
    will_transfer: Mapping[str, bool]
    to_send: tuple[FileFingerprint, ...]  # in index order
    valid_before: int
    notes: tuple[str, ...] = field(default=())

    @property
    def bytes_to_send(self) -> int:
        return sum(file.size_bytes for file in self.to_send)

    @property
    def has_work(self) -> bool:
        return bool(self.to_send)


def steps_to(current: FileState, target: FileState) -> tuple[FileState, ...]:
    """The legal steps from `current` to `target`: none, direct, or through `ready`."""
    if current is target:
        return ()
    if target in ALLOWED_TRANSITIONS[current]:
        return (target,)
    return (FileState.READY, target)


def _target_for_resend(state: FileState) -> FileState:
    if state in _INTERRUPTED:
        return FileState.PAUSED
    if state in _KEEPS_PARTS:
        return state
    return FileState.READY


def _reason_for_resend(path: str, scan: ResumeScan) -> str:
    why = scan.changed.get(path) or scan.invalid.get(path)
    if why:
        return SENT_AGAIN.format(why=why)
    if path in scan.missing:
        return SENT_AGAIN.format(why="validated before but no longer in the archive")
    return ""


@dataclass
class _Planner:
    scan: ResumeScan
    new_files: list[FileFingerprint] = field(default_factory=list)
    new_valid_files: list[FileFingerprint] = field(default_factory=list)
    changed: list[FileFingerprint] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    will_transfer: dict[str, bool] = field(default_factory=dict)
    to_send: list[FileFingerprint] = field(default_factory=list)
    valid_before: int = 0

    def add(self, file: FileFingerprint, known: KnownFile | None) -> None:
        is_changed = known is not None and file.has_changed_from(known.file)
        is_valid = not is_changed and not self.scan.will_transfer(file.path)
        self.will_transfer[file.path] = not is_valid
        if is_valid:
            self.valid_before += 1
        else:
            self.to_send.append(file)
        if known is None:
            (self.new_valid_files if is_valid else self.new_files).append(file)
            return
        if is_changed:
            self.changed.append(file)
            self._move(file.path, known.state, FileState.READY, CHANGED_ON_DISK)
        elif is_valid:
            self._move(file.path, known.state, FileState.VALID, VALID_BEFORE)
        else:
            target = _target_for_resend(known.state)
            reason = _reason_for_resend(file.path, self.scan)
            if target is FileState.PAUSED:
                reason = INTERRUPTED
            self._move(file.path, known.state, target, reason)

    def _move(self, path: str, current: FileState, target: FileState, reason: str) -> None:
        steps = steps_to(current, target)
        if steps:
            self.transitions.append(Transition(path, steps, reason))


def plan_session(
    files: Sequence[FileFingerprint], known: Mapping[str, KnownFile], scan: ResumeScan
) -> SessionPlan:
    """The plan for `files` (the current index, in order); see the module docstring."""
    planner = _Planner(scan)
    for file in files:
        planner.add(file, known.get(file.path))
    return SessionPlan(
        new_files=tuple(planner.new_files),
        new_valid_files=tuple(planner.new_valid_files),
        changed=tuple(planner.changed),
        transitions=tuple(planner.transitions),
        will_transfer=planner.will_transfer,
        to_send=tuple(planner.to_send),
        valid_before=planner.valid_before,
        notes=tuple(_notes(scan, planner.changed)),
    )


def _notes(scan: ResumeScan, changed: Iterable[FileFingerprint]) -> list[str]:
    notes = scan.summary_lines()
    changed_count = sum(1 for _ in changed)
    if changed_count:
        notes.append(
            f"{changed_count:,} files changed on disk since the last session; "
            "they will be uploaded again"
        )
    return notes
