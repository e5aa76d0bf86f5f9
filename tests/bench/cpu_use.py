"""CPU seconds used by this process and every process under it, so a benchmark can say how
many cores a run actually got on a shared machine (a speed-up from 1 to 2 workers cannot
show when other programs leave us one core).

Linux only for live descendants (worker processes, which are not waited for): it reads
/proc. Elsewhere it counts this process and its waited-for children.
"""

from __future__ import annotations

import os
import resource
from pathlib import Path

_TICKS_PER_S = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds() -> float:
    """User + system CPU of this process, its waited-for children and its live descendants."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    waited = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + waited.ru_utime + waited.ru_stime
    return total + sum(_cpu_of(pid) for pid in _live_descendants(os.getpid()))


def _live_descendants(pid: int) -> list[int]:
    found: list[int] = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            pids = [int(child) for child in children.read_text().split()]
        except OSError:
            continue
        for child in pids:
            found.extend([child, *_live_descendants(child)])
    return found


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS_PER_S  # utime, stime
