"""What `bench window` measures the window with: how late the GUI thread serves a 10 ms timer,
the process's memory, when the first rows are painted, and a local archive in a child process.

The lateness probe is the one figure a person feels: a `QTimer` asking to fire every 10 ms on
the GUI thread fires late by however long the thread was busy (a drain, a sort, a repaint), so
its lateness is the window's freeze, sampled about a hundred times a second.
"""

from __future__ import annotations

import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer

from uploader_gui.core.events import Event, IndexFilesFound

PROBE_INTERVAL_MS = 10
_MIB = 1024 * 1024


@dataclass(frozen=True)
class Lateness:
    """How late the probe fired in one phase, in milliseconds."""

    samples: int
    p50_ms: float
    p99_ms: float
    max_ms: float


def lateness_of(samples_ms: list[float]) -> Lateness:
    if not samples_ms:
        return Lateness(0, 0.0, 0.0, 0.0)
    ordered = sorted(samples_ms)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    return Lateness(len(ordered), at(0.50), at(0.99), ordered[-1])


class LatenessProbe(QObject):
    """A precise 10 ms timer on the GUI thread; each tick's lateness goes to the current phase
    (ticks while `phase` is "" are not kept)."""

    def __init__(self, interval_ms: int = PROBE_INTERVAL_MS) -> None:
        super().__init__()
        self.phase = ""
        self._interval_s = interval_ms / 1000
        self._samples: dict[str, list[float]] = {}
        self._last = time.perf_counter()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def set_phase(self, phase: str) -> None:
        self.phase = phase
        self._last = time.perf_counter()  # a new phase does not inherit the old one's gap

    def result(self, phase: str) -> Lateness:
        return lateness_of(self._samples.get(phase, []))

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        late_ms = max(0.0, (now - self._last - self._interval_s) * 1000)
        self._last = now
        if self.phase:
            self._samples.setdefault(self.phase, []).append(late_ms)


def rss_mib() -> float:
    """The process's resident memory now (Linux /proc; elsewhere the peak stands in)."""
    return _proc_status_mib("VmRSS") or peak_rss_mib()


def peak_rss_mib() -> float:
    """The process's peak resident memory so far (VmHWM on Linux; else ru_maxrss, which is KiB
    on Linux and bytes on macOS)."""
    peak = _proc_status_mib("VmHWM")
    if peak:
        return peak
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / _MIB if sys.platform == "darwin" else maxrss / 1024


def _proc_status_mib(field: str) -> float:
    """A `kB` field of /proc/self/status in MiB, or 0.0 where there is no /proc."""
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return 0.0
    for line in lines:
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


class FirstBatchClock:
    """Wraps the window's `index_folder` so the time the walk reports its first batch of found
    files (on the index thread, as it is queued for the bridge) is known."""

    def __init__(self, index_folder: Callable[..., Any]) -> None:
        self._index_folder = index_folder
        self.first_batch_at: float | None = None

    def __call__(
        self, root: Path, options: Any, *, emit: Callable[[Event], None], **kw: Any
    ) -> Any:
        def timed_emit(event: Event) -> None:
            if self.first_batch_at is None and isinstance(event, IndexFilesFound):
                self.first_batch_at = time.perf_counter()
            emit(event)

        return self._index_folder(root, options, emit=timed_emit, **kw)


class FirstPaintWatch(QObject):
    """When the table's viewport first paints while its model has rows: rows a person sees."""

    def __init__(self, viewport: QObject, has_rows: Callable[[], bool]) -> None:
        super().__init__()
        self.painted_at: float | None = None
        self._has_rows = has_rows
        viewport.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.painted_at is None and event.type() == QEvent.Type.Paint and self._has_rows():
            self.painted_at = time.perf_counter()
        return False


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> float:
    """Run the event loop until `condition()` holds; returns when (perf_counter)."""
    deadline = time.perf_counter() + timeout_s
    loop = QEventLoop()
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{what}: not done within {timeout_s:.0f} s")
        QTimer.singleShot(20, loop.quit)
        loop.exec()
    return time.perf_counter()


def idle_for(seconds: float) -> None:
    """Run the event loop for `seconds` with nothing else to do (the reference)."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


class ArchiveChild:
    """`uploader-gui sandbox` in a child process, so the archive's moto server and validator do
    not share this process's GIL with the window (a partner's archive is not on their laptop).
    Its output goes to files (a pipe nobody reads could fill and stall it)."""

    def __init__(self, folder: Path, profile_path: Path, env: dict[str, str]) -> None:
        code = "import sys; from uploader_gui.cli import main; sys.exit(main(sys.argv[1:]))"
        self.profile_path = profile_path
        argv = [sys.executable, "-c", code, "sandbox", "--auto-accept"]
        argv += ["--profile-file", str(self.profile_path), "--bucket-stem", "bench"]
        self._out_path, self._err_path = folder / "archive.out", folder / "archive.err"
        with self._out_path.open("w") as out, self._err_path.open("w") as err:
            self._child = subprocess.Popen(argv, stdout=out, stderr=err, env=env)

    def wait_ready(self, timeout_s: float = 120) -> str:
        """Block until the archive says where it listens; returns its endpoint."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self._child.poll() is None:
            found = re.search(r"Local archive at (\S+)", self._out_path.read_text())
            if found and self.profile_path.exists():
                return found.group(1)
            time.sleep(0.1)  # a child process's start: nothing in this process to wait on
        self.stop()
        error = self._err_path.read_text()[-2000:]
        raise RuntimeError(f"the local archive did not start: {error}")

    def stop(self) -> None:
        if self._child.poll() is None:
            self._child.terminate()
            try:
                self._child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._child.kill()
                self._child.wait()
