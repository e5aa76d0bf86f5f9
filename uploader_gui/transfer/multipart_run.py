"""One attempt at a multipart upload of one file: which parts are done, queued or in flight.

Parts of one file are sent by several workers at once. A run counts its outstanding part jobs
(queued or being sent); whoever finishes the last one ends the run: completes the upload when
every part is there, or reports why it stopped (a failure, a pause, a cancel). Once a run has
failed or been stopped, parts not yet started are skipped rather than sent.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from uploader_gui.core.checksums.crc32_combine import crc32_of_pieces
from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.upload.part_plan import PartPlan
from uploader_gui.transfer.multipart_upload import UploadedPart


@dataclass
class MultipartRun:
    """Thread-safe; `done` holds the parts the archive has for this upload."""

    file: FileFingerprint
    plan: PartPlan
    upload_id: str
    done: dict[int, UploadedPart]
    failure: BaseException | None = None
    is_stopped: bool = False
    outstanding: int = 0
    made_progress: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def path(self) -> str:
        return self.file.path

    def missing_parts(self) -> list[int]:
        with self._lock:
            return [n for n in range(1, self.plan.part_count + 1) if n not in self.done]

    def done_bytes(self) -> int:
        with self._lock:
            return sum(part.size_bytes for part in self.done.values())

    def jobs_queued(self, count: int) -> None:
        with self._lock:
            self.outstanding += count

    def should_skip(self) -> bool:
        """True once the run failed or was stopped: parts not yet started are not sent."""
        return self.failure is not None or self.is_stopped

    def stop(self) -> None:
        """Pause or cancel: parts not yet started are skipped; parts being sent may finish."""
        self.is_stopped = True

    def part_ended(
        self, *, uploaded: UploadedPart | None = None, failure: BaseException | None = None
    ) -> bool:
        """One part job ended (sent, skipped, stopped or failed); True if it was the last."""
        with self._lock:
            if uploaded is not None:
                self.done[uploaded.number] = uploaded
                self.made_progress = True
            if failure is not None and self.failure is None:
                self.failure = failure
            self.outstanding -= 1
            return self.outstanding == 0

    def jobs_withdrawn(self, count: int) -> bool:
        """`count` queued part jobs were taken back unstarted; True if none are left."""
        with self._lock:
            self.outstanding -= count
            return count > 0 and self.outstanding == 0

    @property
    def is_complete(self) -> bool:
        with self._lock:
            return len(self.done) == self.plan.part_count

    def parts_in_order(self) -> list[UploadedPart]:
        with self._lock:
            return [self.done[n] for n in sorted(self.done)]

    def object_crc32(self) -> int | None:
        """The whole object's CRC32 combined from the parts' (None if a part has none)."""
        parts = self.parts_in_order()
        if any(part.crc32 is None for part in parts):
            return None
        return crc32_of_pieces((part.crc32 or 0, part.size_bytes) for part in parts)
