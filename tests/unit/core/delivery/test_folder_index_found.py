"""Files found while the walk runs (core.folder_index): batches a window can show before reading."""

from __future__ import annotations

from pathlib import Path

from uploader_gui.core.delivery.folder_index import (
    FOUND_BATCH_FILES,
    IndexOptions,
    build_folder_index,
)
from uploader_gui.core.events import Event, IndexFilesFound, IndexProgressed

REPORTING = IndexOptions(reports_files_found=True, workers=1)


def write_files(root: Path, count: int, *, folder: str = "") -> dict[str, int]:
    (root / folder).mkdir(parents=True, exist_ok=True)
    written = {}
    for n in range(count):
        path = f"{folder}{n:05d}.dat"
        (root / path).write_bytes(b"x" * (n % 7))
        written[path] = n % 7
    return written


def found_batches(events: list[Event]) -> list[IndexFilesFound]:
    return [event for event in events if isinstance(event, IndexFilesFound)]


def test_the_walk_reports_every_listed_file_in_bounded_batches_before_reading(
    tmp_path: Path,
) -> None:
    written = write_files(tmp_path, 2 * FOUND_BATCH_FILES + 500)
    events: list[Event] = []
    index = build_folder_index(tmp_path, REPORTING, emit=events.append)
    batches = found_batches(events)
    # One folder: batches are cut by count only, so the split is exact.
    assert [len(b.files) for b in batches] == [FOUND_BATCH_FILES, FOUND_BATCH_FILES, 500]
    assert dict(pair for batch in batches for pair in batch.files) == written
    assert {f.path: f.size_bytes for f in index.files} == written
    # Every batch comes before reading starts (the first progress event that is not listing).
    last_batch = max(events.index(batch) for batch in batches)
    reading = [
        position
        for position, event in enumerate(events)
        if isinstance(event, IndexProgressed) and not event.is_listing
    ]
    assert reading
    assert last_batch < reading[0]


def test_small_folders_are_reported_as_time_passes_not_only_when_a_batch_is_full(
    tmp_path: Path,
) -> None:
    for folder in ("a/", "b/", "c/"):
        write_files(tmp_path, 3, folder=folder)
    ticks = iter(range(1_000_000))
    events: list[Event] = []
    # Each clock call moves a second on: every folder's files are due when it is listed.
    build_folder_index(tmp_path, REPORTING, emit=events.append, clock=lambda: float(next(ticks)))
    assert [len(batch.files) for batch in found_batches(events)] == [3, 3, 3]


def test_the_cli_and_the_session_get_no_found_batches_unless_asked(tmp_path: Path) -> None:
    write_files(tmp_path, 10)
    events: list[Event] = []
    build_folder_index(tmp_path, emit=events.append)
    assert found_batches(events) == []


def test_listing_progress_counts_files_found_per_second(tmp_path: Path) -> None:
    write_files(tmp_path, 10)
    ticks = iter(range(1_000_000))
    events: list[Event] = []
    build_folder_index(tmp_path, REPORTING, emit=events.append, clock=lambda: float(next(ticks)))
    listing = [e for e in events if isinstance(e, IndexProgressed) and e.is_listing]
    assert listing, "the walk reports its progress while it lists"
    assert all(e.files_done == 0 and e.files_per_s >= 0 for e in listing)
    final = [e for e in events if isinstance(e, IndexProgressed)][-1]
    assert not final.is_listing
    assert final.files_done == 10
    assert final.files_per_s > 0


def test_files_are_found_in_the_order_the_table_sorts_their_paths(tmp_path: Path) -> None:
    # The window appends each batch after the last one when it continues the order; a walk in
    # directory order made it re-sort every row per batch (seconds at a million files).
    names = [
        "run/b.dat", "run/a/z.dat", "run.old/x.dat", "run-1.dat", "run", "Z.dat", "a.dat",
        "runs/q.dat", "ü.dat", "deep/er/est/f.dat", "deep/er.dat", "deep-er/g.dat",
    ]  # fmt: skip
    for name in names:
        if name == "run":
            continue  # a folder of that name, made by its files
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    events: list[Event] = []
    build_folder_index(tmp_path, REPORTING, emit=events.append)
    found = [path for batch in found_batches(events) for path, _ in batch.files]
    assert found == sorted(found)
    assert len(found) == len(names) - 1
