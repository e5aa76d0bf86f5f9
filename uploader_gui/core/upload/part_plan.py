"""How one object is sent: a single PUT, or a multipart upload with parts of one size.

S3's limits (PROTOCOL.md §6.1): a PUT carries at most 5 GiB; a multipart upload has at most
10,000 parts, each of 5 MiB to 5 GiB except the last, which may be smaller; an object is at
most 5 TiB. The part size starts at a throughput-friendly default and grows, in whole MiB, just
enough to fit the file in 10,000 parts, so a 5 TiB file is planned as 10,000 parts of 525 MiB.

A resumed upload keeps the part size it was begun with (`plan_with_part_size`): the parts already
on the archive only fit that size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from uploader_gui.core.errors import PermanentError

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
TIB = 1024 * GIB

MIN_PART_BYTES = 5 * MIB
MAX_PART_BYTES = 5 * GIB
MAX_PARTS = 10_000
MAX_OBJECT_BYTES = 5 * TIB
MAX_SINGLE_PUT_BYTES = 5 * GIB

# Parts of 16 MiB keep many requests in flight on fast links while a failed part costs little to
# send again; files from 64 MiB up are split so that their parts go up in parallel.
DEFAULT_PART_BYTES = 16 * MIB
DEFAULT_MULTIPART_THRESHOLD_BYTES = 64 * MIB


@dataclass(frozen=True, slots=True)
class PartRange:
    """One part: its number (from 1), where it starts in the file, and its length."""

    number: int
    offset_bytes: int
    size_bytes: int


@dataclass(frozen=True, slots=True)
class PartPlan:
    """How an object of `size_bytes` is sent; `is_multipart` False means one PUT."""

    size_bytes: int
    part_size_bytes: int
    part_count: int
    is_multipart: bool

    def part(self, number: int) -> PartRange:
        """Part `number` (1-based); `ValueError` outside 1..part_count."""
        if not 1 <= number <= self.part_count:
            raise ValueError(f"part {number} is not in 1..{self.part_count}")
        offset = (number - 1) * self.part_size_bytes
        return PartRange(number, offset, min(self.part_size_bytes, self.size_bytes - offset))

    def parts(self) -> Iterator[PartRange]:
        for number in range(1, self.part_count + 1):
            yield self.part(number)


@dataclass(frozen=True, slots=True)
class PartPlanner:
    """Plans objects: files of `threshold_bytes` or more go up in parts of `part_size_bytes`."""

    threshold_bytes: int = DEFAULT_MULTIPART_THRESHOLD_BYTES
    part_size_bytes: int = DEFAULT_PART_BYTES

    def __post_init__(self) -> None:
        if not MIN_PART_BYTES <= self.part_size_bytes <= MAX_PART_BYTES:
            raise ValueError(
                f"a part size must be between {MIN_PART_BYTES} and {MAX_PART_BYTES} bytes, "
                f"not {self.part_size_bytes}"
            )
        if not 1 <= self.threshold_bytes <= MAX_SINGLE_PUT_BYTES + 1:
            raise ValueError(
                f"the multipart threshold must be between 1 byte and 5 GiB + 1 byte, "
                f"not {self.threshold_bytes}"
            )

    def plan(self, size_bytes: int) -> PartPlan:
        """The plan for a new upload of `size_bytes`; `PermanentError` above 5 TiB."""
        _check_object_size(size_bytes)
        if size_bytes < self.threshold_bytes:
            return PartPlan(size_bytes, max(size_bytes, 1), 1, is_multipart=False)
        return self.plan_with_part_size(size_bytes, self.part_size_for(size_bytes))

    def part_size_for(self, size_bytes: int) -> int:
        """The configured part size, grown in whole MiB to keep within 10,000 parts."""
        smallest = -(-size_bytes // MAX_PARTS)  # ceiling division
        if smallest <= self.part_size_bytes:
            return self.part_size_bytes
        return min(-(-smallest // MIB) * MIB, MAX_PART_BYTES)

    @staticmethod
    def plan_with_part_size(size_bytes: int, part_size_bytes: int) -> PartPlan:
        """The multipart plan for `size_bytes` in parts of `part_size_bytes` (a resumed upload).

        `ValueError` when that part size breaks S3's limits for this size.
        """
        _check_object_size(size_bytes)
        if not MIN_PART_BYTES <= part_size_bytes <= MAX_PART_BYTES:
            raise ValueError(f"part size {part_size_bytes} bytes is outside S3's limits")
        part_count = max(1, -(-size_bytes // part_size_bytes))
        if part_count > MAX_PARTS:
            raise ValueError(
                f"{size_bytes} bytes in parts of {part_size_bytes} bytes would need "
                f"{part_count} parts; S3 allows {MAX_PARTS}"
            )
        return PartPlan(size_bytes, part_size_bytes, part_count, is_multipart=True)


def _check_object_size(size_bytes: int) -> None:
    if size_bytes < 0:
        raise ValueError(f"a size cannot be negative ({size_bytes})")
    if size_bytes > MAX_OBJECT_BYTES:
        raise PermanentError(
            f"the file is {size_bytes} bytes; S3 objects are limited to 5 TiB "
            f"({MAX_OBJECT_BYTES} bytes). Split the file before delivering it."
        )
