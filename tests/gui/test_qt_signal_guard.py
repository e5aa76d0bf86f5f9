"""Guard against PySide6 builds that abort after ~600 `Signal(bool).emit()` calls (DESIGN.md §7).

PySide6 6.12.0 on CPython 3.11 dropped a reference to `True` on every bool emit until the
interpreter aborted. If a dependency update brings such a build back, these tests fail: in
process by losing values or references, and in a subprocess by the abort itself, so pytest
reports a failure instead of dying.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from PySide6.QtCore import QObject, Signal, Slot

EMIT_COUNT = 5_000


class _Switch(QObject):
    toggled = Signal(bool)


class _Recorder(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.values: list[bool] = []

    @Slot(bool)
    def record(self, value: bool) -> None:
        self.values.append(value)


def expected_values() -> list[bool]:
    # Mostly True: the refcount bug was on True; some False to show values are not mixed up.
    return [i % 5 != 0 for i in range(EMIT_COUNT)]


def emit_all() -> list[bool]:
    switch, recorder = _Switch(), _Recorder()
    switch.toggled.connect(recorder.record)
    for value in expected_values():
        switch.toggled.emit(value)
    return recorder.values


def test_5000_bool_signals_arrive_with_their_values(qapp: object) -> None:
    true_refs_before = sys.getrefcount(True)
    values = emit_all()
    assert values == expected_values()
    # The broken build lost one reference per emit; a healthy one keeps the count steady
    # (on 3.12+ True is immortal and the count never moves).
    assert sys.getrefcount(True) >= true_refs_before - 100


def test_5000_bool_signals_in_a_fresh_process_do_not_abort() -> None:
    script = textwrap.dedent(
        f"""
        from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

        class Switch(QObject):
            toggled = Signal(bool)

        class Recorder(QObject):
            def __init__(self):
                super().__init__()
                self.values = []

            @Slot(bool)
            def record(self, value):
                self.values.append(value)

        app = QCoreApplication([])
        switch, recorder = Switch(), Recorder()
        switch.toggled.connect(recorder.record)
        expected = [i % 5 != 0 for i in range({EMIT_COUNT})]
        for value in expected:
            switch.toggled.emit(value)
        assert recorder.values == expected, "values lost or changed"
        print("received", len(recorder.values))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=False,
    )
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stderr[-2000:]}"
    assert result.stdout.strip() == f"received {EMIT_COUNT}"
