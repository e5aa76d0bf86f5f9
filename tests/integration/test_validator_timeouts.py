"""The validator's missing-client timeout and upstream's keepalive quirk (PROTOCOL.md §8.3).

With the quirk (upstream's behaviour, the default) keepalive-only traffic does not refresh the
clock, so a live client is declared `missing`; `client/self/ok/heartbeat` rows keep it
`working`. With the quirk off, keepalives are enough. The timeout is shortened for the tests.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.validator_harness import ScriptedDelivery, installed_init_step
from uploader_gui.sandbox.archive import LocalArchive, SandboxOptions

MISSING_TIMEOUT_S = 3.0
CLIENT_ROW_INTERVAL_S = 0.25
INDEX = "path,will_transfer\na.fits,True\n"
KEEPALIVE = ("keepalive", "self", "ok", None)
HEARTBEAT = ("client", "self", "ok", "heartbeat")


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with LocalArchive(SandboxOptions(bucket_stem="e2timeout")) as local_archive:
        yield local_archive


@pytest.fixture
def delivery(archive: LocalArchive, tmp_path: Path) -> ScriptedDelivery:
    archive.validator_failures.clear()
    return ScriptedDelivery.accepted(archive, tmp_path)


def keep_sending(
    delivery: ScriptedDelivery, row: tuple[str, str, str, object], span_s: float
) -> bool:
    """Send `row` every 0.25 s for `span_s` (pacing a client, not awaiting anything);
    False as soon as the validator has shut down."""
    give_up_at = time.monotonic() + span_s
    while time.monotonic() < give_up_at:
        if delivery.find_row("shutdown") is not None:
            return False
        delivery.append_rows(row)
        time.sleep(CLIENT_ROW_INTERVAL_S)
    return True


def test_keepalive_only_traffic_is_declared_missing_with_the_quirk(
    archive: LocalArchive, delivery: ScriptedDelivery
) -> None:
    with installed_init_step(
        archive, missing_timeout_s=MISSING_TIMEOUT_S, reproduce_keepalive_quirk=True
    ):
        delivery.start_pipeline(INDEX)
        delivery.append_rows(("init", "self", "ok", "transfer application started"))
        survived = keep_sending(delivery, KEEPALIVE, span_s=10 * MISSING_TIMEOUT_S)
        rows = delivery.wait_for_session_end()
    assert not survived
    assert [row.category for row in rows][-2:] == ["shutdown", "stop"]
    assert delivery.shutdown_message() == (
        "ok",
        {"summary": "exiting at terminal state", "client status": "missing"},
    )
    assert archive.validator_failures == []


def test_heartbeat_rows_keep_the_client_working_with_the_quirk(
    archive: LocalArchive, delivery: ScriptedDelivery
) -> None:
    with installed_init_step(
        archive, missing_timeout_s=MISSING_TIMEOUT_S, reproduce_keepalive_quirk=True
    ):
        delivery.start_pipeline(INDEX)
        assert keep_sending(delivery, HEARTBEAT, span_s=2 * MISSING_TIMEOUT_S)
        delivery.append_rows(("stop", "self", "ok", None))
        delivery.wait_for_session_end()
    assert delivery.shutdown_message()[1]["client status"] == "quit"
    assert archive.validator_failures == []


def test_keepalives_suffice_without_the_quirk(
    archive: LocalArchive, delivery: ScriptedDelivery
) -> None:
    with installed_init_step(
        archive, missing_timeout_s=MISSING_TIMEOUT_S, reproduce_keepalive_quirk=False
    ):
        delivery.start_pipeline(INDEX)
        delivery.append_rows(("init", "self", "ok", "transfer application started"))
        assert keep_sending(delivery, KEEPALIVE, span_s=2 * MISSING_TIMEOUT_S)
        delivery.append_rows(("stop", "self", "ok", None))
        delivery.wait_for_session_end()
    assert delivery.shutdown_message()[1]["client status"] == "quit"
    assert archive.validator_failures == []
