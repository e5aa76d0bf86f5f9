"""Faults for the in-memory S3 (`memory_s3`), and the log of the requests it served.

`fail` answers chosen requests with an error: before the request takes effect, or after it did
(`answer_lost`: the answer was lost on the way back, so a retry finds the work done). `before`
runs an action as a chosen request arrives (a pause, say, while a part is being sent). Errors
are the `ClientError`s botocore raises (`s3_error`), so the engine's own translation runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError


def s3_error(
    status: int, code: str, message: str = "", *, retry_after: str | None = None
) -> ClientError:
    """The `ClientError` botocore raises for an S3 error response."""
    headers = {"retry-after": retry_after} if retry_after is not None else {}
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": headers},
    }
    return ClientError(response, "S3")


@dataclass(frozen=True)
class Request:
    """One request as it was served: `status` 200, an error's HTTP status, or 0 when something
    other than an S3 error ended it (a cut body, an injected bug)."""

    operation: str
    key: str
    part_number: int | None
    status: int


@dataclass
class _Fault:
    operation: str
    key: str | None
    part_number: int | None
    remaining: int
    error: BaseException | None = None
    action: Callable[[], None] | None = None
    answer_lost: bool = False

    def matches(self, operation: str, key: str, part_number: int | None) -> bool:
        return (
            self.remaining > 0
            and self.operation == operation
            and self.key in (None, key)
            and self.part_number in (None, part_number)
        )


class FaultPlan:
    """The faults still to inject, and every request served; thread-safe."""

    def __init__(self) -> None:
        self._faults_lock = threading.Lock()
        self._faults: list[_Fault] = []
        self.requests: list[Request] = []

    def fail(
        self,
        operation: str,
        error: BaseException,
        *,
        key: str | None = None,
        part_number: int | None = None,
        times: int = 1,
        answer_lost: bool = False,
    ) -> None:
        """Answer the next `times` matching requests with `error`; with `answer_lost`, after
        the request took effect."""
        fault = _Fault(operation, key, part_number, times, error=error, answer_lost=answer_lost)
        with self._faults_lock:
            self._faults.append(fault)

    def before(
        self,
        operation: str,
        action: Callable[[], None],
        *,
        key: str | None = None,
        part_number: int | None = None,
        times: int = 1,
    ) -> None:
        """Run `action` as each of the next `times` matching requests arrives."""
        with self._faults_lock:
            self._faults.append(_Fault(operation, key, part_number, times, action=action))

    def sent(
        self,
        operation: str,
        key: str,
        *,
        part_number: int | None = None,
        status: int | None = 200,
    ) -> int:
        """How many `operation` requests for `key` (and part) were answered with `status`
        (200: they succeeded; None: any answer)."""
        with self._faults_lock:
            return sum(
                1
                for r in self.requests
                if (r.operation, r.key) == (operation, key)
                and part_number in (None, r.part_number)
                and status in (None, r.status)
            )

    @contextmanager
    def serving(self, operation: str, key: str, part_number: int | None = None) -> Iterator[None]:
        """Around one request: actions and faults first, the request, then lost answers."""
        status = 0
        try:
            for fault in self._take(operation, key, part_number, answer_lost=False):
                if fault.action is not None:
                    fault.action()
                elif fault.error is not None:
                    raise fault.error
            yield
            for fault in self._take(operation, key, part_number, answer_lost=True):
                assert fault.error is not None
                raise fault.error
            status = 200
        except ClientError as exc:
            status = int(exc.response["ResponseMetadata"]["HTTPStatusCode"])
            raise
        finally:
            with self._faults_lock:
                self.requests.append(Request(operation, key, part_number, status))

    def _take(
        self, operation: str, key: str, part_number: int | None, *, answer_lost: bool
    ) -> list[_Fault]:
        with self._faults_lock:
            taken = [
                fault
                for fault in self._faults
                if fault.answer_lost is answer_lost and fault.matches(operation, key, part_number)
            ]
            for fault in taken:
                fault.remaining -= 1
            return taken
