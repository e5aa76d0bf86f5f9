"""The engine's bookkeeping for one transfer run: a slot per file in play, the jobs workers take,
the retry timers, and the run's counters. One lock guards it all; nothing here does I/O.

A file is "in play" from the moment it is queued until it has an outcome (or was cancelled).
Its slot's phase says where it is: queued for a worker, active (an attempt is running),
waiting out a retry delay, parked by a pause, or waiting for its multipart upload to be
discarded.
"""

from __future__ import annotations

import heapq
import itertools
import math
import threading
from dataclasses import dataclass
from enum import Enum

from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.transfer.multipart_run import MultipartRun
from uploader_gui.transfer.worker_pool import JobQueue

PRIORITY_ABORT = 0
PRIORITY_PART = 1
PRIORITY_FILE = 2


@dataclass(frozen=True, slots=True)
class FileJob:
    """Begin an attempt at a file."""

    file: FileFingerprint


@dataclass(frozen=True, slots=True)
class PartJob:
    """Send one part of a multipart run."""

    run: MultipartRun
    number: int


@dataclass(frozen=True, slots=True)
class AbortJob:
    """Discard a multipart upload on the archive, then move the file to `then` (if any)."""

    path: str
    upload_id: str
    then: FileState | None


Job = FileJob | PartJob | AbortJob


class Phase(Enum):
    QUEUED = "queued"
    ACTIVE = "active"
    RETRYING = "retrying"
    PARKED = "parked"
    DISCARDING = "discarding"


@dataclass(slots=True)
class Slot:
    file: FileFingerprint
    phase: Phase
    failures: int = 0
    retry_at: float = 0.0


class RunState:
    """Slots, queue, retry timers and counters of one run; `lock` guards the slots and timers."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.wakeup = threading.Condition(self.lock)
        self.queue: JobQueue[Job] = JobQueue()
        self.slots: dict[str, Slot] = {}
        self.runs: dict[str, MultipartRun] = {}
        self.files_done = 0
        self.files_failed = 0
        self.ok_reported: set[str] = set()
        self._retry_timers: list[tuple[float, int, str]] = []
        self._sequence = itertools.count()
        self._has_news = True

    def wake(self) -> None:
        """Let the coordinator look again now (an attempt ended, a command arrived)."""
        with self.lock:
            self._has_news = True
            self.wakeup.notify_all()

    def wait_for_wakeup(self, timeout_s: float) -> None:
        """The coordinator's pause between looks: until woken, or `timeout_s` passed."""
        with self.lock:
            if not self._has_news:
                self.wakeup.wait(timeout_s)
            self._has_news = False

    def slot(self, path: str) -> Slot:
        with self.lock:
            return self.slots[path]

    def count(self, *phases: Phase) -> int:
        with self.lock:
            return sum(1 for slot in self.slots.values() if slot.phase in phases)

    def in_phase(self, phase: Phase) -> list[Slot]:
        with self.lock:
            return [slot for slot in self.slots.values() if slot.phase is phase]

    def forget(self, path: str) -> None:
        with self.lock:
            self.slots.pop(path, None)
            self.runs.pop(path, None)

    def queue_file(self, slot: Slot) -> None:
        with self.lock:
            slot.phase = Phase.QUEUED
            self.slots[slot.file.path] = slot
        self.queue.put(FileJob(slot.file), PRIORITY_FILE)

    def queue_parts(self, run: MultipartRun, numbers: list[int]) -> None:
        with self.lock:
            self.runs[run.path] = run
        for number in numbers:
            self.queue.put(PartJob(run, number), PRIORITY_PART)

    def withdraw_parts(self, run: MultipartRun) -> int:
        return len(self.queue.withdraw(lambda job: isinstance(job, PartJob) and job.run is run))

    def withdraw_unstarted(self) -> tuple[list[FileJob], dict[int, tuple[MultipartRun, int]]]:
        """Take back every queued file and part job: (file jobs, {id(run): (run, parts)})."""
        jobs = self.queue.withdraw(lambda job: not isinstance(job, AbortJob))
        files = [job for job in jobs if isinstance(job, FileJob)]
        runs: dict[int, tuple[MultipartRun, int]] = {}
        for job in jobs:
            if isinstance(job, PartJob):
                _, count = runs.get(id(job.run), (job.run, 0))
                runs[id(job.run)] = (job.run, count + 1)
        return files, runs

    def active_runs(self) -> list[MultipartRun]:
        with self.lock:
            return list(self.runs.values())

    def schedule_retry(self, slot: Slot, at: float) -> None:
        with self.lock:
            slot.phase = Phase.RETRYING
            slot.retry_at = at
            heapq.heappush(self._retry_timers, (at, next(self._sequence), slot.file.path))
            self._has_news = True
            self.wakeup.notify_all()

    def due_retries(self, now: float) -> list[Slot]:
        """Slots whose retry delay is over (stale timers of re-parked slots are dropped)."""
        due: list[Slot] = []
        with self.lock:
            while self._retry_timers and self._retry_timers[0][0] <= now:
                at, _, path = heapq.heappop(self._retry_timers)
                slot = self.slots.get(path)
                if slot is not None and slot.phase is Phase.RETRYING and slot.retry_at == at:
                    due.append(slot)
        return due

    def waiting_for_network(self) -> list[Slot]:
        """Slots that wait for the archive to answer again (no timer: `retry_at` is infinite)."""
        with self.lock:
            return [
                slot
                for slot in self.slots.values()
                if slot.phase is Phase.RETRYING and math.isinf(slot.retry_at)
            ]

    def next_retry_at(self) -> float | None:
        """When the next retry is due; None if no file waits for one. Timers of slots that left
        `retrying` (a pause parked them) are dropped, so a paused run has nothing to wake for
        (a stale timer in the past would have the coordinator look again and again at once)."""
        with self.lock:
            while self._retry_timers:
                at, _, path = self._retry_timers[0]
                slot = self.slots.get(path)
                if slot is not None and slot.phase is Phase.RETRYING and slot.retry_at == at:
                    return None if math.isinf(at) else at
                heapq.heappop(self._retry_timers)
            return None
