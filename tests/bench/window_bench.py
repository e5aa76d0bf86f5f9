"""`uploader-gui bench window [--files N] [--deliver-files M]`: the real window, offscreen, on a
folder of N tiny files (default 1,000,000), then delivering M of them (default 10,000).

What a person feels, beside the goals and a reference taken in the same run:

- how soon rows show: from the walk reporting its first batch of found files (on the index
  thread) to the table's first paint with rows in it;
- how late the GUI thread serves a 10 ms timer (p50, p99, max), on the idle window (the
  reference), while the rows arrive, while the files are read for their checksums, and while
  the delivery runs;
- the process's memory: before the window, after indexing, at the end, and the peak.

The folder is real (N files of 0-6 bytes in 100 folders under a temporary directory), indexed
by the window's own `IndexRunner` and bridge. The delivery goes to the local archive run as
`uploader-gui sandbox` in a child process, selected as a profile: the archive's moto server and
validator would otherwise share this process's GIL and be counted as the window's lateness
(`--archive in-process` measures just that: the archive in the window's process, as the window
ran its built-in archive before it had a process of its own).
M is smaller than N because the archive (moto) stores some 100 small files a second here: a
million would take hours. Protocol polls are 1 s (the app's default is slower) so the run ends
soon after the last verdict; nothing on the GUI thread depends on them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer

from tests.bench.delivery_bench import LABEL
from tests.bench.fill_bench import FOLDERS, _build_tree
from tests.bench.window_probes import (
    ArchiveChild,
    FirstBatchClock,
    FirstPaintWatch,
    Lateness,
    LatenessProbe,
    idle_for,
    peak_rss_mib,
    rss_mib,
    wait_until,
)
from uploader_gui.app_dirs import HOME_ENV, app_dirs

if TYPE_CHECKING:
    from uploader_gui.sandbox.archive import LocalArchive
    from uploader_gui.ui.main_window import MainWindow

DEFAULT_FILES = 1_000_000
DEFAULT_DELIVER_FILES = 10_000
GOAL_FIRST_ROWS_S = 1.0
GOAL_P99_MS = 50.0
GOAL_MAX_MS = 250.0
POLL_EVERY_S = 1.0
PHASES = {
    "idle": "idle window (reference)",
    "listing": "indexing: rows arriving",
    "reading": "indexing: reading files",
    "delivering": "delivering",
}


@dataclass
class Figures:
    files: int
    deliver_files: int
    tree_s: float = 0.0
    first_rows_s: float | None = None
    open_to_first_rows_s: float | None = None
    all_rows_s: float = 0.0
    index_s: float = 0.0
    deliver_s: float = 0.0
    delivered_valid: int = 0
    rss_before_mib: float = 0.0
    rss_indexed_mib: float = 0.0
    rss_end_mib: float = 0.0
    rss_peak_mib: float = 0.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--files", type=int, default=DEFAULT_FILES, help="files (1,000,000)")
    parser.add_argument(
        "--deliver-files",
        type=int,
        default=DEFAULT_DELIVER_FILES,
        help="files delivered to the local archive afterwards (10,000; 0 skips the delivery)",
    )
    parser.add_argument("--idle-s", type=float, default=3.0, help="the idle reference's length")
    parser.add_argument("--timeout-s", type=float, default=3600.0, help="per phase")
    parser.add_argument("--dir", type=Path, help="where to build the temporary trees")
    parser.add_argument(
        "--tree",
        type=Path,
        help="keep the N-file folder here and reuse it next time (a million take minutes)",
    )
    parser.add_argument(
        "--archive",
        choices=("child", "in-process"),
        default="child",
        help="the archive delivered to runs in a process of its own (as the window's does "
        "now) or in the window's process (as it did before): the GUI lateness of each",
    )


class ArchiveInWindow:
    """The local archive in the window's own process (ArchiveChild's interface)."""

    def __init__(self, profile_path: Path) -> None:
        self.profile_path = profile_path
        self._archive: LocalArchive | None = None

    def wait_ready(self) -> str:
        from uploader_gui.sandbox.archive import LocalArchive, SandboxOptions

        self._archive = LocalArchive(SandboxOptions(auto_accept=True, bucket_stem="bench"))
        self._archive.start()
        self._archive.write_profile(self.profile_path)
        return self._archive.endpoint_url

    def stop(self) -> None:
        if self._archive is not None:
            self._archive.stop()


def run(args: argparse.Namespace) -> int:
    files, deliver_files = int(args.files), int(args.deliver_files)
    if files < 1 or deliver_files < 0:
        print("--files must be at least 1 and --deliver-files at least 0", file=sys.stderr)
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    _application = QApplication.instance() or QApplication([])
    if not isinstance(_application, QApplication):
        print(
            "bench window needs a QApplication (widgets), not a QCoreApplication", file=sys.stderr
        )
        return 2
    figures = Figures(files, deliver_files)
    with tempfile.TemporaryDirectory(prefix="uploader-gui-window-", dir=args.dir) as temporary:
        root = Path(temporary)
        with _app_home(root / "home") as env:
            probe = _measure(root, env, figures, args)
        _print_report(figures, probe)  # before a million files are removed (minutes)
    return 0 if figures.delivered_valid == deliver_files else 1


@contextlib.contextmanager
def _app_home(home: Path) -> Iterator[dict[str, str]]:
    """The app's state store, profiles and receipts in `home`, never the person's own."""
    before = os.environ.get(HOME_ENV)
    os.environ[HOME_ENV] = str(home)
    try:
        yield dict(os.environ)
    finally:
        if before is None:
            os.environ.pop(HOME_ENV, None)
        else:
            os.environ[HOME_ENV] = before


def _measure(
    root: Path, env: dict[str, str], figures: Figures, args: argparse.Namespace
) -> LatenessProbe:
    from uploader_gui.core.delivery.folder_index import build_folder_index
    from uploader_gui.ui.gc_guard import GuiThreadGarbageCollector
    from uploader_gui.ui.main_window import MainWindow
    from uploader_gui.wiring.session_setup import session_options

    profile_path = app_dirs().profiles_dir / "bench-archive.toml"  # where the window looks
    archive: ArchiveChild | ArchiveInWindow | None = None
    if figures.deliver_files:
        in_window = args.archive == "in-process"
        archive = (
            ArchiveInWindow(profile_path) if in_window else ArchiveChild(root, profile_path, env)
        )
    try:
        tree = _folder_of(figures, args.tree or root / "tree")
        figures.rss_before_mib = rss_mib()
        collector = GuiThreadGarbageCollector()  # as the app runs: collections on this thread
        clock = FirstBatchClock(build_folder_index)
        window = MainWindow(
            index_folder=clock, session_options=session_options(poll_every_s=POLL_EVERY_S)
        )
        window.show()
        probe = LatenessProbe()
        try:
            idle_for(0.5)  # the first show's layout and paints are not the idle reference
            probe.set_phase("idle")
            idle_for(float(args.idle_s))
            _index(window, clock, probe, tree, figures, float(args.timeout_s))
            figures.rss_indexed_mib = rss_mib()
            if archive is not None:
                _deliver(window, archive, probe, root, figures, float(args.timeout_s))
            probe.set_phase("")
            figures.rss_end_mib = rss_mib()
            figures.rss_peak_mib = peak_rss_mib()
        finally:
            probe.stop()
            window.shutdown()
            window.close()
            window.deleteLater()
            collector.stop()
    finally:
        if archive is not None:
            archive.stop()
    return probe


def _folder_of(figures: Figures, tree: Path) -> Path:
    """The N-file folder: built now, or kept from an earlier run with the same N."""
    marker = tree.with_name(f"{tree.name}.files")
    if tree.is_dir() and marker.is_file() and marker.read_text() == str(figures.files):
        print(f"bench window: {figures.files:,} files kept in {tree}", flush=True)
        return tree
    if tree.exists():
        raise SystemExit(f"{tree} exists but was not built for --files {figures.files}")
    started = time.perf_counter()
    _build_tree(tree, figures.files)
    marker.write_text(str(figures.files))
    figures.tree_s = time.perf_counter() - started
    print(f"bench window: {figures.files:,} files built in {figures.tree_s:.0f} s", flush=True)
    return tree


def _index(
    window: MainWindow,
    clock: FirstBatchClock,
    probe: LatenessProbe,
    tree: Path,
    figures: Figures,
    timeout_s: float,
) -> None:
    paint = FirstPaintWatch(window.table.viewport(), lambda: window.proxy.rowCount() > 0)
    all_rows: list[float] = []

    def on_rows_inserted(*_: object) -> None:
        if not all_rows and window.model.rowCount() >= figures.files:
            all_rows.append(time.perf_counter())
            # After this drain (its sort of the table is still to come): the tick that measures
            # the drain fires first, so the drain counts as rows arriving, not as reading.
            QTimer.singleShot(0, lambda: setattr(probe, "phase", "reading"))

    window.model.rowsInserted.connect(on_rows_inserted)
    probe.set_phase("listing")
    opened = time.perf_counter()
    window.open_folder(str(tree))
    done = wait_until(lambda: _has_index_of(window, tree), timeout_s, "indexing")
    window.model.rowsInserted.disconnect(on_rows_inserted)
    # A small folder can be indexed before the table first paints (a loaded machine): the rows
    # a person first sees are then those of the paint that follows, not "not seen".
    with contextlib.suppress(TimeoutError):
        wait_until(lambda: paint.painted_at is not None, timeout_s, "the first rows painted")
    figures.index_s = done - opened
    figures.all_rows_s = (all_rows[0] if all_rows else done) - opened
    if paint.painted_at is not None:
        figures.open_to_first_rows_s = paint.painted_at - opened
        if clock.first_batch_at is not None:
            figures.first_rows_s = paint.painted_at - clock.first_batch_at


def _has_index_of(window: MainWindow, folder: Path) -> bool:
    index = window.folder_index
    return index is not None and Path(index.root) == folder


def _deliver(
    window: MainWindow,
    archive: ArchiveChild | ArchiveInWindow,
    probe: LatenessProbe,
    root: Path,
    figures: Figures,
    timeout_s: float,
) -> None:
    folder = _build_tree(root / "deliver", figures.deliver_files)
    archive.wait_ready()
    panel = window.delivery_panel
    panel.select_profile_file(archive.profile_path)
    wait_until(
        lambda: panel.selected_archive().profile_path == archive.profile_path,
        60,
        "choosing the archive's profile",
    )
    probe.set_phase("")
    window.open_folder(str(folder))
    wait_until(lambda: _has_index_of(window, folder), timeout_s, "indexing the delivery")
    label = root / "label.yaml"
    label.write_text(LABEL.format(delivery_id=f"w{secrets.token_hex(3)}"), encoding="utf-8")
    panel.set_label_path(str(label))
    wait_until(panel.start_button.isEnabled, timeout_s, "the pre-flight check")
    probe.set_phase("delivering")
    started = time.perf_counter()
    panel.start_button.click()
    delivery = window.delivery
    ended = wait_until(
        lambda: delivery.last_end is not None and not delivery.is_running,
        timeout_s,
        "the delivery",
    )
    probe.set_phase("")
    figures.deliver_s = ended - started
    figures.delivered_valid = window.model.state_counts().get("valid", 0)
    end = delivery.last_end
    if figures.delivered_valid != figures.deliver_files and end is not None:
        print(f"the delivery ended {end.outcome}: {end.message}", file=sys.stderr)


def _seconds(value: float | None) -> str:
    return "not seen" if value is None else f"{value:.2f} s"


def _lateness_row(label: str, lateness: Lateness, goal: str) -> str:
    figures = f"{lateness.p50_ms:6.1f} {lateness.p99_ms:7.1f} {lateness.max_ms:7.1f}"
    return f"  {label:<34}{figures}{lateness.samples:>9,}   {goal}"


def _print_report(figures: Figures, probe: LatenessProbe) -> None:
    goal = f"p99 ≤ {GOAL_P99_MS:.0f}, max ≤ {GOAL_MAX_MS:.0f}"
    print(f"bench window: {figures.files:,} files of 0-6 bytes in {FOLDERS} folders, offscreen")
    print(f"  {'':<34}{'this run':>12}   goal")
    first = figures.first_rows_s
    print(
        f"  {'first rows, after the first batch':<34}{_seconds(first):>12}"
        f"   ≤ {GOAL_FIRST_ROWS_S:.0f} s"
    )
    print(f"  {'first rows, after opening':<34}{_seconds(figures.open_to_first_rows_s):>12}")
    print(f"  {'every row in the table':<34}{_seconds(figures.all_rows_s):>12}")
    print(f"  {'index finished (files read)':<34}{_seconds(figures.index_s):>12}")
    if figures.deliver_files:
        rate = figures.deliver_files / figures.deliver_s if figures.deliver_s else 0.0
        what = f"delivery of {figures.deliver_files:,} files"
        print(
            f"  {what:<34}{_seconds(figures.deliver_s):>12}"
            f"   ({rate:.0f} files/s, {figures.delivered_valid:,} valid)"
        )
    print(f"  GUI-thread lateness, ms {'p50':>16} {'p99':>7} {'max':>7} {'ticks':>8}")
    for phase, label in PHASES.items():
        if phase == "delivering" and not figures.deliver_files:
            continue
        if phase == "delivering":
            label = f"{label} ({figures.deliver_files:,} files)"
        print(_lateness_row(label, probe.result(phase), "reference" if phase == "idle" else goal))
    print(f"  memory (RSS), MiB {'':<16}{'':>12}")
    for label, value in (
        ("before the window", figures.rss_before_mib),
        (f"after indexing {figures.files:,} files", figures.rss_indexed_mib),
        ("at the end", figures.rss_end_mib),
        ("peak", figures.rss_peak_mib),
    ):
        print(f"  {label:<34}{value:>10.0f} MiB")
