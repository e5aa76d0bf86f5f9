"""Request-body decoding and response XML for the benchmark's S3 PUT sink (`s3_sink.py`).

Clients frame upload bodies three ways: a plain `Content-Length` body (s5cmd, rclone), HTTP
`Transfer-Encoding: chunked` (botocore over HTTPS), and inside that botocore's `aws-chunked`
encoding with the CRC32 in a trailer (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`). The sink must read
all three at well over 1 GB/s so that it never limits the client being measured, which is why the
payload is read into one reused buffer and only checksummed (ISA-L's CRC32 where installed),
never kept.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO
from xml.sax.saxutils import escape

from uploader_gui.core.checksums.crc32 import FASTEST_CRC32

READ_BUFFER_BYTES = 1024 * 1024


class BodyFramingError(ValueError):
    """The request body does not follow the framing its headers announce."""


class DechunkedReader(io.RawIOBase):
    """The payload of an HTTP/1.1 `Transfer-Encoding: chunked` body, as a raw stream."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self._left_in_chunk = 0
        self._is_done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        if self._is_done:
            return 0
        if self._left_in_chunk == 0:
            size = int(self._source.readline(1024).split(b";", 1)[0], 16)
            if size == 0:
                self._skip_trailers()
                self._is_done = True
                return 0
            self._left_in_chunk = size
        view = memoryview(buffer)[: self._left_in_chunk]
        count = self._source.readinto(view)  # type: ignore[attr-defined]
        if not count:
            raise BodyFramingError("connection closed inside a chunk")
        self._left_in_chunk -= count
        if self._left_in_chunk == 0 and self._source.read(2) != b"\r\n":
            raise BodyFramingError("chunk not followed by CRLF")
        return int(count)

    def _skip_trailers(self) -> None:
        while self._source.readline(8192) not in (b"\r\n", b"\n", b""):
            pass


@dataclass
class BodySummary:
    """What arrived: decoded payload size, its CRC32 and MD5 (if asked), and any trailers."""

    size_bytes: int = 0
    crc32: int = 0
    md5_hex: str | None = None
    trailers: dict[str, str] = field(default_factory=dict)


def consume_body(
    headers: dict[str, str],
    source: BinaryIO,
    *,
    wants_md5: bool,
    on_payload: Callable[[int], None],
) -> BodySummary:
    """Read the request body that `headers` announce from `source`, calling `on_payload(n)` as
    payload bytes arrive (so a body cut off by a killed client is still counted)."""
    stream: BinaryIO = source
    if "chunked" in headers.get("transfer-encoding", "").lower():
        stream = io.BufferedReader(DechunkedReader(source), READ_BUFFER_BYTES)
        length: int | None = None
    else:
        length = int(headers.get("content-length", "0"))
    summary = BodySummary(md5_hex="" if wants_md5 else None)
    md5 = hashlib.md5(usedforsecurity=False) if wants_md5 else None
    if "aws-chunked" in headers.get("content-encoding", "").lower():
        pieces = _aws_chunked_pieces(stream, summary.trailers)
    else:
        pieces = _plain_pieces(stream, length)
    crc32 = FASTEST_CRC32.function
    for piece in pieces:
        summary.size_bytes += len(piece)
        summary.crc32 = crc32(piece, summary.crc32)
        if md5 is not None:
            md5.update(piece)
        on_payload(len(piece))
    if md5 is not None:
        summary.md5_hex = md5.hexdigest()
    return summary


def _plain_pieces(stream: BinaryIO, length: int | None) -> Iterator[memoryview]:
    buffer = memoryview(bytearray(READ_BUFFER_BYTES))
    left = length
    while left is None or left > 0:
        want = READ_BUFFER_BYTES if left is None else min(left, READ_BUFFER_BYTES)
        count = stream.readinto(buffer[:want])  # type: ignore[attr-defined]
        if not count:
            if left is None:
                return
            raise BodyFramingError(f"connection closed with {left} body bytes still to come")
        if left is not None:
            left -= count
        yield buffer[:count]


def _aws_chunked_pieces(stream: BinaryIO, trailers: dict[str, str]) -> Iterator[memoryview]:
    while True:
        header = stream.readline(4096)
        if not header:
            raise BodyFramingError("aws-chunked body ended without its final chunk")
        size = int(header.split(b";", 1)[0].strip(), 16)
        if size == 0:
            break
        yield from _plain_pieces(stream, size)
        if stream.read(2) != b"\r\n":
            raise BodyFramingError("aws-chunked chunk not followed by CRLF")
    for line in iter(lambda: stream.readline(8192), b""):
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("ascii").partition(":")
        trailers[name.strip().lower()] = value.strip()


def xml_document(root: str, fields: Sequence[tuple[str, object]]) -> bytes:
    """A small S3 response document; a field whose value is a list of field lists repeats."""
    # S3's error documents have no namespace, and botocore finds their Code only without one.
    namespace = "" if root == "Error" else ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}{namespace}>{_xml_fields(fields)}</{root}>'
    ).encode()


def _xml_fields(fields: Sequence[tuple[str, object]]) -> str:
    parts = []
    for name, value in fields:
        if isinstance(value, list):
            parts.append(f"<{name}>{_xml_fields(value)}</{name}>")
        else:
            parts.append(f"<{name}>{escape(str(value))}</{name}>")
    return "".join(parts)
