"""Client rows upstream's validator crashes on (PROTOCOL.md §8.4) crash the reference one too.

Each case ends the session with `shutdown/self/error` and `stop`, and lands in
`archive.validator_failures` with the offending row, so a test of a client catches it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.integration.validator_harness import ScriptedDelivery, installed_init_step
from uploader_gui.sandbox.archive import LocalArchive, SandboxOptions

INDEX = "path,will_transfer\none.fits,True\ntwo.fits,True\nREADME,False\n"
ONLY_ONE_INDEX = "path,will_transfer\none.fits,True\n"
Script = Callable[[ScriptedDelivery], None]


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with LocalArchive(SandboxOptions(bucket_stem="e2strict")) as local_archive:
        yield local_archive


def malformed_chunk(delivery: ScriptedDelivery) -> None:
    delivery.append_raw("2026-01-01T12:00:00.000Z\ttransfer\tone.fits\tok\tclientagent\n")


def duplicate_ok_in_one_flush(delivery: ScriptedDelivery) -> None:
    delivery.append_rows(("transfer", "one.fits", "ok", None), ("transfer", "one.fits", "ok", None))


def ok_for_will_transfer_false(delivery: ScriptedDelivery) -> None:
    delivery.append_rows(("transfer", "README", "ok", None))


def ok_for_already_validated(delivery: ScriptedDelivery) -> None:
    delivery.append_rows(("transfer", "one.fits", "ok", None))
    delivery.wait_for_row("validation", "one.fits")
    delivery.append_rows(("transfer", "one.fits", "ok", None))


def two_stops_in_one_flush(delivery: ScriptedDelivery) -> None:
    delivery.append_rows(("stop", "self", "ok", None), ("stop", "self", "ok", None))


def keepalive_after_stop(delivery: ScriptedDelivery) -> None:
    delivery.append_rows(("stop", "self", "ok", None), ("keepalive", "self", "ok", None))


def unparseable_time_in_last_row(delivery: ScriptedDelivery) -> None:
    # Upstream's own zero-microsecond timestamp bug (PROTOCOL.md §4.1).
    delivery.append_raw("2026-01-01T12:00:00+00:Z\tinit\tself\tok\t\tclientagent\n")


CASES: list[tuple[Script, str, str]] = [
    (malformed_chunk, "malformed client log chunk", "\ttransfer\tone.fits\tok\tclientagent"),
    (duplicate_ok_in_one_flush, "duplicate 'transfer ok'", "\ttransfer\tone.fits\tok\t"),
    (ok_for_will_transfer_false, "will_transfer=False", "\ttransfer\tREADME\tok\t"),
    (ok_for_already_validated, "already validated", "\ttransfer\tone.fits\tok\t"),
    (two_stops_in_one_flush, "more than one 'stop'", "\tstop\tself\tok\t"),
    (keepalive_after_stop, "keepalive after the client's stop", "\tkeepalive\tself\t"),
    (unparseable_time_in_last_row, "unparseable time", "2026-01-01T12:00:00+00:Z\tinit"),
]


@pytest.mark.parametrize(
    ("script", "reason", "row_part"),
    CASES,
    ids=[case[0].__name__ for case in CASES],
)
def test_client_input_upstream_crashes_on_is_reported(
    archive: LocalArchive,
    tmp_path: Path,
    script: Script,
    reason: str,
    row_part: str,
) -> None:
    archive.validator_failures.clear()
    delivery = ScriptedDelivery.accepted(archive, tmp_path)
    with installed_init_step(archive):
        delivery.start_pipeline(INDEX)
        script(delivery)
        delivery.wait_for_session_end()
    status, message = delivery.shutdown_message()
    assert status == "error"
    assert message["summary"] == "exiting due to unhandled exception in pipeline"
    assert len(archive.validator_failures) == 1
    failure = archive.validator_failures[0]
    assert reason in failure
    assert repr(row_part)[1:-1] in failure


def test_transfer_row_after_all_files_validated_is_reported(
    archive: LocalArchive, tmp_path: Path
) -> None:
    archive.validator_failures.clear()
    delivery = ScriptedDelivery.accepted(archive, tmp_path)
    with installed_init_step(archive):
        delivery.start_pipeline(ONLY_ONE_INDEX)
        delivery.append_rows(("transfer", "one.fits", "ok", None))
        delivery.wait_for_row("validation", "one.fits")
        delivery.append_rows(("transfer", "one.fits", "error", "late retry"))
        delivery.wait_for_session_end()
    assert delivery.shutdown_message()[0] == "error"
    (failure,) = archive.validator_failures
    assert "'transfer' row after all 1 expected files were validated" in failure
    assert "\\ttransfer\\tone.fits\\terror\\tlate retry\\t" in failure
