"""The transfer engine (`transfer.engine.TransferEngine`) as the session's `TransferPort`.

An engine runs once, so each `start` (the first run, then each "retry failed files") makes a
new one with the same workers' settings; concurrency and bandwidth changes are remembered and
given to every later engine as well.

`close` (the session stopping: on request, a lost lock, the end) cuts requests being sent
rather than waiting for them: completed parts are kept, the files end `paused`, and the cut
parts are sent again when the delivery resumes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from uploader_gui.core.delivery.fingerprint import FileFingerprint
from uploader_gui.core.engine.ports import TransferWiring
from uploader_gui.transfer.engine import TransferEngine, TransferSettings
from uploader_gui.transfer.transfer_context import Source, TransferRecords


class EngineTransfers:
    """`TransferPort` over successive `TransferEngine` runs (engine thread only)."""

    def __init__(
        self,
        wiring: TransferWiring,
        *,
        records: TransferRecords,
        source: Source,
        client_factory: Callable[[], Any],
        settings: TransferSettings | None = None,
        refresh_credentials: Callable[[], None] | None = None,
    ) -> None:
        self._wiring = wiring
        self._records = records
        self._source = source
        self._client_factory = client_factory
        self._settings = settings or TransferSettings()
        self._refresh_credentials = refresh_credentials
        self._engine: TransferEngine | None = None

    def start(self, files: Sequence[FileFingerprint]) -> None:
        if self._engine is not None and not self._engine.is_finished:
            raise RuntimeError("the previous transfer run has not ended")
        wiring = self._wiring
        engine = TransferEngine(
            client_factory=self._client_factory,
            tracker=wiring.tracker,
            records=self._records,
            emit=wiring.emit,
            bucket=wiring.transfer_bucket,
            source=self._source,
            settings=self._settings,
            refresh_credentials=self._refresh_credentials,
            on_attempt_ended=wiring.on_attempt_ended,
            report_bug=wiring.report_bug,
        )
        self._engine = engine
        engine.start(files)

    def pause(self) -> None:
        if self._engine is not None:
            self._engine.pause()

    def resume(self) -> None:
        if self._engine is not None:
            self._engine.resume()

    def cancel(self) -> None:
        if self._engine is not None:
            self._engine.cancel()

    def set_concurrency(self, count: int) -> None:
        self._settings = dataclasses.replace(self._settings, concurrency=count)
        if self._engine is not None and not self._engine.is_finished:
            self._engine.set_concurrency(count)

    def set_bandwidth_limit(self, bytes_per_s: float | None) -> None:
        self._settings = dataclasses.replace(
            self._settings, bandwidth_limit_bytes_per_s=bytes_per_s
        )
        if self._engine is not None:
            self._engine.set_bandwidth_limit(bytes_per_s)

    @property
    def concurrency(self) -> int:
        """Workers of the running engine, else what the next run gets."""
        if self._engine is not None and not self._engine.is_finished:
            return self._engine.concurrency
        return self._settings.concurrency

    @property
    def bandwidth_limit_bytes_per_s(self) -> float | None:
        """The running engine's limit, else what the next run gets (None: unlimited)."""
        if self._engine is not None and not self._engine.is_finished:
            return self._engine.bandwidth_limit_bytes_per_s
        return self._settings.bandwidth_limit_bytes_per_s

    def probe_now(self) -> None:
        if self._engine is not None:
            self._engine.probe_now()

    def close(self, timeout_s: float) -> None:
        if self._engine is not None:
            self._engine.close(timeout_s, abort_in_flight=True)
