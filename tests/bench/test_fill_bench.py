"""`uploader-gui bench fill` runs end to end on a small folder and prints both ways' figures."""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import QApplication

from uploader_gui.cli import main


def test_bench_fill_prints_first_and_all_rows_for_both_ways(
    capsys: pytest.CaptureFixture[str], qapp: QApplication
) -> None:
    # qapp: the bench would otherwise make a QCoreApplication (see test_table_filter_bench).
    assert main(["bench", "fill", "--files", "500", "--rounds", "1"]) == 0
    out = capsys.readouterr().out
    assert "500 files of 0-6 bytes" in out
    assert re.search(r"streamed \(now\)\s+\d+\.\d+s\s+\d+\.\d+s\s+\d+\.\d+×", out)
    assert re.search(r"all at once \(before\)\s+\d+\.\d+s\s+\d+\.\d+s\s+\d+\.\d+×", out)


def test_bench_fill_refuses_an_empty_folder(
    capsys: pytest.CaptureFixture[str], qapp: QApplication
) -> None:
    assert main(["bench", "fill", "--files", "0"]) == 2
    assert "--files must be at least 1" in capsys.readouterr().err
