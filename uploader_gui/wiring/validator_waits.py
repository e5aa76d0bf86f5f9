"""Waiting on the validator log: for a validator's `stop` row, and for an earlier validator of
this delivery to be gone so the init step can start a new one.

The archive runs one validator per dataset and delivery id (PROTOCOL.md §7 step 5). A validator
ends only after its client's `stop` row (or minutes after its client went silent), then drains
its validations and writes `shutdown` and `stop`. So a sample followed at once by the full
delivery, or a rerun right after a crash, finds the earlier validator still running; the init
step answers "a validation task is already running". Both cases end on their own within a
minute or two when the earlier client wrote `stop`, so the init step is asked again, and
again, until then (each refusal launched nothing, so asking again is safe).
"""

from __future__ import annotations

from collections.abc import Callable

from uploader_gui.core.errors import FatalError, RetryableError
from uploader_gui.core.protocol.log_rows import LogRow
from uploader_gui.fast.pipeline_start import PipelineStartFailed
from uploader_gui.fast.validator_tail import ValidatorLogTail

VALIDATION_TASK_RUNNING_STEP = "validation task check"


def _ignore_row(row: LogRow) -> None:
    del row


def wait_for_stop_row(
    tail: ValidatorLogTail,
    *,
    timeout_s: float,
    poll_s: float,
    sleep: Callable[[float], None],
    monotonic: Callable[[], float],
    on_row: Callable[[LogRow], None] = _ignore_row,
) -> bool:
    """Poll until the validator writes `stop`; False if it did not within `timeout_s`."""
    deadline = monotonic() + timeout_s
    while True:
        try:
            rows = tail.poll_once()
        except (RetryableError, FatalError):
            rows = []
        for row in rows:
            on_row(row)
            if row.category == "stop":
                return True
        if monotonic() >= deadline:
            return False
        sleep(poll_s)


def start_when_validator_gone(
    start: Callable[[], ValidatorLogTail],
    *,
    timeout_s: float,
    retry_delay_s: float,
    sleep: Callable[[float], None],
    monotonic: Callable[[], float],
) -> ValidatorLogTail:
    """Call `start` (one init-step invocation) until no earlier validator refuses it."""
    deadline = monotonic() + timeout_s
    while True:
        try:
            return start()
        except PipelineStartFailed as failed:
            if failed.step != VALIDATION_TASK_RUNNING_STEP or monotonic() >= deadline:
                raise
        sleep(retry_delay_s)
