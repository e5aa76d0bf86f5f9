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

Even so, one full collection walks every long-lived object: with a million files indexed
(their fingerprints are tracked tuples) that held the GUI thread for about half a second
(`bench window`, twice as indexing ended). So the survivors of a full collection are frozen
(`gc.freeze`): the next one walks only what arrived since, at most MAX_PENDING_FULL objects
(tens of milliseconds). The cost: cyclic garbage among frozen objects waits. It is collected
by the next full collection that finds few frozen objects (at most MAX_FROZEN_RESCANNED, so
that walk is short too: it unfreezes them first), or when the collector stops. Garbage
without cycles is freed at once, frozen or not (reference counting). The young collections
run every COLLECT_INTERVAL_MS, often enough that each walks few objects.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot

# A worker allocates tens of thousands of objects a second while indexing: at 500 ms a young
# collection walked them all at once (55-73 ms, `bench window`); at 100 ms a fifth as many.
COLLECT_INTERVAL_MS = 100
OLDEST = 2
FULL_COLLECTION_GROWTH = 0.25  # as CPython's long_lived_pending > long_lived_total / 4
MAX_PENDING_FULL = 200_000  # a full collection walks at most about this many unfrozen objects
MAX_FROZEN_RESCANNED = 200_000  # so few frozen: a full collection walks them again, too


class GuiThreadGarbageCollector(QObject):
    """While it lives (until `stop()`), cyclic garbage is collected on this object's thread."""

    def __init__(self, parent: QObject | None = None, *, interval_ms: int = COLLECT_INTERVAL_MS):
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        # The long-lived objects after the last full run, frozen or not (at the start: the
        # oldest generation as it is now); the oldest generation's own size after it.
        self._long_lived = len(gc.get_objects(generation=OLDEST))
        self._oldest_after_full = self._long_lived
        self._has_frozen = False
        self._oldest_count_seen = -1  # the collector's count for the oldest when last counted
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start(interval_ms)

    @Slot()
    def collect_due(self) -> int:
        """Collect the generations whose thresholds are crossed; returns objects found."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        due = [level for level in range(OLDEST) if counts[level] > thresholds[level]]
        # Not CPython's wait for ten middle collections as well: with survivors frozen, what
        # a full collection walks grows with the wait (650,000 objects, 150 ms, after 11 s of
        # indexing); looked at after each middle collection, it stays near MAX_PENDING_FULL.
        if self._is_full_collection_due(counts[OLDEST]):
            due.append(OLDEST)
        if not due:
            return 0
        generation = max(due)
        if generation == OLDEST:
            return self.collect_oldest()
        return gc.collect(generation)

    def collect_oldest(self) -> int:
        """A full collection over the objects not frozen (all of them, while few are frozen),
        then its survivors frozen: the next one walks only what arrives meanwhile."""
        if 0 < gc.get_freeze_count() <= MAX_FROZEN_RESCANNED:
            gc.unfreeze()  # few: walked again, so their cyclic garbage is found too
        found = gc.collect(OLDEST)
        gc.freeze()
        self._has_frozen = True
        self._long_lived = gc.get_freeze_count()  # less what reference counting freed since
        self._oldest_after_full = 0
        return found

    def _is_full_collection_due(self, oldest_count: int) -> bool:
        """CPython's rule: the oldest generation grew by a quarter since the last full run.
        Counting it costs a list of pointers, so it is counted again only after a younger
        collection moved objects into it (the collector's count for it went up)."""
        if oldest_count == self._oldest_count_seen:
            return False
        self._oldest_count_seen = oldest_count
        grown = len(gc.get_objects(generation=OLDEST)) - self._oldest_after_full
        return grown > min(self._long_lived * FULL_COLLECTION_GROWTH, MAX_PENDING_FULL)

    def stop(self) -> None:
        """Collect everything now and give collection back to Python."""
        self._timer.stop()
        if self._has_frozen:
            gc.unfreeze()  # everything is walked once more: no cyclic garbage stays behind
            self._has_frozen = False
        gc.collect()
        if self._was_enabled:
            gc.enable()
