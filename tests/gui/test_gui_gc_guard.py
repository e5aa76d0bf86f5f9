"""Cyclic garbage is collected on the GUI thread only, however busy the workers are."""

from __future__ import annotations

import gc
import threading
import weakref
from typing import Any

from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from uploader_gui.ui.gc_guard import GuiThreadGarbageCollector


def make_cyclic_qt_garbage(count: int) -> None:
    for _ in range(count):
        holder: dict[str, Any] = {"qt": QObject()}
        holder["self"] = holder  # a cycle: only the cyclic collector frees it


def test_collections_run_on_the_gui_thread_only(qtbot: QtBot) -> None:
    collected_on: set[int] = set()

    def record(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            collected_on.add(threading.get_ident())

    was_enabled = gc.isenabled()
    gc.enable()  # as in a fresh process: the guard must be what keeps workers from collecting
    guard = GuiThreadGarbageCollector(interval_ms=10)
    gc.callbacks.append(record)
    try:
        assert not gc.isenabled()
        worker = threading.Thread(target=make_cyclic_qt_garbage, args=(20_000,))
        worker.start()
        qtbot.waitUntil(lambda: not worker.is_alive(), timeout=30_000)
        make_cyclic_qt_garbage(2_000)
        qtbot.waitUntil(lambda: bool(collected_on), timeout=5_000)
    finally:
        gc.callbacks.remove(record)
        guard.stop()
        restored = gc.isenabled()
        if not was_enabled:
            gc.disable()
    assert collected_on == {threading.get_ident()}
    assert restored, "stop() gives collection back to Python"


def test_full_collections_wait_until_the_long_lived_objects_grew_by_a_quarter() -> None:
    # A million files' rows stay alive for the whole delivery; walking them all every few
    # seconds stalled the window for seconds each time. Short-lived garbage must not do it.
    full_runs: list[int] = []

    def record(phase: str, info: dict[str, Any]) -> None:
        if phase == "start" and info["generation"] == 2:
            full_runs.append(1)

    was_enabled = gc.isenabled()
    # The rest of the test session's objects are set aside (frozen), so "a quarter more" is
    # measured on this test's own long-lived objects, whatever ran before it.
    gc.freeze()
    long_lived = [[n] for n in range(200_000)]
    gc.collect()  # they are old now
    guard = GuiThreadGarbageCollector(interval_ms=3_600_000)  # driven by hand below
    gc.callbacks.append(record)
    try:
        for _ in range(300):  # short-lived cyclic garbage, collected young
            make_cyclic_garbage(1_000)
            guard.collect_due()
        assert full_runs == []
        long_lived += [[n] for n in range(100_000)]  # half as many again, kept
        for _ in range(300):
            make_cyclic_garbage(1_000)
            guard.collect_due()
        assert full_runs, "a full collection once the long-lived objects grew"
    finally:
        gc.callbacks.remove(record)
        guard.stop()
        gc.unfreeze()
        if not was_enabled:
            gc.disable()
    assert len(long_lived) == 300_000


def make_cyclic_garbage(count: int) -> None:
    for _ in range(count):
        holder: dict[str, Any] = {}
        holder["self"] = holder


class Node:
    """A long-lived object in a cycle (it can be watched with a weak reference)."""

    def __init__(self) -> None:
        self.me = self


def test_a_full_collection_freezes_its_survivors_and_stop_collects_their_garbage() -> None:
    # With a million files' fingerprints alive, each full collection walked them all: half a
    # second of a still window. Survivors are set aside, so the next walks only newcomers.
    walked: list[int] = []

    def record(phase: str, info: dict[str, Any]) -> None:
        if phase == "start" and info["generation"] == 2:
            walked.append(len(gc.get_objects()))  # what it walks: every object not frozen

    was_enabled = gc.isenabled()
    gc.freeze()  # the rest of the test session, as in the test above
    guard = GuiThreadGarbageCollector(interval_ms=3_600_000)  # driven by hand below
    long_lived = [[n] for n in range(300_000)]
    node = Node()
    watched = weakref.ref(node)
    gc.callbacks.append(record)
    try:
        guard.collect_oldest()  # as collect_due does once the long-lived grew by a quarter
        long_lived += [[n] for n in range(50_000)]
        del node  # now cyclic garbage among the frozen: walked again only by stop()
        guard.collect_oldest()
        assert walked[0] >= 300_000
        assert walked[1] < 100_000  # only what arrived since the first
        assert watched() is not None
    finally:
        gc.callbacks.remove(record)
        guard.stop()
        if not was_enabled:
            gc.disable()
    assert gc.get_freeze_count() == 0  # stop() unfroze everything
    assert watched() is None  # and collected the garbage that had been frozen
    assert len(long_lived) == 350_000
