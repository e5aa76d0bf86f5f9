"""The validator's validation threads: every submitted file is answered exactly once, in the
order it was submitted whenever several finish together, a raising check becomes that file's
outcome, and a shutdown leaves no thread and starts nothing new."""

from __future__ import annotations

import threading

from tests.waiting import wait_until
from uploader_gui.sandbox.validation_files import Verdict
from uploader_gui.sandbox.validation_pool import ValidationPool


def pool_threads() -> list[str]:
    return [thread.name for thread in threading.enumerate() if thread.name.startswith("vpool")]


def take_all(pool: ValidationPool, count: int) -> list[tuple[str, object]]:
    taken: list[tuple[str, object]] = []

    def has_all() -> bool:
        taken.extend(pool.take_finished())
        return len(taken) >= count

    wait_until(has_all, f"{count} outcomes")
    return taken


def test_outcomes_come_once_each_in_submission_order() -> None:
    gate = threading.Event()

    def validate(path: str) -> Verdict:
        gate.wait()  # all finish together, in whatever order the threads get to them
        return Verdict(path, "ok")

    pool = ValidationPool(validate, 3, name="vpool order")
    paths = [f"f{n:03d}.fits" for n in range(200)]
    for path in paths:
        pool.submit(path)
    assert pool.has_pending
    gate.set()
    wait_until(lambda: len(pool._finished) == len(paths), "every validation to finish")

    taken = pool.take_finished()

    assert [path for path, _outcome in taken] == paths
    assert all(outcome == Verdict(path, "ok") for path, outcome in taken)
    assert pool.take_finished() == []
    assert not pool.has_pending
    pool.shutdown()
    assert pool_threads() == []


def test_a_raising_check_is_that_files_outcome_and_the_others_go_on() -> None:
    def validate(path: str) -> Verdict:
        if path == "bad.fits":
            raise RuntimeError("checker broke")
        return Verdict(path, "ok")

    pool = ValidationPool(validate, 2, name="vpool raise")
    for path in ("a.fits", "bad.fits", "b.fits"):
        pool.submit(path)
    outcomes = dict(take_all(pool, 3))
    pool.shutdown()

    assert outcomes["a.fits"] == Verdict("a.fits", "ok")
    assert outcomes["b.fits"] == Verdict("b.fits", "ok")
    error = outcomes["bad.fits"]
    assert isinstance(error, RuntimeError)
    assert error.__traceback__ is not None  # the verdict's exception report needs it


def test_no_thread_before_the_first_file_and_none_after_shutdown() -> None:
    started: list[str] = []
    release = threading.Event()

    def validate(path: str) -> Verdict:
        started.append(path)
        release.wait()
        return Verdict(path, "ok")

    pool = ValidationPool(validate, 1, name="vpool lifecycle")
    assert pool_threads() == []
    for path in ("running.fits", "queued-1.fits", "queued-2.fits"):
        pool.submit(path)
    wait_until(lambda: started, "the first validation to start")
    stopper = threading.Thread(target=pool.shutdown)
    stopper.start()
    wait_until(pool._stopping.is_set, "the shutdown to begin")
    release.set()
    stopper.join(10)

    assert not stopper.is_alive()
    assert started == ["running.fits"]  # the queued ones were dropped, not validated
    assert pool_threads() == []
