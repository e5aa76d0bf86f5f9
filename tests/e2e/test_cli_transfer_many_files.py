"""A delivery of 10,000 small files completes (and the receipt lists every one)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.transfer_cli_kit import CliRun, Workspace, receipt, running_archive
from uploader_gui.sandbox.archive import LocalArchive

FILE_COUNT = 10_000


@pytest.fixture(scope="module")
def archive() -> Iterator[LocalArchive]:
    with running_archive() as archive:
        yield archive


@pytest.mark.slow
# The local archive (moto, in this process) answers a few hundred PUTs/s at best on a loaded
# 2-core machine (its validator gives >1,000 verdicts/s), so this can outlast the default 300 s.
@pytest.mark.timeout(900)
def test_ten_thousand_small_files(archive: LocalArchive, tmp_path: Path) -> None:
    workspace = Workspace(archive, tmp_path)
    files = {f"d{n // 1000}/f{n:05d}.fits": b"%d\n" % n for n in range(FILE_COUNT)}
    # A child process: the archive (moto) keeps this one's interpreter busy.
    child = workspace.spawn(workspace.folder(files), "--concurrency", "8")
    out, err = child.communicate(timeout=850)
    run = CliRun(child.returncode, out, err)
    assert run.exit_status == 0, run.out[-3000:] + run.err
    assert f"all {FILE_COUNT:,} files are valid" in run.out
    data = receipt(run)
    assert data["totals"]["files"] == FILE_COUNT
    assert data["totals"]["by_state"] == {"valid": FILE_COUNT}
