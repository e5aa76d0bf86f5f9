"""The state store and the file system for the History view and the resume offer, off the GUI
thread (DESIGN.md §2): reading the deliveries, marking one discarded, and checking that a
delivery's folder, label and index are still there before it is resumed.

One worker thread runs the calls in order (so a discard is done before the read after it);
results come back as queued signals. A failure (a damaged store, a bug) is reported with its
message, never raised into Qt.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from uploader_gui.wiring.delivery_history import HistoryEntry

log = logging.getLogger(__name__)


def _failure(error: BaseException) -> str:
    return str(error) or type(error).__name__


class HistoryReader(QObject):
    """`read()` → `historyRead`; `discard()` → `discarded`; `check()` → `checked`."""

    historyRead = Signal(object, str)  # list[HistoryEntry] ([] on failure), why it failed
    discarded = Signal(int, str)  # delivery key, why it failed ("" if it did not)
    checked = Signal(object, object)  # the HistoryEntry, list[str] of what is missing

    def __init__(self, store_path: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store_path = store_path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="history")
        self._is_shut_down = False

    def read(self) -> None:
        self._submit(self._read)

    def discard(self, delivery_key: int) -> None:
        self._submit(lambda: self._discard(delivery_key))

    def check(self, entry: HistoryEntry) -> None:
        self._submit(lambda: self._check(entry))

    def shutdown(self) -> None:
        """Wait for the call under way and drop the rest (safe to call twice)."""
        self._is_shut_down = True
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _submit(self, call: Callable[[], None]) -> None:
        if not self._is_shut_down:
            self._executor.submit(call)

    # --- worker thread ------------------------------------------------------------------------
    # The wiring is imported here: it brings the state store, needed only once the thread runs.

    def _read(self) -> None:
        from uploader_gui.wiring.delivery_history import read_history

        try:
            entries = read_history(self._store_path)
        except Exception as error:  # a damaged or newer store: said in the window, logged here
            log.exception("reading the delivery history failed")
            self.historyRead.emit([], _failure(error))
            return
        self.historyRead.emit(entries, "")

    def _discard(self, delivery_key: int) -> None:
        from uploader_gui.wiring.delivery_history import discard_delivery

        try:
            discard_delivery(self._store_path, delivery_key)
        except Exception as error:
            log.exception("discarding delivery %s failed", delivery_key)
            self.discarded.emit(delivery_key, _failure(error))
            return
        self.discarded.emit(delivery_key, "")

    def _check(self, entry: HistoryEntry) -> None:
        from uploader_gui.wiring.delivery_history import missing_inputs

        try:
            problems = missing_inputs(entry.summary.record)
        except Exception as error:  # e.g. a path the OS refuses to look at
            log.exception("checking the inputs of delivery %s failed", entry.summary.key)
            problems = [f"Its folder, label or index could not be checked: {_failure(error)}"]
        self.checked.emit(entry, problems)
