"""`uploader-gui bench validator [--files N]`: the local archive's reference validator on its own.

N objects of 1 KiB (default 10,000) are stored straight into the archive's transfer bucket with
their CRC32 (setup, not measured), the pipeline is started through the init step as a client
would, and then every `transfer ok` row is appended to the client log at once (500 rows an
append). It prints the seconds from the first row to the last verdict in the validator log,
verdicts/s and the archive's CPU seconds over that time (this process: the validator, moto
answering the appends and the tail, and this bench reading the log). The time includes the
protocol's fixed waits (the tail polls once a second, the writer flushes within a second), so
small N understates the rate.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import zlib
from base64 import b64encode
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FILE_BYTES = 1024
ROWS_PER_APPEND = 500
POLL_S = 0.2
GIVE_UP_S = 600.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--files", type=int, default=10_000, help="how many files (default 10000)")


def run(args: argparse.Namespace) -> int:
    from tests.integration.validator_harness import ScriptedDelivery
    from uploader_gui.sandbox.archive import LocalArchive, SandboxOptions
    from uploader_gui.sandbox.init_step import InitStep

    if args.files < 1:
        print("--files must be at least 1")
        return 2
    with (
        tempfile.TemporaryDirectory(prefix="validator-bench-") as folder,
        LocalArchive(SandboxOptions(bucket_stem="vbench")) as archive,
    ):
        step = InitStep(archive)
        archive.set_lambda_handler(step)
        delivery = ScriptedDelivery.accepted(archive, Path(folder))
        keys = [f"d{n // 1000:03d}/f{n:06d}.fits" for n in range(args.files)]
        delivery.start_pipeline(_store_files(archive, delivery, keys))
        delivery.append_rows(("init", "self", "ok", "transfer application started"))
        cpu_started, started = time.process_time(), time.monotonic()
        _report_transfers(delivery, keys)
        verdict_log = _wait_for_verdicts(archive, delivery, len(keys), started)
        elapsed_s, cpu_s = time.monotonic() - started, time.process_time() - cpu_started
        delivery.append_rows(("stop", "self", "ok", None))
        delivery.wait_for_session_end()
        step.stop()
    if verdict_log is None:
        print(f"gave up: {archive.validator_failures or 'no verdict for every file in time'}")
        return 1
    not_ok = sum(1 for row in verdict_log if row.category == "validation" and row.status != "ok")
    print(
        f"{len(keys):,} × 1 KiB: last verdict after {elapsed_s:.1f} s, "
        f"{len(keys) / elapsed_s:,.0f} verdicts/s, archive CPU {cpu_s:.1f} s "
        f"({1000 * cpu_s / len(keys):.2f} ms a file), {not_ok} not ok"
    )
    return 0 if not_ok == 0 else 1


def _store_files(archive: Any, delivery: Any, keys: list[str]) -> str:
    """Store the objects as a CRC32 PUT leaves them (no HTTP: setup); returns the index."""
    from moto.s3.models import s3_backends

    store = s3_backends[archive.account_id]["global"]
    index = ["path,checksum,will_transfer"]
    for number, key in enumerate(keys):
        body = number.to_bytes(4, "big") * (FILE_BYTES // 4)
        crc32 = b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
        stored = store.put_object(delivery.names.transfer_bucket, key, body, checksum_value=crc32)
        stored.checksum_algorithm, stored.checksum_type = "CRC32", "FULL_OBJECT"
        index.append(f"{key},{crc32},True")
    return "\n".join(index) + "\n"


def _report_transfers(delivery: Any, keys: list[str]) -> None:
    from uploader_gui.core.protocol.log_rows import format_row

    for first in range(0, len(keys), ROWS_PER_APPEND):
        now = datetime.now(UTC)
        delivery.append_raw(
            "".join(
                format_row(now, "transfer", key, "ok", None, delivery.agent_id)
                for key in keys[first : first + ROWS_PER_APPEND]
            )
        )


def _wait_for_verdicts(archive: Any, delivery: Any, count: int, started: float) -> list[Any] | None:
    """The validator log's rows once it holds `count` verdicts; None if it gives up."""
    from moto.s3.models import s3_backends

    from uploader_gui.core.protocol.log_rows import LogRow, parse_rows

    store, names = s3_backends[archive.account_id]["global"], delivery.names
    while True:
        # Read from moto's store, so watching the log costs the archive no requests.
        stored = store.get_object(names.control_bucket, names.validator_log_key)
        text = bytes(stored.value) if stored is not None else b""
        if text.count(b"\tvalidation\t") >= count:
            return [row for row in parse_rows(text.decode()) if isinstance(row, LogRow)]
        if time.monotonic() - started > GIVE_UP_S or archive.validator_failures:
            return None
        time.sleep(POLL_S)
