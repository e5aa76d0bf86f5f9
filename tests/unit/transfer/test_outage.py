"""A lost network on the manual clock: connection failures spend no attempt, the transfer stops
issuing work and probes with one file at a capped backoff, and the first answer from the
archive sends every waiting file again without re-sending what was finished."""

from __future__ import annotations

from botocore.exceptions import EndpointConnectionError

from tests.unit.transfer.engine_kit import PART_BYTES, MakeDelivery, data_of
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.events import ArchiveReachable, ArchiveUnreachable
from uploader_gui.transfer.attempt_outcomes import WAITING_FOR_NETWORK
from uploader_gui.transfer.outage import Outage

UNREACHABLE = EndpointConnectionError(endpoint_url="http://127.0.0.1:9/unit-transfer")
FILES = {f"f{n}.fits": data_of(3000, n) for n in range(3)}


def test_an_outage_longer_than_every_retry_spends_no_attempt(deliveries: MakeDelivery) -> None:
    delivery = deliveries(FILES)
    # Twenty refused connections: with four attempts per file, every file would have failed.
    delivery.s3.fail("PutObject", UNREACHABLE, times=20)
    engine = delivery.engine()

    engine.start(delivery.files)
    delivery.executor.run_until_idle()
    for path in FILES:
        assert delivery.record(path).state is FileState.RETRYING
        [reason] = delivery.events.reasons_of(path, FileState.RETRYING)
        assert reason.startswith(f"{WAITING_FOR_NETWORK}: uploading {path}: cannot reach")
    requests_before_probing = len(delivery.s3.requests)
    assert engine.wait()

    assert {path: delivery.record(path).state for path in FILES} == dict.fromkeys(
        FILES, FileState.DONE
    )
    assert all(delivery.stored(path) == data for path, data in FILES.items())
    # The receipt's attempt count: one each, the probes cut off by the network not counted.
    assert {path: delivery.record(path).attempts for path in FILES} == dict.fromkeys(FILES, 1)
    # Each file reported once, as sent: no failed attempt reached the session (or the log).
    for path in FILES:
        assert [(a.is_ok, a.will_retry) for a in delivery.events.attempts_of(path)] == [
            (True, False)
        ]
    # The three files were already on their way when the connection went; after that, one
    # request at a time: each probe. The outage is announced at its start and after each
    # failed probe, and ends once.
    assert requests_before_probing == len(FILES)
    failed_probes = 20 - len(FILES)
    assert len(delivery.events.of_type(ArchiveUnreachable)) == 1 + failed_probes
    assert len(delivery.events.of_type(ArchiveReachable)) == 1
    assert len(delivery.s3.requests) == 20 + len(FILES)


def test_probes_back_off_to_a_cap_and_are_sent_one_at_a_time(deliveries: MakeDelivery) -> None:
    delivery = deliveries(FILES)
    delivery.s3.fail("PutObject", UNREACHABLE, times=12)
    engine = delivery.engine()
    engine.start(delivery.files)
    delivery.executor.run_until_idle()
    assert engine.wait()

    delays = [event.next_probe_s for event in delivery.events.of_type(ArchiveUnreachable)]
    # Jitter fixed at one half: 1 s · 2^n · (0.5 + 0.25), capped at 30 s · 0.75.
    assert delays == [min(30.0, 2.0**n) * 0.75 for n in range(len(delays))]
    assert max(delays) == 22.5
    [reachable] = delivery.events.of_type(ArchiveReachable)
    assert reachable.offline_s == sum(delays)


def test_a_pause_while_offline_parks_the_files_and_resume_probes_again(
    deliveries: MakeDelivery,
) -> None:
    delivery = deliveries({"big.fits": data_of(2 * PART_BYTES + 10, 7)})
    delivery.s3.fail("UploadPart", UNREACHABLE, part_number=2, times=3)
    engine = delivery.engine()
    engine.start(delivery.files)
    delivery.executor.run_until_idle()
    assert delivery.record("big.fits").state is FileState.RETRYING
    assert delivery.parts_saved("big.fits") == [1]

    engine.pause()
    delivery.executor.run_until_idle()
    assert delivery.record("big.fits").state is FileState.PAUSED
    engine.resume()
    assert engine.wait()

    assert delivery.record("big.fits").state is FileState.DONE
    assert delivery.s3.sent("UploadPart", "big.fits", part_number=1) == 1  # never sent again
    assert delivery.stored("big.fits") == delivery.contents["big.fits"]


def test_an_error_the_archive_answers_with_ends_the_outage() -> None:
    now = [100.0]
    events: list[object] = []
    outage = Outage(lambda: now[0], events.append, uniform=lambda: 1.0)
    outage.lost(RuntimeError("refused"))
    outage.lost(RuntimeError("refused too"))  # another worker's attempt: the same outage
    assert outage.is_offline
    assert outage.next_probe_at() == 101.0
    assert not outage.take_probe()
    now[0] = 101.0
    assert outage.take_probe()
    assert not outage.take_probe()  # one probe at a time
    assert outage.next_probe_at() is None
    now[0] = 104.0
    outage.reached()
    assert not outage.is_offline
    assert events == [ArchiveUnreachable("refused", 1.0), ArchiveReachable(4.0)]


def test_retry_now_brings_the_next_probe_forward_without_resetting_the_backoff() -> None:
    now = [100.0]
    outage = Outage(lambda: now[0], lambda event: None, uniform=lambda: 1.0)
    outage.probe_now()  # online: nothing to bring forward
    assert outage.next_probe_at() is None
    for _ in range(4):  # the outage, then three failed probes: the next one 8 s away
        outage.lost(RuntimeError("refused"))
        now[0] = outage.next_probe_at() or now[0]
        outage.take_probe()
    outage.lost(RuntimeError("refused"))
    assert outage.next_probe_at() == now[0] + 16.0
    outage.probe_now()
    assert outage.take_probe()
    outage.lost(RuntimeError("still refused"))
    assert outage.next_probe_at() == now[0] + 30.0  # the backoff carries on from where it was
