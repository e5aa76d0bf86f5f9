"""The engine's bounded pool of worker threads and the queue of jobs they take.

Jobs are taken by priority, then in the order they were queued: discarding uploads first, then
parts of files already begun (so files finish rather than all starting at once, and few
multipart uploads are open), then new files. Each worker makes its boto3 client once, when it
starts (60–80 ms of GIL time each, DESIGN.md §7), and keeps it until it retires.

The pool's size changes while it runs: growing starts workers at once; shrinking retires workers
as they finish their current job.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

J = TypeVar("J")
W = TypeVar("W")


@dataclass(order=True)
class _Entry(Generic[J]):
    priority: int
    sequence: int
    job: J = field(compare=False)


class JobQueue(Generic[J]):
    """Thread-safe priority queue; lower priority numbers are taken first."""

    def __init__(self) -> None:
        self._heap: list[_Entry[J]] = []
        self._sequence = itertools.count()
        self._condition = threading.Condition()
        self._is_closed = False

    def __len__(self) -> int:
        with self._condition:
            return len(self._heap)

    def put(self, job: J, priority: int) -> None:
        with self._condition:
            heapq.heappush(self._heap, _Entry(priority, next(self._sequence), job))
            self._condition.notify()

    def take(self, should_retire: Callable[[], bool]) -> J | None:
        """The next job, waiting for one; None once closed or when this taker should retire."""
        with self._condition:
            while True:
                if self._is_closed or should_retire():
                    return None
                if self._heap:
                    return heapq.heappop(self._heap).job
                self._condition.wait()

    def take_now(self) -> J | None:
        """The next job without waiting; None if there is none, or once closed."""
        with self._condition:
            if self._is_closed or not self._heap:
                return None
            return heapq.heappop(self._heap).job

    def withdraw(self, predicate: Callable[[J], bool]) -> list[J]:
        """Take back every queued job `predicate` selects, in queue order."""
        with self._condition:
            taken = sorted(entry for entry in self._heap if predicate(entry.job))
            if taken:
                self._heap = [entry for entry in self._heap if not predicate(entry.job)]
                heapq.heapify(self._heap)
            return [entry.job for entry in taken]

    def wake_all(self) -> None:
        with self._condition:
            self._condition.notify_all()

    def close(self) -> None:
        """Takers get None from now on; queued jobs are dropped."""
        with self._condition:
            self._is_closed = True
            self._heap.clear()
            self._condition.notify_all()


class WorkerPool(Generic[J, W]):
    """Threads that each make a worker context once, then run jobs from `queue` with it.

    `run_job` must not raise (it reports failures itself); if it does anyway, the error goes to
    `on_crash`, as does a failure to make a worker context (e.g. a boto3 client).
    """

    def __init__(
        self,
        queue: JobQueue[J],
        *,
        make_worker: Callable[[], W],
        run_job: Callable[[J, W], None],
        on_crash: Callable[[BaseException], None],
        name: str = "transfer",
    ) -> None:
        self._queue = queue
        self._make_worker = make_worker
        self._run_job = run_job
        self._on_crash = on_crash
        self._name = name
        self._lock = threading.Lock()
        self._target = 0
        self._alive = 0
        self._started = 0
        self._threads: list[threading.Thread] = []

    @property
    def size(self) -> int:
        """How many workers the pool is meant to have."""
        return self._target

    @property
    def started_count(self) -> int:
        """How many workers were ever started (each made one client)."""
        return self._started

    def resize(self, count: int) -> None:
        if count < 1:
            raise ValueError(f"a pool needs at least one worker, not {count}")
        with self._lock:
            self._target = count
            while self._alive < self._target:
                self._alive += 1
                self._started += 1
                thread = threading.Thread(
                    target=self._work, name=f"{self._name}-{self._started}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
        self._queue.wake_all()

    @property
    def threads(self) -> list[threading.Thread]:
        """Every worker thread ever started (a retired one has exited)."""
        with self._lock:
            return list(self._threads)

    def join(self, timeout_s: float | None = None) -> None:
        """Wait for every worker to exit (after the queue was closed)."""
        for thread in list(self._threads):
            thread.join(timeout_s)

    def _should_retire(self) -> bool:
        with self._lock:
            if self._alive > self._target:
                self._alive -= 1
                return True
            return False

    def _work(self) -> None:
        try:
            worker = self._make_worker()
        except Exception as exc:  # noqa: BLE001 - reported, and this worker retires
            with self._lock:
                self._alive -= 1
            self._on_crash(exc)
            return
        while (job := self._queue.take(self._should_retire)) is not None:
            try:
                self._run_job(job, worker)
            except Exception as exc:
                log.exception("transfer job %r failed unexpectedly", job)
                self._on_crash(exc)
