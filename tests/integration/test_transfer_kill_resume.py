"""SIGKILL mid-multipart, then a new process resumes: only the missing parts are sent.

The archive runs in this (test) process; both children talk to it over HTTP and share the
state store file. The first child sends under a bandwidth limit and prints a line per saved part;
it is killed after a few. The archive's audit log shows what the second child sent.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.transfer_kit import (
    PART_BYTES,
    MakeDelivery,
    crc32_b64,
    random_bytes,
)
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.upload.part_plan import MIB
from uploader_gui.store.state_store import StateStore

pytest_plugins = ("tests.integration.transfer_fixtures",)
pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

REPO_ROOT = Path(__file__).resolve().parents[2]
PARTS = 10
KILL_AFTER_PARTS = 3


def child(arguments: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.transfer_child", *arguments],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_a_killed_upload_resumes_with_only_the_missing_parts(deliveries: MakeDelivery) -> None:
    data = random_bytes(PARTS * PART_BYTES)
    delivery = deliveries({"big.fits": data})
    delivery.store.close()  # the children own the store now
    credentials = delivery.archive.credentials
    arguments = [
        str(delivery.store.path),
        str(delivery.delivery_key),
        str(delivery.root),
        delivery.bucket,
        delivery.archive.endpoint_url,
        credentials.access_key_id,
        credentials.secret_access_key,
    ]

    first = child([*arguments, "--bandwidth", str(5 * MIB), "--concurrency", "1"])
    assert first.stdout is not None
    printed = []
    for line in first.stdout:
        printed.append(line.split())
        if len(printed) == KILL_AFTER_PARTS:
            break
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)

    with StateStore(delivery.store.path) as store:
        files = store.delivery_files(delivery.delivery_key)
        record = files.multipart("big.fits")
        assert files.record("big.fits").state is FileState.TRANSFERRING  # killed mid-way
    assert record is not None
    saved = {part.part_number for part in record.parts}
    assert len(saved) >= KILL_AFTER_PARTS
    assert len(saved) < PARTS
    mark = len(delivery.archive.audit_records())

    second = child(arguments)
    output, _ = second.communicate(timeout=120)

    assert second.returncode == 0, output
    sent_again = {int(line.split()[1]) for line in output.splitlines() if line.startswith("part")}
    assert sent_again == set(range(1, PARTS + 1)) - saved
    resent = [
        entry
        for entry in delivery.archive.audit_records()[mark:]
        if entry["operation"] == "UploadPart" and entry["key"] == "big.fits"
        if entry["status"] == 200
    ]
    # Exactly the missing parts, each once, into the upload the killed process began.
    assert sorted(entry["partNumber"] for entry in resent) == sorted(
        set(range(1, PARTS + 1)) - saved
    )
    assert {entry["uploadId"] for entry in resent} == {record.upload_id}
    assert delivery.requests("CreateMultipartUpload", "big.fits", since=mark) == 0
    assert delivery.object_bytes("big.fits") == data
    assert delivery.head("big.fits")["ChecksumCRC32"] == crc32_b64(data)
    with StateStore(delivery.store.path) as store:
        assert store.delivery_files(delivery.delivery_key).record("big.fits").state is (
            FileState.DONE
        )
