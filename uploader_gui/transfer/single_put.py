"""A whole file in one PutObject carrying its CRC32 (PROTOCOL.md §6.1, files below the threshold).

With the index's CRC32 the body streams straight from the file (read once, never hashed again)
and the archive checks the bytes against the index value. Without one, the file is read into
the worker's buffer once, hashing as it goes, and that memory is sent. Either way the file is
checked before (size and mtime as indexed) and after (unchanged while it was sent).

A file up to `BYTES_BODY_LIMIT_BYTES` is read into the buffer even with the index's CRC32, and
sent as `bytes`, without `Expect: 100-continue` (`transfer_clients.drop_expect_for_bytes`):
botocore asks for it on every file-like body, a round trip before each small PUT. Its bandwidth
is paid before it is sent, block by block, so a pause or cancel still stops it then; once it is
being sent it cannot be cut (a few MiB at most).

Such a small file's PUT goes the lean way (`lean_put`: botocore's signer and a urllib3 pool,
about a quarter of a botocore call's CPU) when the worker has a lean sender and the file is
within `TransferServices.lean_put_max_bytes`; otherwise through the worker's botocore client.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from uploader_gui.core.checksums.crc32 import ReadStopped, crc32_to_base64
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.transfer.lean_put import uses_lean_put
from uploader_gui.transfer.s3_requests import call, send, with_fresh_credentials
from uploader_gui.transfer.source_reading import (
    STREAM_BLOCK_BYTES,
    BodyHooks,
    LoadedRange,
    RequestBody,
    SourceFile,
    body_for,
)
from uploader_gui.transfer.transfer_context import LocalSource, TransferServices, Worker

BYTES_BODY_LIMIT_BYTES = 8 * 1024 * 1024


def put_object(client: Any, bucket: str, key: str, body: RequestBody, crc32: int) -> None:
    """PutObject of `body` with its CRC32 (S3 refuses bytes that do not match it)."""
    send(
        f"uploading {key}",
        body,
        client.put_object,
        Bucket=bucket,
        Key=key,
        ContentLength=len(body),
        ChecksumCRC32=crc32_to_base64(crc32),
    )


def put_bytes(client: Any, bucket: str, key: str, payload: bytes, crc32: int) -> None:
    """PutObject of `payload` as bytes (sent without `Expect: 100-continue`)."""
    call(
        f"uploading {key}",
        client.put_object,
        Bucket=bucket,
        Key=key,
        Body=payload,
        ContentLength=len(payload),
        ChecksumCRC32=crc32_to_base64(crc32),
    )


def pace_up_front(size_bytes: int, hooks: BodyHooks, should_stop: Callable[[], bool]) -> None:
    """Wait for the bandwidth limit to allow `size_bytes`, stopping between blocks on request."""
    done = 0
    while done < size_bytes:
        if should_stop() or hooks.should_abort():
            raise ReadStopped
        block = min(STREAM_BLOCK_BYTES, size_bytes - done)
        hooks.pace(block)
        done += block


def put_local_file(
    services: TransferServices, worker: Worker, source_root: LocalSource, file: FileFingerprint
) -> int:
    """Upload `file` in one request; return the CRC32 the archive accepted."""
    gate = services.gate
    with SourceFile.open(
        source_root.os_path(file.path),
        file.path,
        size_bytes=file.size_bytes,
        mtime_ns=file.mtime_ns,
    ) as source:
        if file.size_bytes <= min(BYTES_BODY_LIMIT_BYTES, worker.reader.buffer_limit_bytes):
            return _put_small(services, worker, source, file)
        loaded: LoadedRange | None = None
        crc = file.crc32
        if crc is None:
            loaded = worker.reader.load(source, 0, file.size_bytes, should_stop=gate.should_stop)
            crc = loaded.crc32
        elif gate.should_stop():
            raise ReadStopped
        assert crc is not None
        body = body_for(source, 0, file.size_bytes, loaded, services.body_hooks(file.path))
        checksum = crc
        with_fresh_credentials(
            services.refresher,
            lambda: put_object(worker.client, services.bucket, file.path, body, checksum),
        )
        source.check_unchanged()
    return crc


def _put_small(
    services: TransferServices, worker: Worker, source: SourceFile, file: FileFingerprint
) -> int:
    """A small file read into the buffer and sent as bytes; returns its CRC32."""
    gate = services.gate
    loaded = worker.reader.load(
        source, 0, file.size_bytes, should_stop=gate.should_stop, compute_crc=file.crc32 is None
    )
    crc = file.crc32 if file.crc32 is not None else loaded.crc32
    assert crc is not None
    assert loaded.view is not None
    payload = bytes(loaded.view)
    hooks = services.body_hooks(file.path)
    pace_up_front(len(payload), hooks, gate.should_stop)
    lean = worker.lean
    if lean is not None and uses_lean_put(len(payload), services.lean_put_max_bytes):
        what, checksum = f"uploading {file.path}", crc32_to_base64(crc)
        with_fresh_credentials(
            services.refresher,
            lambda: lean.put(what, services.bucket, file.path, payload, checksum),
        )
    else:
        with_fresh_credentials(
            services.refresher,
            lambda: put_bytes(worker.client, services.bucket, file.path, payload, crc),
        )
    hooks.count(len(payload))
    source.check_unchanged()
    return crc
