"""`uploader-gui bench table [--rows N]`: how long the file table's filter and path search take
on N rows (default 1,000,000), beside a plain Python list comprehension over the same lists.

The filter is `FileFilterProxy`, the proxy the window's table shows; each case changes its group
or search text and times the whole refilter Qt does (one `filterAcceptsRow` call from C++ per
row, plus building the proxy's row mapping). The reference applies the same rule
(`path_matches`) to the model's own path and state lists in one comprehension: the floor for any
pure-Python filter, with no Qt in the way. A third figure, the "Qt floor", is a proxy whose
`filterAcceptsRow` does nothing but return True: what any `QSortFilterProxyModel` filtered in
Python costs before its rule does any work. Both must find the same rows, else exit status 1.
Each figure is the best of `--repeat` runs; compare the ratio, never the seconds, across
machines.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QSortFilterProxyModel

from uploader_gui.core.state_groups import StateGroup, states_of
from uploader_gui.ui.file_filter import FileFilterProxy, path_matches, search_key
from uploader_gui.ui.file_table_model import FileRow, FileTableModel, FileUpdate

DEFAULT_ROWS = 1_000_000
DEFAULT_REPEAT = 3
# A big delivery late in its run: most files accepted, some in flight or waiting, a few refused.
_STATE_CYCLE = ("valid",) * 14 + ("transferring", "pending", "ready", "invalid", "failed", "done")


@dataclass(frozen=True)
class Case:
    label: str
    group: StateGroup
    search: str


CASES = (
    Case("Problems", StateGroup.PROBLEMS, ""),
    Case('search "frame_0001"', StateGroup.ALL, "frame_0001"),
    Case('In progress + "NIGHT-0042"', StateGroup.IN_PROGRESS, "NIGHT-0042"),
    Case("no match", StateGroup.ALL, "no such file"),
    Case("All (filter cleared)", StateGroup.ALL, ""),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rows",
        type=int,
        default=DEFAULT_ROWS,
        help=f"rows in the table (default {DEFAULT_ROWS:,})",
    )
    parser.add_argument(
        "--repeat", type=int, default=DEFAULT_REPEAT, help="runs per figure, best kept (default 3)"
    )


def benchmark_rows(count: int) -> Iterator[FileRow]:
    for number in range(count):
        yield FileRow(
            f"night-{number // 1000:04d}/frame_{number:07d}.fits",
            1_000_000 + number,
            _STATE_CYCLE[number % len(_STATE_CYCLE)],
        )


def run(args: argparse.Namespace) -> int:
    rows, repeat = int(args.rows), max(1, int(args.repeat))
    if rows < 1:
        print("--rows must be at least 1", file=sys.stderr)
        return 2
    _application = QCoreApplication.instance() or QCoreApplication([])
    model = FileTableModel()
    started = time.perf_counter()
    model.append_rows(benchmark_rows(rows))
    print(f"bench table: {rows:,} rows loaded in {time.perf_counter() - started:.2f} s", flush=True)
    proxy = FileFilterProxy(model)
    paths, states = model.filter_columns()
    floor_s = _timed_best(lambda: _refilter_with_no_rule(model), repeat)[0]
    print(
        f"Qt floor: a proxy whose filterAcceptsRow only returns True takes {floor_s:.3f} s "
        f"(one call from C++ into Python per row)"
    )
    print(f"{'case':<30}{'rows shown':>12}{'proxy':>10}{'reference':>12}{'ratio':>9}")
    is_consistent = True
    for case in CASES:
        group_states, key = states_of(case.group), search_key(case.search)

        def reference(group_states: frozenset[str] | None = group_states, key: str = key) -> int:
            return len(
                [
                    row
                    for row, path in enumerate(paths)
                    if path_matches(path, group_states, states[row], key)
                ]
            )

        proxy_s, shown = _time_proxy(proxy, case, repeat)
        reference_s, expected = _timed_best(reference, repeat)
        is_consistent &= shown == expected
        print(
            f"{case.label:<30}{expected:>12,}{proxy_s:>9.3f}s{reference_s:>11.3f}s"
            f"{proxy_s / reference_s:>8.2f}×",
            flush=True,
        )
    _print_scattered_changes(model, proxy)
    if not is_consistent:
        print("the proxy and the reference showed different rows", file=sys.stderr)
        return 1
    return 0


def _print_scattered_changes(model: FileTableModel, proxy: FileFilterProxy) -> None:
    """One drain that changes every 100th file (a burst of verdicts), with "Done" shown."""
    paths, _ = model.filter_columns()
    proxy.set_group(StateGroup.DONE)
    proxy.set_search("")
    proxy.rowCount()
    changes = {paths[row]: FileUpdate(state="invalid") for row in range(0, len(paths), 100)}
    started = time.perf_counter()
    model.apply_file_updates(changes)
    shown = proxy.rowCount()
    elapsed_s = time.perf_counter() - started
    print(
        f"{len(changes):,} scattered state changes in one drain, Done shown: {elapsed_s:.3f} s "
        f"({shown:,} rows shown after)"
    )


def _time_proxy(proxy: FileFilterProxy, case: Case, repeat: int) -> tuple[float, int]:
    """The best time for the proxy to show `case`, and how many rows it shows then."""
    # Start from something else each run, so every run refilters every row.
    is_everything = case.group is StateGroup.ALL and not case.search
    best, shown = float("inf"), 0
    for _ in range(repeat):
        proxy.set_group(StateGroup.PROBLEMS if is_everything else StateGroup.ALL)
        proxy.set_search("")
        proxy.rowCount()
        started = time.perf_counter()
        proxy.set_group(case.group)
        proxy.set_search(case.search)
        shown = proxy.rowCount()  # the mapping is rebuilt when first asked for
        best = min(best, time.perf_counter() - started)
    return best, shown


class _AcceptEverything(QSortFilterProxyModel):
    def filterAcceptsRow(self, source_row: int, source_parent: object) -> bool:  # type: ignore[override]
        return True


def _refilter_with_no_rule(model: FileTableModel) -> int:
    proxy = _AcceptEverything()
    proxy.setSourceModel(model)
    return proxy.rowCount()


def _timed_best(action: Callable[[], int], repeat: int) -> tuple[float, int]:
    best, result = float("inf"), 0
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - started)
    return best, result
