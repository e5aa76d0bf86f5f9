"""Injected S3 failures for demos and tests (`--fail-requests RATE`), reproducible by seed.

Only data-plane writes to transfer buckets fail, as they do under load on AWS: a 500
`InternalError` or a 503 `SlowDown`, the latter sometimes with `Retry-After`. The control
channel is never hit, so a fault run still ends with the validator's verdicts.
"""

from __future__ import annotations

import random
import threading

from uploader_gui.sandbox.wire import WireResponse, s3_error

DATA_PLANE_OPERATIONS = frozenset({"PutObject", "UploadPart", "CompleteMultipartUpload"})


class FaultInjector:
    def __init__(self, rate: float, seed: int | None = None) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"fail-requests rate must be between 0 and 1, not {rate}")
        self.rate = rate
        self._random = random.Random(seed)  # noqa: S311 - fault timing, not security
        self._lock = threading.Lock()

    def maybe_fail(self, operation: str, is_transfer_bucket: bool) -> WireResponse | None:
        """An injected error for this request, or None to let it through."""
        if self.rate <= 0 or operation not in DATA_PLANE_OPERATIONS or not is_transfer_bucket:
            return None
        with self._lock:
            if self._random.random() >= self.rate:
                return None
            is_slow_down = self._random.random() < 0.5
            retry_after_s = self._random.choice((None, 1, 2))
        if not is_slow_down:
            return s3_error(
                500, "InternalError", "We encountered an internal error. Please try again."
            )
        headers = [] if retry_after_s is None else [("Retry-After", str(retry_after_s))]
        return s3_error(503, "SlowDown", "Please reduce your request rate.", headers=headers)
