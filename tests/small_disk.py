"""A real small filesystem for tests of a full disk: a size-limited tmpfs, filled on demand.

Mounting needs root (CI and the development machine run the suite as root); elsewhere the tests
that need it are skipped with the reason."""

from __future__ import annotations

import contextlib
import errno
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

FILLER_NAME = "filler.bin"


@contextlib.contextmanager
def mounted_tmpfs(mount_point: Path, size_mib: int) -> Iterator[Path]:
    """A tmpfs of `size_mib` MiB at `mount_point`, unmounted afterwards."""
    mount_point.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_mib}m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip() or 'not root'}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(folder: Path) -> Path:
    """Write a filler file in `folder` until its filesystem has no room left; returns it."""
    filler = folder / FILLER_NAME
    chunk = b"\0" * (256 * 1024)
    with filler.open("ab", buffering=0) as out:
        for size in (len(chunk), 4096, 512, 1):
            while True:
                try:
                    out.write(chunk[:size])
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
    return filler
