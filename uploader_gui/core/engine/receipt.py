"""The delivery receipt: what was delivered, with checksums and verdicts (USERS.md item 15).

Two forms of one receipt, both built from the state store's records after a session:
- JSON for people and tools: the delivery (dataset, delivery id, transfer type, profile, agent
  id, source, start and end times, outcome) and one entry per file (path, size, CRC32, final
  state, verdict or failure message, attempts, uploaded and validated times);
- the upstream-style CSV (`file,state,message`, one row per file, FAST's own state words) that
  archive staff know from `mast-upload`'s state dump (PROTOCOL.md §9), with `\\n` line endings.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from uploader_gui.core.engine.file_record import FileRecord

RECEIPT_FORMAT = "uploader-gui delivery receipt"
RECEIPT_VERSION = 1
CSV_HEADER = ("file", "state", "message")


@dataclass(frozen=True, slots=True)
class ReceiptDelivery:
    """The delivery a receipt is about."""

    delivery_key: int
    dataset: str
    delivery_id: str
    transfer_type: str
    profile_name: str
    agent_id: str
    source: str
    state: str
    outcome: str
    started_at: str | None
    ended_at: str | None


def receipt_dict(
    delivery: ReceiptDelivery, files: Sequence[FileRecord], *, app_version: str
) -> dict[str, Any]:
    """The JSON receipt; `app_version` is the uploader's that wrote it."""
    counts = Counter(file.state.value for file in files)
    return {
        "format": RECEIPT_FORMAT,
        "version": RECEIPT_VERSION,
        "written_by": {"app": "uploader-gui", "version": app_version},
        "delivery": asdict(delivery),
        "totals": {
            "files": len(files),
            "bytes": sum(file.file.size_bytes for file in files),
            "by_state": dict(sorted(counts.items())),
        },
        "files": [_file_dict(file) for file in files],
    }


def _file_dict(file: FileRecord) -> dict[str, Any]:
    return {
        "path": file.file.path,
        "size_bytes": file.file.size_bytes,
        "crc32": file.file.crc32_base64,
        "state": file.state.value,
        "message": file.message,
        "attempts": file.attempts,
        "uploaded_at": file.uploaded_at,
        "validated_at": file.validated_at,
    }


def receipt_json_text(
    delivery: ReceiptDelivery, files: Sequence[FileRecord], *, app_version: str
) -> str:
    data = receipt_dict(delivery, files, app_version=app_version)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def one_line(text: str) -> str:
    """A multi-line message (a YAML report) as one line: its non-blank lines joined by `; `."""
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())


def receipt_csv_text(files: Iterable[FileRecord]) -> str:
    """`file,state,message` with FAST's state words (`ready`, `failed`, `valid`, ...)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for file in files:
        writer.writerow((file.file.path, file.state.fast_state, one_line(file.message)))
    return text.getvalue()


def receipt_file_stem(delivery: ReceiptDelivery, ended_at: str) -> str:
    """`{dataset}-{delivery_id}-{type}-receipt-{UTC time}`, safe on every file system."""
    stamp = "".join(ch for ch in ended_at[:19] if ch.isalnum())
    return f"{delivery.dataset}-{delivery.delivery_id}-{delivery.transfer_type}-receipt-{stamp}"
