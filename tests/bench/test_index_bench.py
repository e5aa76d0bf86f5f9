"""`uploader-gui bench index` runs end to end on a small tree and prints what it measures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from uploader_gui.cli import main


@pytest.mark.parametrize("cold", [False, True])
def test_bench_index_prints_scaling_and_the_ratio_to_cat(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cold: bool
) -> None:
    arguments = ["--big-mib", "8", "--small-files", "200", "--rounds", "1"]
    status = main(["bench", "index", "--dir", str(tmp_path), *arguments, *(["--cold"] * cold)])
    out = capsys.readouterr().out
    assert status in (0, 1)  # 1: a ratio below the floor on a loaded machine, still reported
    assert re.search(r"load average \d+\.\d+", out)
    assert ("COLD" in out) == cold
    for label in ("1 file of 8 MiB", "200 files of 16 KiB", "the whole tree"):
        assert f"  {label}: cat" in out
    assert (
        len(re.findall(r"index, 2 workers .* MiB/s \(\d+\.\d+ cores\)\s+x\d+\.\d+ the speed", out))
        == 3
    )
    assert len(re.findall(r"hashing alone .* 2 workers .*x\d+\.\d+ the speed of 1", out)) == 3
    assert len(re.findall(r"^    index/cat \d+\.\d+$", out, re.MULTILINE)) == 3
    assert re.search(r"worst speed-up from 1 to 2 workers, the whole index: x\d+\.\d+", out)
    assert list(tmp_path.iterdir()) == []  # the tree is gone
