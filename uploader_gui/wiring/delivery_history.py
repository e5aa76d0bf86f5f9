"""What the window's History view and its resume offer need from disk, without Qt: the listing
of deliveries (`store.delivery_history`), whether each receipt is still there, marking one
discarded, and whether a delivery's folder, label and index can still be found.

Everything here blocks on SQLite or the file system: the window calls it on a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from uploader_gui.app_dirs import app_dirs
from uploader_gui.store.delivery_history import DeliverySummary, unfinished_deliveries
from uploader_gui.store.records import DeliveryRecord
from uploader_gui.store.state_store import StateStore


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One delivery for the window, with its receipt file if that still exists."""

    summary: DeliverySummary
    receipt_file: str = ""  # "" when none was written, or it has since been moved or deleted
    # Unfinished and the newest attempt at its delivery (`unfinished_deliveries`): offered.
    is_resumable: bool = False


def read_history(store_path: Path | None = None) -> list[HistoryEntry]:
    """Every delivery, newest first; none when there is no store yet (it is not created)."""
    path = store_path or app_dirs().state_db_path
    if not path.exists():
        return []
    with StateStore(path) as store:
        summaries = store.delivery_summaries()
    resumable = {summary.key for summary in unfinished_deliveries(summaries)}
    return [
        HistoryEntry(summary, _existing(summary.record.receipt_path), summary.key in resumable)
        for summary in summaries
    ]


def _existing(receipt_path: str) -> str:
    return receipt_path if receipt_path and Path(receipt_path).is_file() else ""


def discard_delivery(store_path: Path | None, delivery_key: int) -> None:
    """Mark the delivery discarded (nothing else changes: files, receipts and archive stay)."""
    with StateStore(store_path) as store:
        store.mark_delivery_discarded(delivery_key)


def missing_inputs(record: DeliveryRecord) -> list[str]:
    """What a resume of `record` cannot find, each naming the path and the fix ([] if none)."""
    if record.source_root.startswith("s3://"):  # a copy from S3 started in a terminal
        return [
            f"It copies from {record.source_root}, and the window delivers folders only. Run the "
            "same `uploader-gui transfer` command again: rerunning it resumes."
        ]
    problems = []
    if not Path(record.source_root).is_dir():
        problems.append(
            f"The folder {record.source_root} is not there any more. Reconnect the drive or "
            "move the folder back, then press Resume again; or choose the folder where it "
            "is now (a different folder starts a new delivery)."
        )
    if not record.label_path or not Path(record.label_path).is_file():
        where = record.label_path or "(not recorded)"
        problems.append(
            f"The label {where} is not there any more. Put it back, or choose the delivery's "
            "label with Choose label…"
        )
    if record.index_path and not Path(record.index_path).is_file():
        problems.append(
            f"The index {record.index_path} is not there any more. Put it back, or choose it "
            "again with Choose index… (or Build from folder)."
        )
    return problems
