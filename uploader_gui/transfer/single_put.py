"""A whole file in one PutObject carrying its CRC32 (PROTOCOL.md §6.1, files below the threshold).

With the index's CRC32 the body streams straight from the file (read once, never hashed again)
and the archive checks the bytes against the index value. Without one, the file is read into
the worker's buffer once, hashing as it goes, and that memory is sent. Either way the file is
checked before (size and mtime as indexed) and after (unchanged while it was sent).
"""

from __future__ import annotations

from typing import Any

from uploader_gui.core.crc32 import ReadStopped, crc32_to_base64
from uploader_gui.transfer.s3_requests import send, with_fresh_credentials
from uploader_gui.transfer.source_reading import LoadedRange, RequestBody, SourceFile, body_for
from uploader_gui.transfer.transfer_context import (
    LocalSource,
    TransferFile,
    TransferServices,
    Worker,
)


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


def put_local_file(
    services: TransferServices, worker: Worker, source_root: LocalSource, file: TransferFile
) -> int:
    """Upload `file` in one request; return the CRC32 the archive accepted."""
    gate = services.gate
    with SourceFile.open(
        source_root.os_path(file.path),
        file.path,
        size_bytes=file.size_bytes,
        mtime_ns=file.mtime_ns,
    ) as source:
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
