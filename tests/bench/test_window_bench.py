"""`uploader-gui bench window` runs end to end on a small folder and a small delivery, and
prints every figure: first rows, lateness per phase beside the idle reference, memory."""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import QApplication

from uploader_gui.cli import main

NUMBER = r"\d[\d,]*(?:\.\d+)?"


def test_bench_window_prints_rows_lateness_and_memory_for_indexing_and_a_delivery(
    capsys: pytest.CaptureFixture[str], qapp: QApplication
) -> None:
    # qapp: the window needs a QApplication, and one is shared by every test in this process.
    argv = ["bench", "window", "--files", "2000", "--deliver-files", "40", "--idle-s", "0.5"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "2,000 files of 0-6 bytes in 100 folders" in out
    assert re.search(rf"first rows, after the first batch\s+{NUMBER} s\s+≤ 1 s", out)
    for line in ("first rows, after opening", "every row in the table", "index finished"):
        assert re.search(rf"{line}.*\s{NUMBER} s", out), line
    assert re.search(rf"delivery of 40 files\s+{NUMBER} s\s+\({NUMBER} files/s, 40 valid\)", out)
    lateness = rf"\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}"
    assert re.search(rf"idle window \(reference\){lateness}\s+reference", out)
    for phase in ("indexing: rows arriving", "indexing: reading files", r"delivering \(40 files\)"):
        assert re.search(rf"{phase}{lateness}\s+p99 ≤ 50, max ≤ 250", out), phase
    for line in ("before the window", "after indexing 2,000 files", "at the end", "peak"):
        assert re.search(rf"{line}\s+{NUMBER} MiB", out), line


def test_bench_window_refuses_an_empty_folder(
    capsys: pytest.CaptureFixture[str], qapp: QApplication
) -> None:
    assert main(["bench", "window", "--files", "0"]) == 2
    assert "--files must be at least 1" in capsys.readouterr().err
