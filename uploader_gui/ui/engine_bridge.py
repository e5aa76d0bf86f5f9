"""The bridge between worker threads and the window (DESIGN.md §2.4).

Any thread calls `put(event)` (a `queue.SimpleQueue`, no Qt involved). On the GUI thread a
`QTimer` drains the queue about ten times a second and applies everything that arrived as one
batch: new rows in one insert, state changes as one `dataChanged` per contiguous range, and at
most one of each Qt signal per drain. Nothing is signalled per event or per byte, which is what
keeps the window responsive at 50k files.

Each indexing run gets a generation number; events tagged with an older generation (a run that
was cancelled because another folder was dropped) are dropped when drained.

Rows stream in while a folder is indexed: each `IndexFilesFound` batch the walk reports is
appended (at most MAX_ROWS_PER_DRAIN rows a drain, in one insert, so the model sorts once a
drain). The finished index is the authority: when it arrives, rows it left out (a file that
vanished or changed when read) are removed and the rest are added or corrected, so the table
ends with exactly its files. A run that is cancelled or fails takes its rows with it. That check
is spread over drains by time (CHECK_BUDGET_S each), and rows are looked for to remove only if
the table holds more rows than the index has files once it is done: at a million files, doing
both at once held the window for a second as indexing ended (`bench window`).
"""

from __future__ import annotations

import functools
import itertools
import logging
import queue
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from uploader_gui.core.delivery.folder_index import FolderIndex
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.events import (
    Event,
    IndexEntrySkipped,
    IndexFilesFound,
    IndexFinished,
    IndexProgressed,
    IndexStarted,
)
from uploader_gui.ui.delivery_events import SessionBatch
from uploader_gui.ui.file_table_model import FileRow, FileTableModel

log = logging.getLogger(__name__)

DRAIN_INTERVAL_MS = 100
# Bounds one drain so a flood (e.g. 100k rows at once) is spread over ticks, never one long freeze.
MAX_EVENTS_PER_DRAIN = 20_000
MAX_ROWS_PER_DRAIN = 20_000
# Found files shown a drain while the table sorts by path: appended in order, 5,000 rows cost
# the GUI thread about 40 ms at a million rows (the filter sees each new row once), and ten
# drains a second still show 50,000 files a second.
MAX_FOUND_IN_ORDER_PER_DRAIN = 5_000
# The finished index's files already shown are checked (and skipped) for at most this long a
# drain, CHECK_CHUNK at a time: one drain that checked every file of a million took seconds,
# and a fixed 100,000 a drain still took 180 ms each on a loaded machine.
CHECK_BUDGET_S = 0.02
CHECK_CHUNK = 2_000
# Found files wait, while more keep coming, until at least as many wait as are shown (so each
# sort of the table at least doubles it) or for at most this many drains (about a second).
MAX_DRAINS_FOUND_WAIT = 10
STATE_AFTER_INDEXING = FileState.READY.value


@dataclass(frozen=True, slots=True)
class SkippedItem:
    """A path the index left out, as the window lists it."""

    path: str
    reason: str
    is_junk: bool
    is_problem: bool


@dataclass(frozen=True, slots=True)
class IndexResultReady(Event):
    """The worker's finished index, for the rows and the summary."""

    folder_index: FolderIndex


@dataclass(frozen=True, slots=True)
class IndexFailed(Event):
    """Indexing stopped with an error; `is_bug` when it was not the person's input."""

    root: str
    message: str
    is_bug: bool = False


@dataclass(frozen=True, slots=True)
class IndexCancelled(Event):
    """Indexing was cancelled before it finished (the Stop button, or the window closing)."""

    root: str


@dataclass(frozen=True, slots=True)
class IndexSummary:
    """What `indexFinished` carries: totals the status bar shows."""

    root: str
    files: int
    bytes_total: int
    skipped: tuple[SkippedItem, ...]
    folder_index: FolderIndex | None = field(repr=False, default=None)

    @property
    def junk_count(self) -> int:
        return sum(1 for item in self.skipped if item.is_junk)

    @property
    def problem_count(self) -> int:
        return sum(1 for item in self.skipped if item.is_problem)


