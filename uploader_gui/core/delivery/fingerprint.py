"""One file of a delivery as every layer sees it: its index path, size, mtime and CRC32.

The same value goes from the folder index (or the provider's index and the disk) to the
session's plan, the state store, the transfer requests and the receipt. It is a tuple, so a
million of them go to SQLite's `executemany` without being copied into other rows.
"""

from __future__ import annotations

from typing import NamedTuple

from uploader_gui.core.checksums.crc32 import crc32_to_base64


class FileFingerprint(NamedTuple):
    """A file's relative POSIX `path` (its object key), size, mtime and CRC32 (None if not made).

    `crc32` is the unsigned 32-bit number; the archive's base64 form is `crc32_base64`.
    """

    path: str
    size_bytes: int
    mtime_ns: int
    crc32: int | None = None

    @property
    def crc32_base64(self) -> str | None:
        """The CRC32 as S3 and the index write it (`3eqhBw==`), or None."""
        return None if self.crc32 is None else crc32_to_base64(self.crc32)

    def has_changed_from(self, earlier: FileFingerprint) -> bool:
        """True when size, mtime or (where both are known) CRC32 differ from `earlier`'s."""
        if (self.size_bytes, self.mtime_ns) != (earlier.size_bytes, earlier.mtime_ns):
            return True
        return self.crc32 is not None and earlier.crc32 is not None and self.crc32 != earlier.crc32
