"""The reference validator's session against a scripted client over real HTTP (PROTOCOL.md §8).

Happy path, verdicts of every kind, the `--invalid`, `--slow-validation` and
`--validator-crash-after` faults, commanded termination and the validator's `n / N` keepalives.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.integration.validator_harness import ScriptedDelivery, installed_init_step
from tests.waiting import wait_until
from uploader_gui.sandbox.archive import LocalArchive, SandboxOptions


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with LocalArchive(SandboxOptions(bucket_stem="e2session")) as local_archive:
        yield local_archive


@pytest.fixture
def delivery(archive: LocalArchive, tmp_path: Path) -> ScriptedDelivery:
    archive.validator_failures.clear()
    return ScriptedDelivery.accepted(archive, tmp_path)


def index_of(*rows: tuple[str, str]) -> str:
    return "path,checksum,will_transfer\n" + "".join(f"{p},{c},True\n" for p, c in rows)


def test_happy_path_from_invoke_to_stop(archive: LocalArchive, delivery: ScriptedDelivery) -> None:
    a_crc = delivery.put_data("img/a.fits", b"first image")
    readme_crc = delivery.put_data("README", b"read me")
    with installed_init_step(archive):
        delivery.start_pipeline(index_of(("img/a.fits", a_crc), ("README", readme_crc)))
        assert delivery.has_control_object("lock/validator")
        delivery.append_rows(("init", "self", "ok", "transfer application started"))
        delivery.append_rows(("transfer", "img/a.fits", "ok", None))
        delivery.append_rows(("transfer", "README", "ok", None))
        assert delivery.wait_for_row("validation", "img/a.fits").status == "ok"
        assert delivery.wait_for_row("validation", "README").status == "ok"
        delivery.append_rows(("stop", "self", "ok", None))
        rows = delivery.wait_for_session_end()
    assert [row.category for row in rows] == [
        "init",
        "validation",
        "validation",
        "shutdown",
        "stop",
    ]
    assert delivery.shutdown_message() == (
        "ok",
        {"summary": "exiting at terminal state", "client status": "done"},
    )
    assert len({row.agent_id for row in rows}) == 1
    assert not delivery.has_control_object("lock/validator")
    assert archive.validator_failures == []


def test_verdicts_for_missing_corrupt_and_injected_invalid_files(
    archive: LocalArchive, delivery: ScriptedDelivery
) -> None:
    good_crc = delivery.put_data("good.fits", b"good")
    corrupt_crc = delivery.put_data("corrupt.fits", b"as uploaded")
    bad_crc = delivery.put_data("bad_flux.fits", b"flagged by --invalid")
    claimed_crc = "AAAAAA=="
    index = index_of(
        ("good.fits", good_crc),
        ("corrupt.fits", claimed_crc),
        ("absent.fits", "3eqhBw=="),
        ("bad_flux.fits", bad_crc),
    )
    with installed_init_step(archive, invalid_globs=("bad_*",)):
        delivery.start_pipeline(index)
        for key in ("good.fits", "corrupt.fits", "absent.fits", "bad_flux.fits"):
            delivery.append_rows(("transfer", key, "ok", None))
        verdicts = {
            key: delivery.wait_for_row("validation", key)
            for key in ("good.fits", "corrupt.fits", "absent.fits", "bad_flux.fits")
        }
        delivery.append_rows(("stop", "self", "ok", None))
        delivery.wait_for_session_end()
    assert verdicts["good.fits"].status == "ok"
    assert (verdicts["corrupt.fits"].status, verdicts["corrupt.fits"].message) == (
        "failure",
        f"incorrect crc32 checksum: expected {claimed_crc}, got {corrupt_crc}",
    )
    assert (verdicts["absent.fits"].status, verdicts["absent.fits"].message) == (
        "failure",
        "file not found",
    )
    assert verdicts["bad_flux.fits"].status == "failure"
    assert yaml.safe_load(verdicts["bad_flux.fits"].message) == {
        "HDU 1/BUNIT": "value 'adu' does not match 'electron/s'"
    }
    assert delivery.shutdown_message()[1]["client status"] == "done"
    assert archive.validator_failures == []


def test_transfer_errors_and_unknown_paths_are_not_crashes(
    archive: LocalArchive, delivery: ScriptedDelivery
) -> None:
    crc = delivery.put_data("a.fits", b"a")
    with installed_init_step(archive):
        delivery.start_pipeline(index_of(("a.fits", crc)))
        delivery.append_rows(
            ("transfer", "a.fits", "error", "{'exception': \"<class 'OSError'>: disk\"}"),
            ("transfer", "not-in-index.fits", "ok", None),
        )
        delivery.append_rows(("stop", "self", "ok", None))
        rows = delivery.wait_for_session_end()
    assert [row.category for row in rows] == ["init", "shutdown", "stop"]
    assert delivery.shutdown_message() == (
        "ok",
        {"summary": "exiting at terminal state", "client status": "quit"},
    )
    assert archive.validator_failures == []


def test_injected_crash_after_n_verdicts_ends_like_an_unhandled_exception(
    archive: LocalArchive, delivery: ScriptedDelivery
) -> None:
    first = delivery.put_data("one.fits", b"1")
    second = delivery.put_data("two.fits", b"2")
    with installed_init_step(archive, crash_after_verdicts=1):
        delivery.start_pipeline(index_of(("one.fits", first), ("two.fits", second)))
        delivery.append_rows(("transfer", "one.fits", "ok", None))
        rows = delivery.wait_for_session_end()
    assert [row.category for row in rows] == ["init", "validation", "shutdown", "stop"]
    status, message = delivery.shutdown_message()
    assert status == "error"
    assert message["summary"] == "exiting due to unhandled exception in pipeline"
    assert "injected validator crash after 1 verdicts" in message["error"]["exception"]
    # A fault that was asked for is not a client's mistake.
    assert archive.validator_failures == []


def test_commanded_stop_ends_with_shutdown_failure_even_while_validating(
    archive: LocalArchive, delivery: ScriptedDelivery
) -> None:
    crc = delivery.put_data("slow.fits", b"slow")
    with installed_init_step(archive, slow_validation_s=600.0) as init_step:
        delivery.start_pipeline(index_of(("slow.fits", crc)))
        delivery.append_rows(("transfer", "slow.fits", "ok", None))
        wait_until(lambda: delivery.client_log_reads(), "the validator reading the client log")
        init_step.stop()
        rows = delivery.wait_for_session_end()
    # The slow validation was abandoned: no verdict, and the shutdown did not wait for it.
    assert [row.category for row in rows] == ["init", "shutdown", "stop"]
    status, message = delivery.shutdown_message()
    assert (status, message["summary"]) == ("failure", "exiting due to commanded termination")
    assert not delivery.has_control_object("lock/validator")


def test_validator_writes_progress_keepalives_when_idle(
    archive: LocalArchive, delivery: ScriptedDelivery
) -> None:
    crc = delivery.put_data("a.fits", b"a")
    with installed_init_step(archive, keepalive_threshold_s=0.5):
        delivery.start_pipeline(index_of(("a.fits", crc), ("README", crc)))
        assert delivery.wait_for_row("keepalive", "self").message == "0 / 2"
        delivery.append_rows(("transfer", "a.fits", "ok", None))
        delivery.wait_for_row("validation", "a.fits")
        delivery.wait_for_row("keepalive", "self", message="1 / 2")
        delivery.append_rows(("stop", "self", "ok", None))
        delivery.wait_for_session_end()
    assert archive.validator_failures == []
