"""Lambda `Invoke` of the init function, answered in-process by a registered handler.

moto would need Docker to run a function, so the local archive answers
`POST /2015-03-31/functions/<name or ARN>/invocations` itself. The handler gets the raw payload
and returns the response payload and, like Lambda, an optional `FunctionError`.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from urllib.parse import unquote

from uploader_gui.sandbox.wire import WireRequest, WireResponse, json_response

LambdaHandler = Callable[[bytes], tuple[bytes, str | None]]
INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<function>[^/]+)/invocations/?$")
# The init step's own wording for a failure outside its steps (PROTOCOL.md §7).
NOT_AVAILABLE_YAML = "status: error\ndetails: init step not available\nstep: lambda execution\n"


def init_step_not_available(payload: bytes) -> tuple[bytes, str | None]:
    """The answer until an init step is registered: a JSON string holding the error YAML."""
    return json.dumps(NOT_AVAILABLE_YAML).encode("utf-8"), None


def function_name(name_or_arn: str) -> str:
    """`fast-init` from `fast-init`, `arn:...:function:fast-init` or `...:fast-init:$LATEST`."""
    text = unquote(name_or_arn)
    if text.startswith("arn:"):
        parts = text.split(":")
        return parts[6] if len(parts) > 6 else text
    return text.split(":", 1)[0]


class LambdaService:
    def __init__(self, function_arn: str) -> None:
        self.function_arn = function_arn
        self._function = function_name(function_arn)
        self._handler: LambdaHandler = init_step_not_available
        self._lock = threading.Lock()

    def set_handler(self, handler: LambdaHandler) -> None:
        with self._lock:
            self._handler = handler

    @staticmethod
    def is_invoke(request: WireRequest) -> bool:
        return request.method == "POST" and INVOKE_PATH.match(request.path) is not None

    def invoke(self, request: WireRequest) -> tuple[str, WireResponse]:
        """(function name, response) for an Invoke request."""
        match = INVOKE_PATH.match(request.path)
        requested = function_name(match.group("function")) if match else ""
        if requested != self._function:
            return requested, _not_found(requested)
        with self._lock:
            handler = self._handler
        try:
            payload, function_error = handler(request.body)
        except Exception as exc:  # noqa: BLE001 - Lambda reports any handler exception this way
            error = {"errorMessage": str(exc), "errorType": type(exc).__name__}
            return requested, _invocation_result(json.dumps(error).encode(), "Unhandled")
        return requested, _invocation_result(payload, function_error)


def _invocation_result(payload: bytes, function_error: str | None) -> WireResponse:
    headers = [("X-Amz-Executed-Version", "$LATEST")]
    if function_error:
        headers.append(("X-Amz-Function-Error", function_error))
    return json_response(200, payload, headers)


def _not_found(name: str) -> WireResponse:
    message = f"Function not found: {name}"
    body = json.dumps({"Type": "User", "Message": message}).encode()
    return json_response(404, body, [("x-amzn-ErrorType", "ResourceNotFoundException")])
