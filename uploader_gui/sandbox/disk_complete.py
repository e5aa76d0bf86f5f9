"""CompleteMultipartUpload on disk: the object is assembled into a file, part by part.

moto's `FakeMultipart.complete` joins every part in memory (twice: a bytearray, then `bytes`)
and, for a FULL_OBJECT checksum, keeps a third copy: completing a 1 GiB file costs 3 GiB. The
persistent archive replaces `complete` on each multipart it is about to complete (on that one
instance, never on moto's class) with `complete_to_file`, which checks the parts exactly as moto
does, streams them into the object's body file one part at a time, and computes the same ETag
and checksum. It hands moto an empty value; the store then points the new key at the file.
"""

from __future__ import annotations

import base64
import hashlib
import os
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from moto.core import compat
from moto.s3 import models as s3_models
from moto.s3 import utils as s3_utils
from moto.s3.exceptions import EntityTooSmall, InvalidPart, MalformedXML

from uploader_gui.sandbox.disk_body import TMP_SUFFIX


def _min_part_size() -> int:
    # Read at each Complete, as moto's module global: tests may lower it.
    return int(getattr(s3_models, "S3_UPLOAD_PART_MIN_SIZE"))  # noqa: B009 - not re-exported


class _FullObjectChecksum:
    """moto's FULL_OBJECT checksum, streamed where the algorithm allows it."""

    def __init__(self, algorithm: str) -> None:
        self._algorithm = algorithm
        self._value = 0
        self._kept = bytearray()  # for the algorithms that cannot be streamed here
        self._streams = algorithm == "CRC32" or (algorithm == "CRC64NVME" and compat.HAS_CRT)
        if algorithm == "CRC64NVME" and not compat.HAS_CRT:
            self._algorithm = "CRC32"  # moto's own fallback without awscrt
            self._streams = True

    def add(self, data: bytes) -> None:
        if not self._streams:
            self._kept.extend(data)
        elif self._algorithm == "CRC32":
            self._value = zlib.crc32(data, self._value)
        else:
            from awscrt import checksums  # optional, as in moto

            self._value = checksums.crc64nvme(data, self._value)

    def value(self) -> str:
        if not self._streams:
            return s3_utils.compute_checksum(bytes(self._kept), self._algorithm).decode()
        width = 4 if self._algorithm == "CRC32" else 8
        return base64.b64encode(self._value.to_bytes(width, "big")).decode()


def _checksum_kind(multipart: Any) -> tuple[str, str]:
    """(algorithm, type) with moto's defaults (MultipartChecksumBuilder)."""
    algorithm = multipart.metadata.get("x-amz-checksum-algorithm") or "CRC64NVME"
    kind = multipart.metadata.get("x-amz-checksum-type") or (
        "FULL_OBJECT" if algorithm == "CRC64NVME" else "COMPOSITE"
    )
    return algorithm, kind


class _Assembly:
    """The parts listed in a Complete request, checked as moto checks them and written out."""

    def __init__(self, multipart: Any) -> None:
        self._multipart = multipart
        self.algorithm, self.kind = _checksum_kind(multipart)
        self._full = _FullObjectChecksum(self.algorithm)
        self._composite = bytearray()
        self._md5s = bytearray()
        self.size = self.count = 0
        self._last: Any = None

    def add(self, number: int, etag: str, target: BinaryIO) -> None:
        part = self._multipart.parts.get(number)
        if part is None or part.etag.replace('"', "") != etag.replace('"', ""):
            raise InvalidPart()
        if self._last is not None and self._last.contentsize < _min_part_size():
            raise EntityTooSmall()
        self._md5s.extend(bytes.fromhex(part.etag.replace('"', "")))
        data = part.value  # one part in memory at a time
        target.write(data)
        if self.kind == "COMPOSITE":
            self._composite.extend(s3_utils.compute_checksum(data, self.algorithm, False))
        else:
            self._full.add(data)
        self.size += len(data)
        self._last, self.count = part, self.count + 1

    def result(self) -> tuple[bytes, str, tuple[str, str, int]]:
        """What moto's `complete` returns, with an empty value: the bytes are in the file."""
        etag = f"{hashlib.md5(bytes(self._md5s), usedforsecurity=False).hexdigest()}-{self.count}"
        if self.kind == "COMPOSITE":
            checksum = s3_utils.compute_checksum(bytes(self._composite), self.algorithm).decode()
            return b"", etag, (self.kind, checksum, self.count)
        return b"", etag, (self.kind, self._full.value(), 1)


def complete_to_file(
    multipart: Any, path: Path, on_done: Callable[[Path, int], None]
) -> Callable[[Iterator[tuple[int, str]]], tuple[bytes, str, tuple[str, str, int]]]:
    """A replacement for `multipart.complete` that writes the object to `path`."""

    def complete(body: Iterator[tuple[int, str]]) -> tuple[bytes, str, tuple[str, str, int]]:
        assembly = _Assembly(multipart)
        temporary = path.with_name(path.name + TMP_SUFFIX)
        try:
            with temporary.open("wb") as target:
                for number, etag in body:
                    assembly.add(number, etag, target)
            if assembly.count == 0:
                raise MalformedXML
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        os.replace(temporary, path)
        on_done(path, assembly.size)
        return assembly.result()

    return complete
