"""CRC32 of a whole file from its parts' CRC32s, checked against zlib on random data."""

from __future__ import annotations

import random
import zlib
from itertools import pairwise

import pytest

from uploader_gui.core.checksums.crc32_combine import (
    apply_combine,
    combine_operator,
    crc32_combine,
    crc32_of_pieces,
)


@pytest.mark.parametrize("length_b", [0, 1, 3, 4, 255, 4096, 65_537, 1_000_003])
def test_combine_equals_zlib_of_the_concatenation(length_b: int) -> None:
    rng = random.Random(length_b)
    a = rng.randbytes(rng.randrange(0, 5000))
    b = rng.randbytes(length_b)

    assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def test_random_splits_into_many_pieces_give_the_whole_crc32() -> None:
    rng = random.Random(7)
    for _ in range(20):
        data = rng.randbytes(rng.randrange(1, 200_000))
        cuts = sorted(rng.sample(range(len(data) + 1), k=min(6, len(data) + 1)))
        edges = [0, *cuts, len(data)]
        pieces = [data[start:end] for start, end in pairwise(edges)]

        combined = crc32_of_pieces((zlib.crc32(piece), len(piece)) for piece in pieces)

        assert combined == zlib.crc32(data)


def test_equal_parts_reuse_one_operator() -> None:
    rng = random.Random(3)
    parts = [rng.randbytes(1024) for _ in range(50)]
    operator = combine_operator(1024)

    total = 0
    for part in parts:
        total = apply_combine(operator, total, zlib.crc32(part))

    assert total == zlib.crc32(b"".join(parts))


def test_no_pieces_is_the_crc32_of_nothing() -> None:
    assert crc32_of_pieces([]) == zlib.crc32(b"") == 0


def test_long_pieces_combine_without_reading_them_again() -> None:
    # The CRC32 of 2n zero bytes from that of n, doubled up to 32 MiB.
    crc, length = zlib.crc32(bytes(1024)), 1024
    while length < 32 * 1024 * 1024:
        crc, length = crc32_combine(crc, crc, length), 2 * length

    assert crc == zlib.crc32(bytes(length))


def test_a_negative_length_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        combine_operator(-1)
