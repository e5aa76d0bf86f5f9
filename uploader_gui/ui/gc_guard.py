"""Python's cyclic garbage collector, run only on the GUI thread.

A collection runs on whichever thread happens to allocate when a threshold is crossed. If
that is a worker (indexing, pre-flight, the delivery session) and the garbage holds a Qt
object, Qt destroys it on the wrong thread and the app crashes (seen here as a segfault
inside a pre-flight YAML parse). So automatic collection is switched off and the GUI thread
collects on a timer, choosing the generation by the same thresholds the collector uses.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot

COLLECT_INTERVAL_MS = 500


class GuiThreadGarbageCollector(QObject):
    """While it lives (until `stop()`), cyclic garbage is collected on this object's thread."""

    def __init__(self, parent: QObject | None = None, *, interval_ms: int = COLLECT_INTERVAL_MS):
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start(interval_ms)

    @Slot()
    def collect_due(self) -> int:
        """Collect the generations whose thresholds are crossed; returns objects found."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        generation = -1
        for level in range(3):
            if counts[level] > thresholds[level]:
                generation = level
        return gc.collect(generation) if generation >= 0 else 0

    def stop(self) -> None:
        """Collect everything now and give collection back to Python."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
