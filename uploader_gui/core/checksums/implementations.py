"""The CRC32 implementations importable here, and the fastest of them (see `crc32`).

isal first, then zlib-ng, then stdlib zlib, which is always there; awscrt, measured slower
than zlib, is listed for the benchmark only.
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Callable
from dataclasses import dataclass

Crc32Function = Callable[[memoryview, int], int]


@dataclass(frozen=True, slots=True)
class Crc32Implementation:
    """One CRC32 implementation: its package name and `function(data, previous_crc)`."""

    name: str
    function: Crc32Function


def _implementation_from(name: str, module_name: str) -> Crc32Implementation | None:
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    function: Crc32Function = module.crc32
    return Crc32Implementation(name, function)


def _awscrt_implementation() -> Crc32Implementation | None:
    try:
        checksums = importlib.import_module("awscrt.checksums")
    except ImportError:
        return None

    def awscrt_crc32(data: memoryview, value: int = 0) -> int:
        return int(checksums.crc32(data, value))

    return Crc32Implementation("awscrt", awscrt_crc32)


def _fast_implementations() -> list[Crc32Implementation]:
    candidates = (
        _implementation_from("isal", "isal.isal_zlib"),
        _implementation_from("zlib-ng", "zlib_ng.zlib_ng"),
    )
    return [c for c in candidates if c is not None]


_ZLIB = Crc32Implementation("zlib", zlib.crc32)


def available_crc32_implementations() -> tuple[Crc32Implementation, ...]:
    """Every CRC32 implementation importable here, in order of preference; zlib is the fallback.

    awscrt, when importable, comes last: it measures slower than zlib, so it is listed for the
    benchmark and never chosen.
    """
    awscrt = _awscrt_implementation()
    return (*_fast_implementations(), _ZLIB, *([awscrt] if awscrt else []))


FASTEST_CRC32 = (*_fast_implementations(), _ZLIB)[0]


def crc32_of_bytes(data: bytes) -> int:
    """CRC32 of an in-memory buffer with the fastest implementation."""
    return FASTEST_CRC32.function(memoryview(data), 0)
