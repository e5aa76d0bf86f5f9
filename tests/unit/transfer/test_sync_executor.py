"""The synchronous executor and its manual clock, which the engine's unit tests stand on: time
moves only when told, a run gives the same events every time, `wait` moves the clock only to
the retries due and stops where a thread would wait for a command, and workers are made once
each, as on threads."""

from __future__ import annotations

import pytest

from tests.unit.transfer.engine_kit import MakeDelivery, data_of, unit_settings
from tests.unit.transfer.memory_s3_faults import s3_error
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.errors import PermanentError
from uploader_gui.transfer.sync_executor import ManualClock

SLOW_DOWN = s3_error(503, "SlowDown", "Please reduce your request rate.", retry_after="30")


def test_the_manual_clock_moves_only_forward_and_only_when_told() -> None:
    clock = ManualClock(start_s=10.0)

    clock.advance(2.5)
    clock.advance_to(11.0)  # already passed: stays

    assert clock() == 12.5
    with pytest.raises(ValueError, match="cannot go back"):
        clock.advance(-1.0)


def test_the_same_run_gives_the_same_events_every_time(deliveries: MakeDelivery) -> None:
    contents = {f"f{n}.fits": data_of(100 + n, n) for n in range(6)}
    contents["big.fits"] = data_of(11 * 1024 * 1024, 99)
    runs = []
    for _ in range(2):
        delivery = deliveries(contents)
        delivery.s3.fail("PutObject", SLOW_DOWN, key="f2.fits")
        delivery.s3.fail("UploadPart", SLOW_DOWN, key="big.fits", part_number=2)
        engine = delivery.engine(settings=unit_settings(concurrency=3))
        engine.start(delivery.files)
        assert engine.wait()
        runs.append([repr(event) for event in delivery.events])

    assert runs[0] == runs[1]


def test_wait_stops_where_a_thread_would_wait_for_a_command(deliveries: MakeDelivery) -> None:
    delivery = deliveries({"a.fits": data_of(100, 1), "b.fits": data_of(100, 2)})
    delivery.s3.fail("PutObject", SLOW_DOWN, key="b.fits")
    executor = delivery.executor
    engine = delivery.engine()
    engine.start(delivery.files)
    started_at = executor.clock()

    assert not engine.wait(timeout_s=10.0)  # b.fits is due again after 30 s
    assert executor.clock() - started_at == 10.0
    assert delivery.record("a.fits").state is FileState.DONE
    assert delivery.record("b.fits").state is FileState.RETRYING
    engine.pause()
    assert not engine.wait()  # paused: only a command can change anything
    assert executor.clock() - started_at == 10.0
    engine.resume()
    assert engine.wait()
    assert delivery.record("b.fits").state is FileState.DONE


def test_workers_are_made_once_each_and_take_jobs_in_turn(deliveries: MakeDelivery) -> None:
    delivery = deliveries({f"f{n}.fits": data_of(100, n) for n in range(9)})
    executor = delivery.executor
    engine = delivery.engine(settings=unit_settings(concurrency=3))

    engine.start(delivery.files)
    clients = [worker.client for worker in executor.workers]
    assert engine.wait()

    assert delivery.s3.clients_made == engine.clients_created == 3
    assert [worker.client for worker in executor.workers] == clients
    assert not executor.run_job()  # nothing is left to run
    with pytest.raises(RuntimeError, match="one engine"):
        delivery.engine()


def test_a_worker_that_cannot_be_made_stops_the_run(deliveries: MakeDelivery) -> None:
    delivery = deliveries({"a.fits": data_of(100, 1)})

    def no_client() -> None:
        raise PermanentError("the archive's endpoint is not a valid address")

    engine = delivery.engine(client_factory=no_client)
    engine.start(delivery.files)

    assert engine.wait()
    assert engine.outcome is not None
    assert engine.outcome.outcome == "stopped"
    assert "a transfer worker could not run" in engine.outcome.message
    assert delivery.s3.requests == []
