"""The validator's validation threads (upstream: 3 threads, PROTOCOL.md §8.2), made cheap per file.

Upstream submits every reported file to a thread pool and, each loop, writes the verdicts of the
futures that are done, in submission order. This pool keeps that: each file is validated on its
own by one of `n_threads` threads (so `--slow-validation` still delays files three at a time),
and `take_finished()` returns what finished since the last call in submission order. It does so
without a `Future` (a Condition and an RLock each) per file and without scanning the unfinished
ones: at 100,000 queued files those were most of the validator's own CPU.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable

from uploader_gui.sandbox.validation_files import Verdict

Outcome = Verdict | Exception


class ValidationPool:
    """Validates submitted paths on worker threads; submit and take from one thread only."""

    def __init__(self, validate: Callable[[str], Verdict], n_threads: int, name: str) -> None:
        self._validate = validate
        self._todo: queue.SimpleQueue[tuple[int, str] | None] = queue.SimpleQueue()
        # deque.append/popleft are atomic: the workers append, the session thread pops.
        self._finished: deque[tuple[int, str, Outcome]] = deque()
        self._n_submitted = 0
        self._n_unreported = 0
        self._stopping = threading.Event()
        self._name = name
        self._n_threads = n_threads
        # Started by the first submit, as a thread pool does: a session that never validates
        # (lock held elsewhere) leaves no thread behind.
        self._threads: list[threading.Thread] = []

    @property
    def has_pending(self) -> bool:
        """True while a submitted path's outcome has not been taken yet."""
        return self._n_unreported > 0

    def submit(self, path: str) -> None:
        if not self._threads:
            self._start_threads()
        self._todo.put((self._n_submitted, path))
        self._n_submitted += 1
        self._n_unreported += 1

    def take_finished(self) -> list[tuple[str, Outcome]]:
        """(path, verdict or the exception validating it raised) finished since the last call."""
        finished = [self._finished.popleft() for _ in range(len(self._finished))]
        self._n_unreported -= len(finished)
        finished.sort(key=lambda item: item[0])
        return [(path, outcome) for _number, path, outcome in finished]

    def shutdown(self) -> None:
        """Drop what has not started, let running validations end, and join the threads."""
        self._stopping.set()
        for _thread in self._threads:
            self._todo.put(None)
        for thread in self._threads:
            thread.join()

    def _start_threads(self) -> None:
        self._threads = [
            threading.Thread(target=self._work, name=f"{self._name}_{number}", daemon=True)
            for number in range(self._n_threads)
        ]
        for thread in self._threads:
            thread.start()

    def _work(self) -> None:
        while (item := self._todo.get()) is not None:
            if self._stopping.is_set():
                continue  # cancelled: skip to the sentinel
            number, path = item
            outcome: Outcome
            try:
                outcome = self._validate(path)
            except Exception as exc:  # noqa: BLE001 - written as a `validation/error` verdict
                outcome = exc
            self._finished.append((number, path, outcome))
