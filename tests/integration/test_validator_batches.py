"""Many files reported at once: the validator's verdicts keep the reported order, each file
gets exactly one, failures still fail, and the `n / N` keepalives count them (PROTOCOL.md §8.2).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.validator_harness import ScriptedDelivery, installed_init_step
from uploader_gui.sandbox.archive import LocalArchive, SandboxOptions

FILE_COUNT = 300
CHUNK_ROWS = 120


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with LocalArchive(SandboxOptions(bucket_stem="e2batch")) as local_archive:
        yield local_archive


@pytest.fixture
def delivery(archive: LocalArchive, tmp_path: Path) -> ScriptedDelivery:
    archive.validator_failures.clear()
    return ScriptedDelivery.accepted(archive, tmp_path)


def test_hundreds_of_reports_get_one_verdict_each_in_order_then_a_count(
    archive: LocalArchive, delivery: ScriptedDelivery
) -> None:
    keys = [f"batch/f{n:04d}.fits" for n in range(FILE_COUNT)]
    index = ["path,checksum,will_transfer"]
    for number, key in enumerate(keys):
        checksum = delivery.put_data(key, b"%d" % number)
        index.append(f"{key},{checksum if number != 7 else 'AAAAAA=='},True")
    index.append("batch/never-sent.fits,AAAAAA==,True")
    # One validation thread finishes files in the order it took them, so the written order is
    # the validator's own: the order it was told about them.
    with installed_init_step(archive, n_validation_threads=1, keepalive_threshold_s=1.0):
        delivery.start_pipeline("\n".join(index) + "\n")
        for start in range(0, FILE_COUNT, CHUNK_ROWS):
            delivery.append_rows(
                *[("transfer", key, "ok", None) for key in keys[start:][:CHUNK_ROWS]]
            )
        keepalive = delivery.wait_for_row(
            "keepalive", "self", message=f"{FILE_COUNT} / {FILE_COUNT + 1}"
        )
        delivery.append_rows(("stop", "self", "ok", None))
        rows = delivery.wait_for_session_end()

    verdicts = [row for row in rows if row.category == "validation"]
    assert [row.ref for row in verdicts] == keys
    assert {row.ref for row in verdicts if row.status != "ok"} == {keys[7]}
    assert verdicts[7].message.startswith("incorrect crc32 checksum: expected AAAAAA==")
    assert rows.index(keepalive) > rows.index(verdicts[-1])
    assert delivery.shutdown_message()[1]["client status"] == "quit"  # one file never came
    assert archive.validator_failures == []
