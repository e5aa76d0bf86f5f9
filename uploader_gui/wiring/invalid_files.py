"""Which invalid files are still as the archive judged them: the state store keeps each file's
size and mtime from when it was read for sending; a file whose size and mtime on disk are the
same has (almost certainly) not been fixed, so sending it again would only earn the same
verdict. Blocking (it stats files and reads the store): the window runs it on a worker thread.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from pathlib import Path

from uploader_gui.app_dirs import app_dirs
from uploader_gui.core.engine.file_states import FileState
from uploader_gui.core.errors import FatalError
from uploader_gui.store.state_store import StateStore


def delivery_key_of_receipts(receipt_paths: Sequence[str]) -> int | None:
    """The state store's key of the delivery a JSON receipt is about, if one can be read."""
    for path in receipt_paths:
        if Path(path).suffix.lower() != ".json":
            continue
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            return int(json.loads(Path(path).read_text("utf-8"))["delivery"]["delivery_key"])
    return None


def unchanged_invalid_files(
    receipt_paths: Sequence[str], store_path: Path | None = None
) -> list[str]:
    """The delivery's invalid files whose size and mtime on disk still match the store's.

    Empty when nothing can be told (no receipt, no store, an unreadable store): the question
    this answers is only a warning, never a reason not to start.
    """
    key = delivery_key_of_receipts(receipt_paths)
    path = store_path or app_dirs().state_db_path
    if key is None or not path.exists():
        return []
    try:
        with StateStore(path) as store:
            root = Path(store.delivery(key).source_root)
            files = store.delivery_files(key)
            invalid = [p for p, state in files.states() if state == FileState.INVALID]
            saved = [files.record(p).file for p in invalid]
    except (KeyError, FatalError, OSError):
        return []
    unchanged = []
    for fingerprint in saved:
        try:
            stat = (root / fingerprint.path).stat()
        except OSError:
            continue  # gone or unreadable: the session says so, not this question
        if stat.st_size == fingerprint.size_bytes and stat.st_mtime_ns == fingerprint.mtime_ns:
            unchanged.append(fingerprint.path)
    return unchanged
