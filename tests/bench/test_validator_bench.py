"""`uploader-gui bench validator` runs end to end on a few files and prints its figures."""

from __future__ import annotations

import re

import pytest

from uploader_gui.cli import main


def test_bench_validator_prints_verdicts_per_second_and_cpu(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["bench", "validator", "--files", "60"]) == 0
    out = capsys.readouterr().out
    assert re.search(
        r"60 × 1 KiB: last verdict after \d+\.\d s, [\d,]+ verdicts/s, archive CPU \d+\.\d s "
        r"\(\d+\.\d\d ms a file\), 0 not ok",
        out,
    ), out
