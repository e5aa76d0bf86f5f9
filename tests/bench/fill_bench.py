"""`uploader-gui bench fill [--files N]`: how soon the window's table shows a folder's files.

Builds N tiny files (default 100,000) in 100 folders, then indexes them through the path the
window uses: `IndexRunner` on its thread, events through `EngineBridge` (draining on its timer)
into `FileTableModel` behind the `FileFilterProxy`, sorted by path. Two ways, alternating, best
of `--rounds` each:

- streamed: the walk reports files as it finds them and rows are appended as they arrive;
- all at once: as before, the rows are added only from the finished index.

For each it prints the time to the first row, the time until the table holds every file and
the index is reported finished, and beside them the bare `build_folder_index` (no window) on
the same files. Figures only: compare ratios taken in one run, never seconds across machines.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QModelIndex, Qt, QTimer

from uploader_gui.core.delivery.folder_index import FolderIndex, IndexOptions, build_folder_index
from uploader_gui.ui.engine_bridge import EngineBridge, IndexSummary
from uploader_gui.ui.file_filter import FileFilterProxy
from uploader_gui.ui.file_table_model import Column, FileTableModel
from uploader_gui.ui.index_worker import IndexRunner

DEFAULT_FILES = 100_000
FOLDERS = 100
TIMEOUT_MS = 600_000


@dataclass(frozen=True)
class Fill:
    first_row_s: float
    all_rows_s: float
    rows: int


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--files", type=int, default=DEFAULT_FILES, help="files (100,000)")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each way, best kept")
    parser.add_argument("--dir", type=Path, help="where to build the temporary tree")


def run(args: argparse.Namespace) -> int:
    files, rounds = int(args.files), max(1, int(args.rounds))
    if files < 1:
        print("--files must be at least 1", file=sys.stderr)
        return 2
    _application = QCoreApplication.instance() or QCoreApplication([])
    with tempfile.TemporaryDirectory(prefix="uploader-gui-fill-", dir=args.dir) as temporary:
        root = _build_tree(Path(temporary) / "tree", files)
        build_folder_index(root)  # warm the page cache and the code alike for every contender
        print(f"bench fill: {files:,} files of 0-6 bytes in {FOLDERS} folders, best of {rounds}")
        bare_s = min(_timed_bare_index(root) for _ in range(rounds))
        streamed: list[Fill] = []
        at_once: list[Fill] = []
        for _ in range(rounds):
            streamed.append(_fill(root, is_streamed=True))
            at_once.append(_fill(root, is_streamed=False))
    print(f"  {'':<24}{'first row':>11}{'all rows':>11}{'vs bare index':>15}")
    print(f"  {'bare index (no window)':<24}{'':>11}{bare_s:>10.2f}s{1.0:>14.2f}×")
    is_complete = True
    for label, fills in (("streamed (now)", streamed), ("all at once (before)", at_once)):
        first_s = min(f.first_row_s for f in fills)
        all_s = min(f.all_rows_s for f in fills)
        is_complete &= all(f.rows == files for f in fills)
        print(f"  {label:<24}{first_s:>10.2f}s{all_s:>10.2f}s{all_s / bare_s:>14.2f}×", flush=True)
    if not is_complete:
        print("a run ended with a table that does not hold every file", file=sys.stderr)
        return 1
    return 0


def _build_tree(root: Path, files: int) -> Path:
    per_folder = -(-files // FOLDERS)
    for number in range(files):
        folder = root / f"night-{number // per_folder:03d}"
        if number % per_folder == 0:
            folder.mkdir(parents=True)
        (folder / f"frame-{number:07d}.fits").write_bytes(b"x" * (number % 7))
    return root


def _timed_bare_index(root: Path) -> float:
    started = time.perf_counter()
    build_folder_index(root)
    return time.perf_counter() - started


def _all_at_once(root: Path, options: IndexOptions, **kwargs: Any) -> FolderIndex:
    return build_folder_index(root, replace(options, reports_files_found=False), **kwargs)


def _fill(root: Path, *, is_streamed: bool) -> Fill:
    model = FileTableModel()
    proxy = FileFilterProxy(model)
    proxy.sort(Column.PATH, Qt.SortOrder.AscendingOrder)
    bridge = EngineBridge(model)
    index_folder: Callable[..., FolderIndex] = build_folder_index if is_streamed else _all_at_once
    runner = IndexRunner(bridge, index_folder=index_folder)
    loop = QEventLoop()
    first_row: list[float] = []
    done: list[float] = []

    def on_inserted(_parent: QModelIndex, _first: int, _last: int) -> None:
        if not first_row:
            first_row.append(time.perf_counter())

    def on_finished(_summary: IndexSummary) -> None:
        done.append(time.perf_counter())
        loop.quit()

    proxy.rowsInserted.connect(on_inserted)
    bridge.indexFinished.connect(on_finished)
    QTimer.singleShot(TIMEOUT_MS, loop.quit)
    started = time.perf_counter()
    runner.start(str(root))
    loop.exec()
    runner.shutdown()
    bridge.stop()
    if not done:
        raise RuntimeError(f"indexing {root} did not finish in {TIMEOUT_MS / 1000:.0f} s")
    return Fill(first_row[0] - started, done[0] - started, proxy.rowCount())
