"""The local archive's audit trail: one JSON line per S3/SSM/Lambda request it answered.

Tests count calls from it (e.g. UploadPart) and people read it to see exactly what happened.
Records are kept in memory and, when a path is given, appended to that file as they happen.
UploadPart and UploadPartCopy lines also carry `partNumber` and `uploadId`, so a resume can be
checked part by part.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any


class AuditLog:
    def __init__(self, path: Path | None = None) -> None:
        self._records: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._path = path
        self._file: IO[str] | None = None

    def open(self) -> None:
        if self._path is not None and self._file is None:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self._path.open("a", encoding="utf-8", buffering=1)

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def record(
        self,
        *,
        service: str,
        operation: str,
        status: int,
        bucket: str = "",
        key: str = "",
        **details: Any,
    ) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "service": service,
            "operation": operation,
            "bucket": bucket,
            "key": key,
            "status": status,
        }
        entry.update({name: value for name, value in details.items() if value is not None})
        line = json.dumps(entry, sort_keys=False)
        with self._lock:
            self._records.append(entry)
            if self._file is not None:
                self._file.write(line + "\n")
        return entry

    def records(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._records]
