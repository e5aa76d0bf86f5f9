"""A synchronous executor for the transfer engine: its decisions, one step at a time, for tests.

```
executor = SyncExecutor()                 # its clock is a ManualClock
engine = TransferEngine(..., executor=executor)
engine.start(files)                       # nothing runs yet
executor.look()                           # the coordinator admits files: jobs are queued
executor.run_job()                        # one job on one worker (say, part 1 of a file)
engine.pause(); executor.run_until_idle() # every step that can run now, then stop
executor.clock.advance(2.0)               # a retry's delay passes
assert engine.wait()                      # run, moving the clock to each retry, until the end
```

Everything runs on the calling thread: the coordinator's looks and the workers' jobs, in queue
order, each job on the next worker in turn. Nothing runs in the background and nothing sleeps, so
a test sees the same sequence of events every time. Time moves only when the test moves the
clock, or when `wait` moves it to the next retry. Workers are made at `resize`, each with its own
worker context (its client) made once, as on threads.

What this cannot show: two requests in flight at once (each job runs to its end before the next
begins). Races are the threaded executor's, tested against the local archive. A bandwidth limit
still paces on real time (`TokenBucket` has its own clock), so tests here set none.
"""

from __future__ import annotations

import logging
from typing import Generic, TypeVar

from uploader_gui.transfer.executor import CoordinatorSteps, WorkerJobs

log = logging.getLogger(__name__)

J = TypeVar("J")
W = TypeVar("W")

DEFAULT_MAX_STEPS = 100_000


class ManualClock:
    """Monotonic seconds that move only when told to."""

    def __init__(self, start_s: float = 1_000.0) -> None:
        self._now_s = start_s

    def __call__(self) -> float:
        return self._now_s

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"a monotonic clock cannot go back {-seconds} s")
        self._now_s += seconds

    def advance_to(self, moment_s: float) -> None:
        """Move to `moment_s`, or stay if it has passed."""
        self._now_s = max(self._now_s, moment_s)


class SyncExecutor(Generic[J, W]):
    """Runs an engine's coordinator and jobs on the calling thread, when told to."""

    def __init__(
        self, clock: ManualClock | None = None, *, max_steps: int = DEFAULT_MAX_STEPS
    ) -> None:
        self._clock = clock or ManualClock()
        self._max_steps = max_steps
        self._steps: CoordinatorSteps | None = None
        self._jobs: WorkerJobs[J, W] | None = None
        self._workers: list[W] = []
        self._target = 0
        self._started = 0
        self._turn = 0
        self._is_started = False

    # --- the executor ------------------------------------------------------------------------

    @property
    def clock(self) -> ManualClock:
        return self._clock

    def bind(self, coordinator: CoordinatorSteps, workers: WorkerJobs[J, W]) -> None:
        if self._steps is not None:
            raise RuntimeError("an executor serves one engine")
        self._steps, self._jobs = coordinator, workers

    def start(self) -> None:
        self._is_started = True

    def resize(self, count: int) -> None:
        """Make workers up to `count` now (each makes its context once), or drop the extra."""
        if count < 1:
            raise ValueError(f"a pool needs at least one worker, not {count}")
        jobs = self._bound_jobs()
        self._target = count
        del self._workers[count:]
        while len(self._workers) < count:
            self._started += 1
            try:
                worker = jobs.make_worker()
            except Exception as exc:  # noqa: BLE001 - reported, as a worker thread would
                jobs.on_crash(exc)
                return
            self._workers.append(worker)

    @property
    def size(self) -> int:
        return self._target

    @property
    def started_count(self) -> int:
        return self._started

    @property
    def workers(self) -> list[W]:
        """The workers there are now, in the order they take jobs."""
        return list(self._workers)

    def wait(self, timeout_s: float | None = None) -> bool:
        """Run until the run ends, moving the clock to each retry that is due next, for at most
        `timeout_s` on the clock. False if it did not end: the time ran out, or nothing is left
        to run and no timer would change that (where a thread would wait for a command)."""
        steps = self._bound_steps()
        if not self._is_started:
            return steps.finished.is_set()
        deadline = None if timeout_s is None else self._clock() + timeout_s
        while True:
            self.run_until_idle()
            if steps.finished.is_set():
                return True
            due = steps.next_timer_at()
            if due is not None and due <= self._clock():
                # Everything due by now has run: time is not what the run waits for.
                due = None
            if due is None or (deadline is not None and due > deadline):
                if deadline is not None:
                    self._clock.advance_to(deadline)
                return False
            self._clock.advance_to(due)

    def join(self, timeout_s: float | None = None) -> bool:
        return True  # nothing runs in the background

    # --- steps -------------------------------------------------------------------------------

    def look(self) -> bool:
        """One look by the coordinator; True once the run has ended."""
        if not self._is_started:
            raise RuntimeError("the engine has not started its run")
        steps = self._bound_steps()
        return steps.finished.is_set() or steps.look()

    def run_job(self) -> bool:
        """Run the next queued job on the next worker; False if there is none (or no worker)."""
        jobs = self._bound_jobs()
        if not self._workers:
            return False
        job = jobs.queue.take_now()
        if job is None:
            return False
        worker = self._workers[self._turn % len(self._workers)]
        self._turn += 1
        try:
            jobs.run_job(job, worker)
        except Exception as exc:
            log.exception("transfer job %r failed unexpectedly", job)
            jobs.on_crash(exc)
        return True

    def run_until_idle(self) -> None:
        """Run jobs and looks until the run has ended, or nothing more can happen without the
        clock moving or a command."""
        if not self._is_started:
            return
        ran_jobs = True  # at least two looks: what one look changed, the next one acts on
        for _ in range(self._max_steps):
            while self.run_job():
                ran_jobs = True
            if self.look():
                return
            can_run = bool(self._workers) and len(self._bound_jobs().queue) > 0
            if not ran_jobs and not can_run:
                return
            ran_jobs = False
        raise RuntimeError(f"the transfer run did not settle within {self._max_steps} steps")

    def _bound_steps(self) -> CoordinatorSteps:
        if self._steps is None:
            raise RuntimeError("the executor is not bound to an engine")
        return self._steps

    def _bound_jobs(self) -> WorkerJobs[J, W]:
        if self._jobs is None:
            raise RuntimeError("the executor is not bound to an engine")
        return self._jobs
