"""`uploader-gui bench table` runs end to end on a small table and prints both figures."""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import QApplication

from uploader_gui.cli import main


def test_bench_table_prints_proxy_and_reference_for_each_case(
    capsys: pytest.CaptureFixture[str], qapp: QApplication
) -> None:
    # qapp: the bench would otherwise make a QCoreApplication, and a later window test in the
    # same process would abort for want of a QApplication.
    assert main(["bench", "table", "--rows", "2000", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "2,000 rows loaded" in out
    # 2,000 rows: 1 in 20 invalid and 1 in 20 failed.
    assert re.search(r"Problems\s+200\s+\d+\.\d+s\s+\d+\.\d+s\s+\d+\.\d+×", out)
    assert re.search(r"no match\s+0\s", out)
    assert re.search(r"All \(filter cleared\)\s+2,000\s", out)
    assert "20 scattered state changes in one drain, Done shown" in out


def test_bench_table_refuses_an_empty_table(
    capsys: pytest.CaptureFixture[str], qapp: QApplication
) -> None:
    assert main(["bench", "table", "--rows", "0"]) == 2
    assert "--rows must be at least 1" in capsys.readouterr().err
