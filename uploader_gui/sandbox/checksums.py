"""Checksums as S3 enforces them: decode `aws-chunked` bodies, verify claimed checksums.

moto accepts any claimed checksum and stores it only when the SDK's
`x-amz-sdk-checksum-algorithm` hint came along (PROTOCOL.md §14). Here a request's claims are
checked against its body (CRC32, SHA1, SHA256 and Content-MD5; CRC32C and CRC64NVME would need
extra packages and are passed through unchecked), and the hint is added so moto keeps the value.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zlib
from collections.abc import Iterable

from uploader_gui.sandbox.wire import WireRequest, WireResponse, s3_error

CHECKSUM_ALGORITHMS = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")
_STREAMING_PREFIX = "STREAMING-"


def checksum_header(algorithm: str) -> str:
    return f"x-amz-checksum-{algorithm.lower()}"


def crc32_b64(data: bytes | Iterable[bytes]) -> str:
    """Base64 of the big-endian CRC32, as S3 writes `ChecksumCRC32`."""
    value = 0
    for chunk in [data] if isinstance(data, bytes) else data:
        value = zlib.crc32(chunk, value)
    return base64.b64encode(value.to_bytes(4, "big")).decode("ascii")


def compute(algorithm: str, data: bytes) -> str | None:
    """The base64 checksum S3 would compute, or None for an algorithm not checked here."""
    if algorithm == "CRC32":
        return crc32_b64(data)
    if algorithm == "SHA1":
        return base64.b64encode(hashlib.sha1(data, usedforsecurity=False).digest()).decode()
    if algorithm == "SHA256":
        return base64.b64encode(hashlib.sha256(data).digest()).decode()
    return None


def claimed(request: WireRequest) -> dict[str, str]:
    """Algorithm -> claimed base64 value, from the headers (after trailers were folded in)."""
    claims = {}
    for algorithm in CHECKSUM_ALGORITHMS:
        value = request.header(checksum_header(algorithm))
        if value:
            claims[algorithm] = value.strip()
    return claims


def unwrap_streaming_body(request: WireRequest) -> WireResponse | None:
    """Decode an `aws-chunked` body in place and turn its trailer into a plain header.

    Returns an error response if the encoding is broken; None when the request is now plain.
    """
    content_sha = request.header("x-amz-content-sha256")
    encodings = [e.strip() for e in request.header("content-encoding").split(",") if e.strip()]
    if not content_sha.startswith(_STREAMING_PREFIX) and "aws-chunked" not in encodings:
        return None
    try:
        payload, trailers = decode_aws_chunked(request.body)
    except ValueError as exc:
        return s3_error(400, "IncompleteBody", f"The aws-chunked body is malformed: {exc}")
    declared = request.header("x-amz-decoded-content-length")
    if declared and declared.isdigit() and int(declared) != len(payload):
        return s3_error(
            400,
            "IncompleteBody",
            "You did not provide the number of bytes specified by the "
            "x-amz-decoded-content-length header.",
        )
    request.body = payload
    remaining = [e for e in encodings if e != "aws-chunked"]
    request.header_overrides["content-encoding"] = ", ".join(remaining) or None
    request.header_overrides["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
    for name in ("x-amz-trailer", "x-amz-decoded-content-length"):
        request.header_overrides[name] = None
    for name, value in trailers.items():
        if name.startswith("x-amz-checksum-"):
            request.header_overrides[name] = value
    return None


def decode_aws_chunked(body: bytes) -> tuple[bytes, dict[str, str]]:
    """Payload and trailers of `size[;chunk-signature=..]CRLF data CRLF ... 0 CRLF trailers`.

    Sizes are hexadecimal; signatures (signed streaming) are not checked, as moto does not
    check signatures either.
    """
    stream = io.BytesIO(body)
    payload = bytearray()
    while True:
        line = stream.readline()
        if not line.endswith(b"\r\n"):
            raise ValueError("a chunk header is not terminated by CRLF")
        size_text = line[:-2].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise ValueError(f"bad chunk size {size_text[:20]!r}") from None
        if size == 0:
            break
        chunk = stream.read(size)
        if len(chunk) != size or stream.read(2) != b"\r\n":
            raise ValueError("a chunk is shorter than its declared size")
        payload += chunk
    trailers: dict[str, str] = {}
    for raw in stream.read().split(b"\r\n"):
        name, sep, value = raw.decode("utf-8", "replace").partition(":")
        if sep and not name.startswith("x-amz-trailer-signature"):
            trailers[name.strip().lower()] = value.strip()
    return bytes(payload), trailers


def verify_claims(request: WireRequest, data: bytes) -> WireResponse | None:
    """BadDigest as S3 words it if a claimed checksum or Content-MD5 disagrees with `data`."""
    content_md5 = request.header("content-md5")
    if content_md5 and base64.b64encode(hashlib.md5(data).digest()).decode() != content_md5:  # noqa: S324
        return s3_error(
            400, "BadDigest", "The Content-MD5 you specified did not match what we received."
        )
    for algorithm, value in claimed(request).items():
        actual = compute(algorithm, data)
        if actual is not None and actual != value:
            return bad_digest(algorithm)
    return None


def bad_digest(algorithm: str) -> WireResponse:
    return s3_error(
        400, "BadDigest", f"The {algorithm} you specified did not match the calculated checksum."
    )


def hint_stored_checksum(request: WireRequest) -> str | None:
    """Make moto store a claimed checksum: add the SDK hint it looks for. Returns the algorithm."""
    claims = claimed(request)
    if not claims:
        return None
    algorithm = request.header("x-amz-sdk-checksum-algorithm").upper()
    if algorithm not in claims:
        algorithm = next(iter(claims))
        request.header_overrides["x-amz-sdk-checksum-algorithm"] = algorithm
    return algorithm