class EngineBridge(QObject):
    """Drains events from worker threads into the model at ~10 Hz (see the module docstring)."""

    indexStarted = Signal(str)  # root
    indexProgressed = Signal(object)  # the latest IndexProgressed of a drain
    indexFinished = Signal(object)  # IndexSummary, once the model holds exactly its files
    indexFailed = Signal(object)  # IndexFailed
    indexCancelled = Signal(str)  # root
    skippedChanged = Signal(int)  # how many entries are skipped so far
    batchApplied = Signal(int)  # how many events one drain applied
    # Delivery sessions: at most one of each per drain, except ends, crashes, questions, warnings.
    sessionStateChanged = Signal(object)  # the newest SessionStateChanged
    sessionPlanned = Signal(object)  # SessionPlanned
    transferProgressed = Signal(object)  # the newest TransferProgressed
    fileCountsChanged = Signal(object)  # dict state → count, after file rows changed
    sessionEnded = Signal(object)  # SessionEnded, after every row change before it
    sessionCrashed = Signal(object)  # SessionCrashed
    questionAsked = Signal(object)  # QuestionAsked: answer through its reply handle
    warningRaised = Signal(object)  # WarningRaised
    reachabilityChanged = Signal(object)  # the newest ArchiveUnreachable or ArchiveReachable

    def __init__(
        self,
        model: FileTableModel,
        parent: QObject | None = None,
        *,
        interval_ms: int = DRAIN_INTERVAL_MS,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        """`clock` (seconds) times how long a drain checks shown files (CHECK_BUDGET_S)."""
        super().__init__(parent)
        self._model = model
        self._queue: queue.SimpleQueue[tuple[int | None, Event]] = queue.SimpleQueue()
        self._generation = 0
        self._skipped: list[SkippedItem] = []
        self._pending_rows: deque[Iterator[FileRow | None]] = deque()  # None: already shown
        self._found: list[tuple[str, int]] = []  # found while indexing, not yet in the model
        self._drains_found_waited = 0
        self._pending_summary: IndexSummary | None = None
        self._clock = clock
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.drain_now)
        self._timer.start()

    # --- any thread ---------------------------------------------------------------------------

    def put(self, event: Event) -> None:
        """Queue an event that is always applied (engine events, not tied to one indexing run)."""
        self._queue.put((None, event))

    def emitter_for(self, generation: int) -> Callable[[Event], None]:
        """An `emit` callable for one run: its events are dropped once a newer run starts."""
        return functools.partial(self._put_tagged, generation)

    def _put_tagged(self, generation: int, event: Event) -> None:
        self._queue.put((generation, event))

    # --- GUI thread ---------------------------------------------------------------------------

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def skipped(self) -> tuple[SkippedItem, ...]:
        return tuple(self._skipped)

    def begin_generation(self) -> int:
        """Start a new run: clear the table and skipped list, ignore every older run's events."""
        self._generation += 1
        self._skipped.clear()
        self._pending_rows.clear()
        self._found.clear()
        self._pending_summary = None
        self._model.clear()
        self.skippedChanged.emit(0)
        return self._generation

    def stop(self) -> None:
        """Stop draining (the window is closing)."""
        self._timer.stop()

    @Slot()
    def drain_now(self) -> int:
        """Apply what has arrived (the timer calls this); returns how many events were applied."""
        batch = _Batch()
        for _ in range(MAX_EVENTS_PER_DRAIN):
            try:
                generation, event = self._queue.get_nowait()
            except queue.Empty:
                break
            if generation is None or generation == self._generation:
                self._collect(event, batch)
                batch.applied += 1
        self._apply(batch)
        self._feed_found(is_still_arriving=batch.has_found)
        self._feed_rows()
        if batch.applied:
            self.batchApplied.emit(batch.applied)
        return batch.applied

    def _collect(self, event: Event, batch: _Batch) -> None:
        if isinstance(event, IndexFilesFound):
            self._found.extend(event.files)
            batch.has_found = True
        elif isinstance(event, IndexProgressed):
            batch.progress = event
        elif isinstance(event, IndexEntrySkipped):
            # Whether it blocks the index is known only from the finished index (see below).
            batch.skipped.append(SkippedItem(event.path, event.reason, event.is_junk, False))
        elif isinstance(event, IndexStarted):
            batch.started_root = event.root
        elif isinstance(event, IndexResultReady):
            batch.skipped.clear()  # superseded by the finished index's own list
            self._accept_result(event.folder_index)
        elif isinstance(event, IndexFinished):
            pass  # the totals come with IndexResultReady, together with the rows
        elif isinstance(event, IndexFailed):
            self._drop_run_rows()
            batch.failures.append(event)
        elif isinstance(event, IndexCancelled):
            self._drop_run_rows()
            batch.cancelled_root = event.root
        elif not batch.session.collect(event):
            log.debug("event not shown in the window: %r", event)

    def _apply(self, batch: _Batch) -> None:
        if batch.started_root is not None:
            self.indexStarted.emit(batch.started_root)
        if batch.skipped:
            self._skipped.extend(batch.skipped)
            self.skippedChanged.emit(len(self._skipped))
        self._apply_session(batch.session)
        if batch.progress is not None:
            self.indexProgressed.emit(batch.progress)
        for failure in batch.failures:
            self.indexFailed.emit(failure)
        if batch.cancelled_root is not None:
            self.indexCancelled.emit(batch.cancelled_root)

    def _apply_session(self, batch: SessionBatch) -> None:
        if batch.file_updates and self._model.apply_file_updates(batch.file_updates):
            self.fileCountsChanged.emit(self._model.state_counts())
        if batch.planned is not None:
            self.sessionPlanned.emit(batch.planned)
        if batch.state is not None:
            self.sessionStateChanged.emit(batch.state)
        if batch.progress is not None:
            self.transferProgressed.emit(batch.progress)
        if batch.reachability is not None:
            self.reachabilityChanged.emit(batch.reachability)
        for warning in batch.warnings:
            self.warningRaised.emit(warning)
        for crash in batch.crashes:
            self.sessionCrashed.emit(crash)
        for question in batch.questions:
            self.questionAsked.emit(question)
        if batch.ended is not None:
            self.sessionEnded.emit(batch.ended)

    def _accept_result(self, folder_index: FolderIndex) -> None:
        # The finished index is the authority on what was skipped (events may be throttled).
        self._skipped = [
            SkippedItem(entry.path, entry.reason, entry.is_junk, entry.is_problem)
            for entry in folder_index.skipped
        ]
        self.skippedChanged.emit(len(self._skipped))
        files = folder_index.files
        # Found files not yet shown are superseded; shown ones the index left out go once its
        # files are all in (`_drop_rows_not_indexed`): a set of a million paths is not built
        # up front for the rare file that vanished or changed when read.
        self._pending_rows.clear()
        self._found.clear()
        self._pending_rows.append(
            None
            if self._is_shown_as(f.path, f.size_bytes)
            else FileRow(f.path, f.size_bytes, STATE_AFTER_INDEXING)
            for f in files
        )
        self._pending_summary = IndexSummary(
            root=str(folder_index.root),
            files=len(files),
            bytes_total=folder_index.bytes_total,
            skipped=tuple(self._skipped),
            folder_index=folder_index,
        )

    def _is_shown_as(self, path: str, size_bytes: int) -> bool:
        row = self._model.row_of(path)
        return row is not None and self._model.size_at(row) == size_bytes

    def _drop_run_rows(self) -> None:
        """The current run ended without an index: no file it found stays in the table."""
        self._pending_rows.clear()
        self._found.clear()
        self._pending_summary = None
        if self._model.rowCount():
            self._model.clear()

    def _feed_found(self, *, is_still_arriving: bool) -> None:
        """Show up to MAX_ROWS_PER_DRAIN found files in one append, unless more are coming and
        too few wait yet: sorting the whole table once per small batch would cost the indexer
        (it shares the GIL with this thread) more than the rows are worth."""
        if not self._found:
            return
        if self._model.sorts_by_path:
            # Found files come in path order (the index lists so): each batch is appended
            # without a sort, so small batches cost nothing extra and keep each drain short.
            most = MAX_FOUND_IN_ORDER_PER_DRAIN
        else:
            most = MAX_ROWS_PER_DRAIN
            self._drains_found_waited += 1
            too_few = len(self._found) < min(self._model.rowCount(), most)
            waited_enough = self._drains_found_waited >= MAX_DRAINS_FOUND_WAIT
            if is_still_arriving and too_few and not waited_enough:
                return
        shown, self._found = self._found[:most], self._found[most:]
        self._drains_found_waited = 0
        self._model.append_rows(
            FileRow(path, size_bytes, STATE_AFTER_INDEXING) for path, size_bytes in shown
        )

    def _feed_rows(self) -> None:
        """Move up to MAX_ROWS_PER_DRAIN waiting rows into the model in ONE append (one sort),
        checking files for at most CHECK_BUDGET_S, then report the summary."""
        rows: list[FileRow] = []
        deadline = self._clock() + CHECK_BUDGET_S
        while self._pending_rows and len(rows) < MAX_ROWS_PER_DRAIN:
            budget = min(MAX_ROWS_PER_DRAIN - len(rows), CHECK_CHUNK)
            chunk = list(itertools.islice(self._pending_rows[0], budget))
            if len(chunk) < budget:
                self._pending_rows.popleft()
            new_rows = [row for row in chunk if row is not None]
            rows.extend(new_rows)
            # Only checking shown files is timed: new rows are bounded by MAX_ROWS_PER_DRAIN.
            if len(new_rows) < len(chunk) and self._clock() >= deadline:
                break
        if rows:
            self._model.append_rows(rows)
        if not self._pending_rows and self._pending_summary is not None:
            summary, self._pending_summary = self._pending_summary, None
            self._drop_rows_not_indexed(summary)
            self.indexFinished.emit(summary)

    def _drop_rows_not_indexed(self, summary: IndexSummary) -> None:
        """Remove the rows the finished index left out. Each of its files is one row by now,
        so there are some only if the table holds more rows than it has files."""
        if self._model.rowCount() > summary.files and summary.folder_index is not None:
            self._model.retain_paths({f.path for f in summary.folder_index.files})


@dataclass
class _Batch:
    applied: int = 0
    has_found: bool = False
    started_root: str | None = None
    progress: IndexProgressed | None = None
    skipped: list[SkippedItem] = field(default_factory=list)
    failures: list[IndexFailed] = field(default_factory=list)
    cancelled_root: str | None = None
    session: SessionBatch = field(default_factory=SessionBatch)
