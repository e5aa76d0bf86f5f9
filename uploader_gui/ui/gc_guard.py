"""Python's cyclic garbage collector, run only on the GUI thread.

A collection runs on whichever thread happens to allocate when a threshold is crossed. If
that is a worker (indexing, pre-flight, the delivery session) and the garbage holds a Qt
object, Qt destroys it on the wrong thread and the app crashes (seen here as a segfault
inside a pre-flight YAML parse). So automatic collection is switched off and the GUI thread
collects on a timer, choosing the generation by the same thresholds the collector uses.

A full (oldest-generation) collection also waits, as CPython's own does, until the objects
that reached the oldest generation since the last one are a quarter of those it held then:
without that rule it ran every few seconds, and with a million files' rows alive each run held
the window still for seconds (`bench window`).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot

COLLECT_INTERVAL_MS = 500
OLDEST = 2
FULL_COLLECTION_GROWTH = 0.25  # as CPython's long_lived_pending > long_lived_total / 4


class GuiThreadGarbageCollector(QObject):
    """While it lives (until `stop()`), cyclic garbage is collected on this object's thread."""

    def __init__(self, parent: QObject | None = None, *, interval_ms: int = COLLECT_INTERVAL_MS):
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        # The oldest generation's size after the last full run (at the start: as it is now).
        self._oldest_after_full = len(gc.get_objects(generation=OLDEST))
        self._oldest_count_seen = -1  # the collector's count for the oldest when last counted
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start(interval_ms)

    @Slot()
    def collect_due(self) -> int:
        """Collect the generations whose thresholds are crossed; returns objects found."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        due = [level for level in range(OLDEST + 1) if counts[level] > thresholds[level]]
        if OLDEST in due and not self._is_full_collection_due(counts[OLDEST]):
            due.remove(OLDEST)  # as CPython does: the next younger generation due, if any
        if not due:
            return 0
        generation = max(due)
        found = gc.collect(generation)
        if generation == OLDEST:
            self._oldest_after_full = len(gc.get_objects(generation=OLDEST))
        return found

    def _is_full_collection_due(self, oldest_count: int) -> bool:
        """CPython's rule: the oldest generation grew by a quarter since the last full run.
        Counting it costs a list of pointers, so it is counted again only after a younger
        collection moved objects into it (the collector's count for it went up)."""
        if oldest_count == self._oldest_count_seen:
            return False
        self._oldest_count_seen = oldest_count
        grown = len(gc.get_objects(generation=OLDEST)) - self._oldest_after_full
        return grown > self._oldest_after_full * FULL_COLLECTION_GROWTH

    def stop(self) -> None:
        """Collect everything now and give collection back to Python."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
