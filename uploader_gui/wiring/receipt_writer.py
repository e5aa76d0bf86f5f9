"""Writing a delivery's receipt from the state store: JSON and CSV, each atomically.

Where is the person's choice: a folder (the receipt's two files inside it, named for the
delivery and its end) or a file path (`--receipt out/receipt.json`: the JSON there, the CSV beside
it with `.csv`); by default the app's own `receipts` folder (`app_dirs().receipts_dir`), never the
current directory. Each file is written to a temporary
file in the same folder, fsynced, then renamed over the final name, so a receipt is whole or
absent, never half-written.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from uploader_gui import __version__
from uploader_gui.app_dirs import app_dirs
from uploader_gui.core.delivery.index_file import write_text_atomically
from uploader_gui.core.engine.file_record import FileRecord
from uploader_gui.core.engine.receipt import (
    ReceiptDelivery,
    receipt_csv_text,
    receipt_file_stem,
    receipt_json_text,
)
from uploader_gui.core.errors import FatalError
from uploader_gui.store.state_store import StateStore

log = logging.getLogger(__name__)


def receipt_of(store: StateStore, delivery_key: int) -> tuple[ReceiptDelivery, list[FileRecord]]:
    """The receipt's contents, as the store has them now (`KeyError` for an unknown key)."""
    record = store.delivery(delivery_key)
    delivery = ReceiptDelivery(
        delivery_key=record.key,
        dataset=record.dataset,
        delivery_id=record.delivery_id,
        transfer_type=record.transfer_type,
        profile_name=record.profile_name,
        agent_id=record.agent_id,
        source=record.source_root,
        state=record.state,
        outcome=record.outcome,
        started_at=record.started_at,
        ended_at=record.ended_at,
    )
    files = store.delivery_files(delivery_key)
    entries = [files.record(path) for path, _ in files.states()]
    return delivery, entries


def is_receipt_file_path(target: Path) -> bool:
    """A file path rather than a folder: an existing file, or a new path with a suffix."""
    if target.exists():
        return not target.is_dir()
    return bool(target.suffix)


def receipt_paths(target: Path, stem: str) -> tuple[Path, Path]:
    """(JSON, CSV) paths for a receipt written to `target`, a folder or a file path."""
    if not is_receipt_file_path(target):
        return target / f"{stem}.json", target / f"{stem}.csv"
    if target.suffix.lower() == ".csv":
        return target.with_suffix(".json"), target
    return target, target.with_suffix(".csv")


class ReceiptWriter:
    """The session's `ReceiptSink`: JSON + CSV at `target` (default: the app's receipts)."""

    def __init__(self, store: StateStore, target: Path | None = None) -> None:
        self._store = store
        self._target = target

    @property
    def target(self) -> Path:
        return self._target if self._target is not None else app_dirs().receipts_dir

    def write_receipt(self, delivery_key: int) -> tuple[str, ...]:
        delivery, files = receipt_of(self._store, delivery_key)
        ended_at = delivery.ended_at or datetime.now(UTC).isoformat()
        json_path, csv_path = receipt_paths(self.target, receipt_file_stem(delivery, ended_at))
        json_path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(
            json_path, receipt_json_text(delivery, files, app_version=__version__)
        )
        write_text_atomically(csv_path, receipt_csv_text(files))
        self._remember(delivery_key, json_path)
        return str(json_path), str(csv_path)

    def _remember(self, delivery_key: int, json_path: Path) -> None:
        """Save where the receipt is (the History view opens it), once both files are whole.

        A store that cannot take the path (full disk) must not hide a receipt that was
        written: the session still reports it, and History says it has none."""
        try:
            self._store.record_receipt(delivery_key, str(json_path))
        except FatalError as exc:
            log.warning("the receipt %s was written but not remembered: %s", json_path, exc)
