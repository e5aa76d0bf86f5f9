"""How the transfer engine's work is run: its coordinator and its workers' jobs, on threads or not.

The engine decides *what* happens (`TransferEngine`: which file is admitted, what follows an
attempt); an executor decides *where and when* it runs. The engine hands its executor two things
once (`bind`): the coordinator's steps (one look at everything, how to wait for news, when time
alone next changes something) and its workers' jobs (the queue, how to make a worker context,
how to run one job with it, where a crash goes). The executor also owns the clock the engine
reads, so an executor that decides when time passes can keep retry delays in step with it.

- `ThreadedExecutor` (the default): one coordinator thread and a `WorkerPool` of threads, each
  making its boto3 client once (DESIGN.md §2, §7).
- `sync_executor.SyncExecutor` (for tests): everything on the calling thread, one step at a time,
  on a manual clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from uploader_gui.transfer.worker_pool import JobQueue, WorkerPool

J = TypeVar("J")
W = TypeVar("W")


@dataclass(frozen=True)
class CoordinatorSteps:
    """The engine's coordinator, as an executor drives it."""

    look: Callable[[], bool]
    """One look at everything (admit files, release retries, pause, cancel, progress); True once
    the run has ended (its `TransferRunEnded` was emitted, or the engine was closed)."""
    wait_for_news: Callable[[], None]
    """Block until something happened (an attempt ended, a command came) or a look is due."""
    next_timer_at: Callable[[], float | None]
    """When, on the executor's clock, time alone next changes something (a retry delay ends)."""
    finished: threading.Event
    """Set once the run has ended."""


@dataclass(frozen=True)
class WorkerJobs(Generic[J, W]):
    """The engine's worker side: `run_job` reports failures itself; what escapes it, and a
    failure to make a worker context, goes to `on_crash`."""

    queue: JobQueue[J]
    make_worker: Callable[[], W]
    run_job: Callable[[J, W], None]
    on_crash: Callable[[BaseException], None]


class TransferExecutor(Protocol[J, W]):
    """Runs one engine's coordinator and jobs; an executor serves one engine."""

    @property
    def clock(self) -> Callable[[], float]:
        """Monotonic seconds, read by the engine for retry delays and progress."""
        ...

    def bind(self, coordinator: CoordinatorSteps, workers: WorkerJobs[J, W]) -> None:
        """Called once, by the engine that uses this executor."""
        ...

    def start(self) -> None:
        """The coordinator begins (once)."""
        ...

    def resize(self, count: int) -> None:
        """Have `count` workers (at least one), each with its own worker context."""
        ...

    @property
    def size(self) -> int:
        """How many workers there are meant to be."""
        ...

    @property
    def started_count(self) -> int:
        """How many workers were ever started (each made one worker context)."""
        ...

    def wait(self, timeout_s: float | None) -> bool:
        """Until the run has ended, at most `timeout_s`; True if it did."""
        ...

    def join(self, timeout_s: float | None) -> bool:
        """Until everything the executor runs has stopped (after the engine closed); True if so."""
        ...


class ThreadedExecutor(Generic[J, W]):
    """A coordinator thread and a pool of worker threads, on the monotonic clock."""

    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, name: str = "transfer"
    ) -> None:
        self._clock = clock
        self._name = name
        self._steps: CoordinatorSteps | None = None
        self._pool: WorkerPool[J, W] | None = None
        self._coordinator: threading.Thread | None = None

    @property
    def clock(self) -> Callable[[], float]:
        return self._clock

    def bind(self, coordinator: CoordinatorSteps, workers: WorkerJobs[J, W]) -> None:
        if self._steps is not None:
            raise RuntimeError("an executor serves one engine")
        self._steps = coordinator
        self._pool = WorkerPool(
            workers.queue,
            make_worker=workers.make_worker,
            run_job=workers.run_job,
            on_crash=workers.on_crash,
            name=self._name,
        )

    def start(self) -> None:
        steps = self._bound_steps()
        self._coordinator = threading.Thread(
            target=self._coordinate, args=(steps,), name=f"{self._name}-coordinator", daemon=True
        )
        self._coordinator.start()

    def resize(self, count: int) -> None:
        self._bound_pool().resize(count)

    @property
    def size(self) -> int:
        return self._pool.size if self._pool is not None else 0

    @property
    def started_count(self) -> int:
        return self._pool.started_count if self._pool is not None else 0

    def wait(self, timeout_s: float | None) -> bool:
        return self._bound_steps().finished.wait(timeout_s)

    def join(self, timeout_s: float | None) -> bool:
        if self._coordinator is not None:
            self._coordinator.join(timeout_s)
        pool = self._bound_pool()
        pool.join(timeout_s)
        threads = [self._coordinator, *pool.threads]
        return not any(thread is not None and thread.is_alive() for thread in threads)

    @staticmethod
    def _coordinate(steps: CoordinatorSteps) -> None:
        while True:
            steps.wait_for_news()
            if steps.look():
                return

    def _bound_steps(self) -> CoordinatorSteps:
        if self._steps is None:
            raise RuntimeError("the executor is not bound to an engine")
        return self._steps

    def _bound_pool(self) -> WorkerPool[J, W]:
        if self._pool is None:
            raise RuntimeError("the executor is not bound to an engine")
        return self._pool
