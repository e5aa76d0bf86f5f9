"""Starting the archive's validation pipeline (PROTOCOL.md §7, §11 item 29, §12 steps 7–8).

The init Lambda is invoked exactly once: a retry could launch a second validator, so the
client has one attempt and a 300 s read timeout. The answer is parsed properly (FunctionError,
JSON, YAML, `status == success`); on failure the person sees the step, the details and the
validator's own `init` error rows, which upstream hides. After success we wait for the
validator's `init/self/ok "validation pipeline started"` row, because the Lambda reports success
before the validator starts reading the client log: rows written earlier would be missed.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any

from uploader_gui.aws.errors import AWS_EXCEPTIONS, may_have_landed, translate
from uploader_gui.core.errors import FatalError, RetryableError
from uploader_gui.core.protocol.init_response import InitResponse, parse_init_response
from uploader_gui.core.protocol.log_rows import LogRow, readable_message
from uploader_gui.fast.validator_tail import ValidatorLogTail

PIPELINE_STARTED_MESSAGE = "validation pipeline started"
DEFAULT_START_TIMEOUT_S = 120.0


class PipelineStartFailed(FatalError):
    """The pipeline did not start: `step`, `details` and the validator's init error rows."""

    def __init__(self, step: str, details: str, init_rows: Sequence[LogRow] = ()) -> None:
        self.step = step
        self.details = details
        self.init_rows = tuple(init_rows)
        lines = [f"The archive could not start validation (step: {step}): {details}"]
        for row in self.init_rows:
            text = readable_message(row.message).replace("\n", "; ")
            lines.append(f"validator {row.ref}: {row.status}: {text}")
        super().__init__("\n".join(lines))


def init_payload(
    dataset: str, delivery_id: str, transfer_type: str, agent_id: str
) -> dict[str, Any]:
    """The Invoke payload of §7 (`idempotency_key` is ignored by the Lambda, sent as upstream)."""
    return {
        "dataset": dataset,
        "delivery_id": delivery_id,
        "transfer_type": transfer_type,
        "agent_id": agent_id,
        "idempotency_key": 10000 + secrets.randbelow(90000),
    }


def invoke_init_step(
    lambda_client: Any, function_arn: str, payload: dict[str, Any]
) -> InitResponse:
    """One synchronous Invoke; never retried. A lost answer is fatal and said to be unknown."""
    try:
        answer = lambda_client.invoke(
            FunctionName=function_arn,
            InvocationType="RequestResponse",
            Payload=json.dumps(payload).encode("utf-8"),
        )
        body = answer["Payload"].read()
    except AWS_EXCEPTIONS as exc:
        if may_have_landed(exc):
            raise PipelineStartFailed(
                "invoke",
                "no answer from the init step within its time limit; it may still be starting "
                "the validator. Wait a few minutes before trying again.",
            ) from exc
        raise PipelineStartFailed("invoke", str(translate(exc, "invoking the init step"))) from exc
    return parse_init_response(answer.get("FunctionError"), bytes(body))


def init_error_rows(rows: Sequence[LogRow]) -> list[LogRow]:
    """The validator's `init` rows with status error or failure (upstream shows neither)."""
    return [row for row in rows if row.category == "init" and row.status in ("error", "failure")]


def start_pipeline(
    lambda_client: Any,
    function_arn: str,
    payload: dict[str, Any],
    tail: ValidatorLogTail,
) -> list[LogRow]:
    """Invoke the init step; on failure raise PipelineStartFailed with the validator's rows.

    `tail` starts at the validator log's size recorded before this call. Returns the rows it
    read (none on success: the caller then waits for the start row).
    """
    response = invoke_init_step(lambda_client, function_arn, payload)
    if response.is_success:
        return []
    try:
        rows = tail.poll_once()
    except (RetryableError, FatalError):
        rows = []  # the Lambda's answer is the news; its detail rows are a bonus
    raise PipelineStartFailed(response.step, response.details, init_error_rows(rows))


def wait_for_pipeline_started(
    tail: ValidatorLogTail,
    *,
    timeout_s: float = DEFAULT_START_TIMEOUT_S,
    poll_interval_s: float = 1.0,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[LogRow]:
    """Poll until the validator's start row; returns every row read (for the session to apply).

    Raises PipelineStartFailed if the validator shuts down first or `timeout_s` passes.
    """
    deadline = monotonic() + timeout_s
    seen: list[LogRow] = []
    while True:
        try:
            rows = tail.poll_once()
        except RetryableError:
            rows = []
        seen.extend(rows)
        for row in rows:
            if (row.category, row.ref, row.status, row.message) == (
                "init",
                "self",
                "ok",
                PIPELINE_STARTED_MESSAGE,
            ):
                return seen
            if row.category in ("shutdown", "stop"):
                raise PipelineStartFailed(
                    "validator start",
                    "the validation pipeline stopped before it started",
                    init_error_rows(seen),
                )
        if monotonic() >= deadline:
            raise PipelineStartFailed(
                "validator start",
                f"the validator did not report '{PIPELINE_STARTED_MESSAGE}' within "
                f"{timeout_s:g} s; the archive may be overloaded. Try again later, or ask the "
                "archive to check its validation task.",
                init_error_rows(seen),
            )
        sleep(poll_interval_s)
