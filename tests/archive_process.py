"""A local archive in a process of its own (for tests that kill it, and for memory figures).

`archive_process(...)` starts `LocalArchive` in a child interpreter (on `data_dir`, or in memory
when it is None), waits until it has written its profile, yields the child and stops it by
closing its stdin (unless the test killed it). The archive's RSS is then the child's alone.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_SCRIPT = """
import sys
from pathlib import Path
from uploader_gui.sandbox.archive import LocalArchive, SandboxOptions
stem, data_dir, audit, profile = sys.argv[1:5]
archive = LocalArchive(SandboxOptions(
    bucket_stem=stem, data_dir=Path(data_dir) if data_dir else None,
    audit_path=Path(audit) if audit else None, auto_accept=True))
archive.start()
archive.write_profile(Path(profile))
print("ready", flush=True)
sys.stdin.read()
archive.stop()
"""


@contextmanager
def archive_process(
    stem: str, data_dir: Path | None, profile: Path, audit: Path | None = None
) -> Iterator[subprocess.Popen[str]]:
    arguments = [stem, str(data_dir or ""), str(audit or ""), str(profile)]
    child = subprocess.Popen(
        [sys.executable, "-c", _SCRIPT, *arguments],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        if child.stdout.readline().strip() != "ready":
            raise RuntimeError("the archive process did not start")
        yield child
    finally:
        if child.poll() is None:
            assert child.stdin is not None
            child.stdin.close()
            child.wait(timeout=120)


def rss_bytes(pid: int) -> int | None:
    """The resident set of process `pid` (Linux /proc; None where that is not available)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text("ascii")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return None
