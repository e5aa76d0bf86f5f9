"""`uploader-gui bench store` runs end to end on a small list and prints its figures."""

from __future__ import annotations

import re

import pytest

from uploader_gui.cli import main


def test_bench_store_prints_both_runs_and_their_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "store", "--files", "300"]) == 0
    out = capsys.readouterr().out
    assert "register 300 files" in out
    assert re.search(r"bare executemany, plain table\s+\d+\.\d+ s", out)
    assert re.search(r"state store\s+\d+\.\d+ s\s+\d+\.\d+ MiB", out)
    assert re.search(r"ratio store / reference\s+\d+\.\d+ ×", out)
    assert "goal for 1,000,000 files: ≤ 10 s and ≤ 300 MB peak (run without --files" in out


def test_bench_store_refuses_an_empty_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "store", "--files", "0"]) == 2
    assert "--files must be at least 1" in capsys.readouterr().err
