"""Multipart checksums as S3 keeps them: per part, per object (FULL_OBJECT or COMPOSITE `-N`).

moto computes the object's checksum on CompleteMultipartUpload but never compares it with the
client's claim, never records part checksums, and drops the COMPOSITE `-N` suffix on HEAD.
"""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Iterable
from typing import Any

from uploader_gui.sandbox import checksums
from uploader_gui.sandbox.wire import WireRequest, WireResponse, s3_error

_PART = re.compile(rb"<Part>(.*?)</Part>", re.DOTALL)
_PART_NUMBER = re.compile(rb"<PartNumber>\s*(\d+)\s*</PartNumber>")
_PART_CHECKSUM = re.compile(rb"<Checksum(CRC32|CRC32C|CRC64NVME|SHA1|SHA256)>([^<]*)</Checksum")


def record_part_checksum(multipart: Any, part_number: int, algorithm: str, value: str) -> None:
    """Keep a part's checksum on moto's part object, for ListParts and Complete."""
    part = multipart.parts.get(part_number)
    if part is not None:
        part.checksum_algorithm = algorithm
        part.checksum_value = value


def check_completion(request: WireRequest, multipart: Any) -> WireResponse | None:
    """An error if the Complete request's part or object checksums disagree with the data."""
    parts = _listed_parts(request.body)
    for number, claims in parts:
        part = multipart.parts.get(number)
        if part is None:
            return None  # moto answers InvalidPart itself
        stored = getattr(part, "checksum_value", None)
        claim = claims.get(getattr(part, "checksum_algorithm", "") or "")
        if stored and claim and claim != stored:
            return s3_error(
                400,
                "InvalidPart",
                "One or more of the specified parts could not be found. The part may not have "
                "been uploaded, or the specified entity tag may not have matched the part's "
                "entity tag.",
            )
    algorithm = (multipart.metadata.get("x-amz-checksum-algorithm") or "").upper()
    claim = request.header(checksums.checksum_header(algorithm)) if algorithm else ""
    if not claim or algorithm != "CRC32" or not parts:
        return None
    # One part's bytes at a time: the parts of a persistent archive are files on disk.
    values = (multipart.parts[number].value for number, _ in parts)
    if is_full_object(multipart):
        accepted = {checksums.crc32_b64(values)}
    else:
        composite = composite_crc32(values)
        accepted = {composite, f"{composite}-{len(parts)}"}
    return None if claim in accepted else checksums.bad_digest(algorithm)


def is_full_object(multipart: Any) -> bool:
    return (multipart.metadata.get("x-amz-checksum-type") or "").upper() == "FULL_OBJECT"


def composite_crc32(values: Iterable[bytes]) -> str:
    """S3's COMPOSITE checksum: the CRC32 of the concatenated raw part CRC32s."""
    raw = b"".join(zlib.crc32(value).to_bytes(4, "big") for value in values)
    return base64.b64encode(zlib.crc32(raw).to_bytes(4, "big")).decode("ascii")


def add_part_checksums(body: bytes, multipart: Any) -> bytes:
    """ListParts with each part's checksum, as S3 lists them."""

    def with_checksum(match: re.Match[bytes]) -> bytes:
        number_match = _PART_NUMBER.search(match.group(1))
        part = multipart.parts.get(int(number_match.group(1))) if number_match else None
        value = getattr(part, "checksum_value", None)
        algorithm = getattr(part, "checksum_algorithm", None)
        if not value or not algorithm or b"<Checksum" in match.group(1):
            return match.group(0)
        element = f"<Checksum{algorithm}>{value}</Checksum{algorithm}>".encode()
        return b"<Part>" + match.group(1) + element + b"</Part>"

    return _PART.sub(with_checksum, body)


def object_checksum_headers(key: Any) -> dict[str, str]:
    """The checksum headers HEAD/GET with ChecksumMode=ENABLED return for a stored object."""
    algorithm = getattr(key, "checksum_algorithm", None)
    value = getattr(key, "checksum_value", None)
    if not algorithm or not value:
        return {}
    checksum_type = getattr(key, "checksum_type", None) or "FULL_OBJECT"
    if checksum_type == "COMPOSITE" and "-" not in value:
        value = f"{value}-{key.checksum_parts}"
    return {
        checksums.checksum_header(algorithm): value,
        "x-amz-checksum-type": checksum_type,
    }


def _listed_parts(body: bytes) -> list[tuple[int, dict[str, str]]]:
    parts = []
    for match in _PART.finditer(body):
        number_match = _PART_NUMBER.search(match.group(1))
        if number_match is None:
            continue
        claims = {
            algorithm.decode(): value.decode().strip()
            for algorithm, value in _PART_CHECKSUM.findall(match.group(1))
        }
        parts.append((int(number_match.group(1)), claims))
    return parts
